import type { FastifyRequest } from "fastify";

/**
 * Request logs must not hold credentials (OWASP ASVS 4.0.3 7.1.1). Bodies and
 * headers are never logged, but URLs are, and the console's mailed links carry
 * single-use tokens in the query string (`/reset-password?token=…`,
 * `/set-password?token=…`). Values of query parameters whose name says they are
 * secret are replaced before the line is written.
 */
const SECRET_PARAM = /token|code|secret|password|key/i;

export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = url.slice(q + 1).split("&").map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      /* keep the raw name */
    }
    return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[REDACTED]` : pair;
  });
  return `${url.slice(0, q)}?${params.join("&")}`;
}

/** Fastify's default `req` serializer, with the URL redacted. */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The app's logger option with the redacting serializer (false stays false). */
export function withLogRedaction(logger: boolean | object): boolean | object {
  if (logger === false) return false;
  const options = (logger === true ? {} : logger) as { serializers?: Record<string, unknown> };
  return { ...options, serializers: { req: serializeRequest, ...options.serializers } };
}
