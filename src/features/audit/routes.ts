import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Static } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { errors } from "../../http/schemas.js";
import { ndjsonStream } from "../../http/streaming.js";
import { AuditLogQuery, AuditPage } from "./schemas.js";
import type { AuditService } from "./service.js";

export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get("/audit-logs", {
    config: { auth: "admin" },
    schema: {
      operationId: "listAuditLogs",
      tags: ["audit"],
      summary: "The organization's audit trail, newest first",
      description:
        "Filters: `eventType`, `actorEmail` (case-insensitive), `from` (inclusive) and `to` (exclusive). " +
        "`format=ndjson` streams every match as application/x-ndjson, one entry per line, for export.",
      security: [{ bearerAuth: [] }],
      querystring: AuditLogQuery,
      response: { 200: AuditPage, ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    const { orgId } = userOf(request);
    if (request.query.format === "ndjson") {
      const stream = ndjsonStream(audit.exportAll(orgId, request.query));
      reply.header("content-disposition", 'attachment; filename="audit-logs.ndjson"');
      // A stream skips the response serializer; each line is already a public AuditEntry.
      return reply.type("application/x-ndjson").send(stream as unknown as Static<typeof AuditPage>);
    }
    return audit.list(orgId, request.query);
  });
};
