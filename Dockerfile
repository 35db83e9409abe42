# Gatehouse image: one instance per container; scale out by running several
# (docs/deploy.md). Not built in CI here: the CI machines have no container runtime.

# The console (React + Vite) and the compiled server (lib/, bench/README.md "Memory":
# about 65 MiB less resident than running the sources through tsx) need dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web && npm run build:server

# Runtime dependencies only.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# MALLOC_*: glibc hands argon2id's 19 MiB buffers back to the system; --max-semi-space-size
# caps V8's young generation; --no-liftoff compiles embedded PostgreSQL's WebAssembly once,
# optimized, instead of twice (bench/README.md, "Memory").
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/lib ./lib
COPY --from=build /app/dist/web ./dist/web
# DATA_DIR holds the embedded database in single-instance mode; scaled out it stays empty.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`: its prestart step builds the console, which needs dev dependencies.
# The CLI in the container: `docker exec <c> node lib/main.js admin reset-mfa --org … --email …`.
CMD ["node", "--max-semi-space-size=8", "--no-liftoff", "lib/main.js", "serve"]
