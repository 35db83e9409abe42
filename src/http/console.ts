import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";

/** Where `npm run build:web` (and `npm start`, when it is missing) puts the console. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

/**
 * The console's page policy: scripts and styles only from files of this origin
 * (no inline script, so an injected `<script>` does not run), images also as data:
 * URLs (the TOTP QR code), fetches to this origin only, never framed (clickjacking).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/** Paths that belong to the API or the server, never to the console: their unknown URLs stay JSON 404s. */
const SERVER_PREFIXES = ["/api", "/mfa", "/.well-known", "/docs", "/openapi.json", "/healthz", "/readyz", "/assets"];

export function isConsolePath(path: string): boolean {
  if (SERVER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return false;
  // A file name (favicon.ico, robots.txt) that is not in the build is a 404, not the app.
  return !/\.[A-Za-z0-9]+$/.test(path);
}

const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  // The reset and invitation pages carry a token in their URL: never send it on as a Referer.
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

/**
 * What the console must know before its first paint (web/src/server-meta.ts), as <meta>
 * tags: no inline script (the CSP allows none) and no extra request.
 */
export function withServerMeta(html: string, meta: { signup: "open" | "closed" }): Buffer {
  const tags = meta.signup === "closed" ? '<meta name="gatehouse-signup" content="closed" />' : "";
  return Buffer.from(tags ? html.replace("</head>", `    ${tags}\n  </head>`) : html);
}

/**
 * Serves the built console: hashed files under /assets/ cached for a year
 * (their names change with their content), index.html revalidated on every
 * load (`no-cache` + ETag) so a new release is picked up at once, and every
 * other console path answered with index.html (client-side routing, e.g. the
 * mailed /reset-password?token=… and /set-password?token=… links).
 */
export const consoleRoutes: FastifyPluginAsync<{ root?: string; signup?: "open" | "closed" }> = async (app, options) => {
  const root = options.root ?? DEFAULT_CONSOLE_DIR;
  const indexFile = join(root, "index.html");

  if (!existsSync(indexFile)) {
    const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .headers({ "cache-control": "no-store", "content-type": "text/plain; charset=utf-8" })
        .send("The web console is not built. Run `npm run build:web` (`npm start` builds it when dist/web is missing).\n");
    app.get("/", { schema: { hide: true } }, notBuilt);
    app.get("/*", { schema: { hide: true } }, async (request, reply) =>
      isConsolePath(request.url.split("?")[0]!) ? notBuilt(request, reply) : reply.callNotFound());
    return;
  }

  const index = indexReader(indexFile, options.signup ?? "open");
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    const { body, etag } = index();
    reply.headers({ ...HTML_HEADERS, "cache-control": "no-cache", etag });
    if (request.headers["if-none-match"] === etag) return reply.code(304).send();
    return reply.send(body);
  };

  await app.register(fastifyStatic, {
    root: join(root, "assets"),
    prefix: "/assets/",
    index: false,
    // Vite names every asset after its content hash, so a cached copy is never stale.
    maxAge: 365 * 24 * 3600 * 1000,
    immutable: true,
    setHeaders: (res) => void res.header("x-content-type-options", "nosniff"),
  });

  app.get("/", { schema: { hide: true } }, sendIndex);
  app.get("/*", { schema: { hide: true } }, async (request, reply) =>
    isConsolePath(request.url.split("?")[0]!) ? sendIndex(request, reply) : reply.callNotFound());
};

/**
 * index.html as it is on disk now. A rebuild of the console under a running server
 * replaces the hashed assets; an index.html read once at start would go on naming the
 * deleted ones, and every visitor would get a blank page until a restart. One stat per
 * page load (not per asset) keeps them in step; a file caught half-written keeps the
 * last complete read.
 */
function indexReader(indexFile: string, signup: "open" | "closed"): () => { body: Buffer; etag: string } {
  let cached: { stamp: string; body: Buffer; etag: string } | null = null;
  const read = (stamp: string) => {
    const body = withServerMeta(readFileSync(indexFile, "utf8"), { signup });
    return { stamp, body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
  };
  return () => {
    try {
      const stat = statSync(indexFile);
      const stamp = `${stat.mtimeMs}:${stat.size}`;
      if (cached?.stamp !== stamp) cached = read(stamp);
    } catch (err) {
      if (!cached) throw err;
    }
    return cached!;
  };
}
