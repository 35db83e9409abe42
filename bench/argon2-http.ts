/**
 * The most any HTTP sign-in service can reach on this machine: a bare Fastify
 * (logger off, no hooks) whose POST /api/v1/auth/login does nothing but one
 * argon2id verify with the server's parameters and limit, driven by the same load as
 * Gatehouse's login. Its distance to the raw floor is what HTTP and the load
 * generator cost here; Gatehouse's distance to it is what Gatehouse adds.
 */
import Fastify from "fastify";
import { benchHasher } from "./lib/hasher.js";

const hasher = benchHasher();
const stored = await hasher.hash("Bench-Pass-2026!");
const app = Fastify({ logger: false });
app.get("/healthz", async () => ({ status: "ok" }));
app.post<{ Body: { password?: unknown } }>("/api/v1/auth/login", async (request, reply) => {
  const password = typeof request.body?.password === "string" ? request.body.password : "";
  if (!(await hasher.verify(stored, password))) return reply.code(401).send({ error: "INVALID_CREDENTIALS" });
  return { ok: true };
});
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? "127.0.0.1" });
