import type { FastifyInstance } from "fastify";

/**
 * Response headers every answer carries (OWASP ASVS 4.0.3 V14.4):
 * - `Strict-Transport-Security` when the deployment is reached over TLS
 *   (`PUBLIC_URL` is https): browsers then refuse plain HTTP for a year, so a
 *   bearer token or refresh cookie cannot be stripped onto an http:// request.
 *   Behind plain http (development) the header would be ignored by browsers
 *   (RFC 6797 §8.1) and only confuse, so it is not sent.
 * - `X-Content-Type-Options: nosniff`: a JSON answer is never sniffed as HTML.
 * `Cache-Control: no-store` on API answers is set by app.ts; Fastify sends no
 * `X-Powered-By`.
 */
export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

export function registerSecurityHeaders(app: FastifyInstance, options: { publicUrl: string }): void {
  const hsts = options.publicUrl.startsWith("https://");
  app.addHook("onSend", async (_request, reply) => {
    if (hsts) reply.header("strict-transport-security", HSTS_VALUE);
    if (!reply.hasHeader("x-content-type-options")) reply.header("x-content-type-options", "nosniff");
  });
}
