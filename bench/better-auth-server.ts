/**
 * better-auth, the peer: email + password with its organization plugin, on
 * PostgreSQL (DATABASE_URL), rate limiter off, served by node:http on PORT.
 * BA_HASH=scrypt (its default: node:crypto scrypt N=16384, r=16, p=1) or
 * argon2id (ours: ARGON2_PARAMS); BA_COOKIE_CACHE=1 turns its session cookie cache on.
 * Used by bench/run.ts only; not part of Gatehouse.
 */
import { createServer } from "node:http";
import { hash, verify } from "@node-rs/argon2";
import pg from "pg";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { organization } from "better-auth/plugins";
import { ARGON2_PARAMS } from "../src/crypto/passwords.js";

const port = Number(process.env.PORT);
const host = process.env.HOST ?? "127.0.0.1";
const argon2 = process.env.BA_HASH === "argon2id";

const auth = betterAuth({
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
  secret: process.env.BA_SECRET ?? "bench-secret-bench-secret-bench-secret-0123456789",
  baseURL: `http://${host}:${port}`,
  emailAndPassword: {
    enabled: true,
    ...(argon2 ? { password: { hash: (p: string) => hash(p, ARGON2_PARAMS), verify: (d: { hash: string; password: string }) => verify(d.hash, d.password) } } : {}),
  },
  plugins: [organization()],
  rateLimit: { enabled: false },
  session: { cookieCache: { enabled: process.env.BA_COOKIE_CACHE === "1", maxAge: 300 } },
  telemetry: { enabled: false },
  logger: { disabled: true },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handler = toNodeHandler(auth);
createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    return;
  }
  void handler(req, res);
}).listen(port, host);
