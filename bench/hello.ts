/**
 * The floor of an authenticated read: a bare Fastify hello-world (logger off,
 * no hooks), started as its own process on PORT like the server.
 */
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/healthz", async () => ({ status: "ok" }));
app.get("/hello", async () => ({ hello: "world" }));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? "127.0.0.1" });
