import type { FastifyRequest } from "fastify";
import type { ClientContext } from "../features/sessions/service.js";

export function clientContext(request: FastifyRequest): ClientContext {
  const ua = request.headers["user-agent"];
  return { ip: request.ip ?? null, userAgent: typeof ua === "string" ? ua : null };
}
