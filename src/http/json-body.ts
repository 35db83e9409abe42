import type { FastifyInstance } from "fastify";

/**
 * `Content-Type: application/json` with no body reads as no body, in both dialects. Generic
 * request helpers (EntryGuard's Go CLI among them) set the header on every POST, including
 * the body-less ones (logout, reset-mfa, regenerate); Fastify's own parser answers them 400.
 * A route that needs a body still refuses its absence through its schema.
 */
export function acceptEmptyJsonBody(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body === "") return done(null, undefined);
    return json(request, body as string, done);
  });
}
