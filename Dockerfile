# Gatehouse image: one instance per container; scale out by running several
# (docs/deploy.md). Not built in CI here: the CI machines have no container runtime.

# The console (React + Vite, dev dependencies) is built once, into dist/web.
FROM node:20-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web

# Runtime dependencies only (tsx runs the TypeScript sources: no compile step).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY --from=console /app/dist/web ./dist/web
# DATA_DIR holds the embedded database in single-instance mode; scaled out it stays empty.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`: its prestart step builds the console, which needs dev dependencies.
CMD ["node", "bin/gatehouse.js", "serve"]
