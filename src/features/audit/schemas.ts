import { Type } from "@sinclair/typebox";
import { Nullable } from "../../http/schemas.js";

export const MAX_AUDIT_PAGE_SIZE = 200;

const instant = (what: string) =>
  Type.String({ maxLength: 64, description: `${what}: ISO 8601 date-time (e.g. 2026-02-18T10:30:00Z; no offset = UTC) or date (midnight UTC)` });

/** EntryGuard's parameters, plus `format=ndjson` (ours). Unknown parameters are ignored (Spring clients may send `sort`). */
export const AuditLogQuery = Type.Object({
  eventType: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  actorEmail: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
  from: Type.Optional(instant("Inclusive lower bound of createdAt")),
  to: Type.Optional(instant("Exclusive upper bound of createdAt")),
  page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: "0-based" })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE_SIZE, default: 20 })),
  format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("ndjson")], {
    description: "ndjson: every matching entry, newest first, one JSON object per line (page and size are ignored)",
  })),
});

/** EntryGuard's audit entry (section 7 example), key order included. */
export const AuditEntry = Type.Object({
  id: Type.String(),
  eventType: Type.String(),
  actorEmail: Nullable(Type.String()),
  actorType: Type.String(),
  resourceType: Nullable(Type.String()),
  resourceId: Nullable(Type.String()),
  resourceName: Nullable(Type.String()),
  result: Type.String(),
  ipAddress: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
  details: Nullable(Type.Object({}, { additionalProperties: true })),
  organizationName: Nullable(Type.String()),
  createdAt: Type.String({ format: "date-time" }),
}, {
  title: "AuditEntry",
  examples: [{
    id: "880e8400-e29b-41d4-a716-446655440009", eventType: "ORGANIZATION_SETTINGS_UPDATE", actorEmail: "admin@acme.test", actorType: "USER",
    resourceType: "ORGANIZATION", resourceId: "660e8400-e29b-41d4-a716-446655440001", resourceName: "Acme Corp", result: "SUCCESS",
    ipAddress: "203.0.113.7", errorMessage: null, details: { changes: { mfaRequired: { before: false, after: true } } },
    organizationName: "Acme Corp", createdAt: "2026-02-18T10:30:00.000Z",
  }],
});

/** Spring's Page, as EntryGuard answers it. */
export const AuditPage = Type.Object({
  content: Type.Array(AuditEntry),
  totalElements: Type.Integer(),
  totalPages: Type.Integer(),
  number: Type.Integer(),
  size: Type.Integer(),
}, { title: "AuditPage" });
