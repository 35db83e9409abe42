import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import type { ClientContext } from "../features/sessions/service.js";

/** TRUST_PROXY as Fastify takes it (a hop count becomes the function proxy-addr would build). */
export function trustProxyOption(trust: Config["trustProxy"]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === "number" ? (_address, hop) => hop < trust : trust;
}

export function clientContext(request: FastifyRequest): ClientContext {
  const ua = request.headers["user-agent"];
  return { ip: request.ip ?? null, userAgent: typeof ua === "string" ? ua : null };
}
