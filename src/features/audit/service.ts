import type { Static } from "@sinclair/typebox";
import type { Kysely } from "kysely";
import type { AuditLog, DB } from "../../db/schema.js";
import { AppError } from "../../http/errors.js";
import { parseInstant } from "./instant.js";
import { createAuditRepo, type AuditFilter } from "./repo.js";
import type { AuditEntry, AuditLogQuery } from "./schemas.js";

/** Rows per query of an export: bounded memory, few round trips. */
const EXPORT_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 20;

export type AuditEntryResponse = Static<typeof AuditEntry>;

export function toAuditEntry(row: AuditLog): AuditEntryResponse {
  return {
    id: row.id,
    eventType: row.event_type,
    actorEmail: row.actor_email,
    actorType: row.actor_type,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    result: row.result,
    ipAddress: row.ip_address,
    errorMessage: row.error_message,
    details: row.details,
    organizationName: row.organization_name,
    createdAt: row.created_at.toISOString(),
  };
}

/** Query strings to a filter; a from/to that is not an instant is a 400 naming the parameter. */
function toFilter(query: Static<typeof AuditLogQuery>): AuditFilter {
  const validationErrors: Record<string, string> = {};
  const instant = (key: "from" | "to") => {
    const raw = query[key];
    if (raw === undefined) return undefined;
    const date = parseInstant(raw);
    if (!date) validationErrors[`querystring.${key}`] = "must be an ISO 8601 date-time, e.g. 2026-02-18T10:30:00Z";
    return date ?? undefined;
  };
  const filter: AuditFilter = { eventType: query.eventType, actorEmail: query.actorEmail, from: instant("from"), to: instant("to") };
  const first = Object.entries(validationErrors)[0];
  if (first) throw new AppError("VALIDATION_ERROR", `${first[0]} ${first[1]}`, { validationErrors });
  return filter;
}

export function createAuditService({ db }: { db: Kysely<DB> }) {
  return {
    /** One page, newest first, in Spring's Page shape (EntryGuard). */
    async list(orgId: string, query: Static<typeof AuditLogQuery>) {
      const filter = toFilter(query);
      const page = query.page ?? 0;
      const size = query.size ?? DEFAULT_PAGE_SIZE;
      const repo = createAuditRepo(db);
      const [total, rows] = await Promise.all([
        repo.countAuditLogs(orgId, filter),
        repo.listAuditLogs(orgId, filter, { offset: page * size, limit: size }),
      ]);
      return { content: rows.map(toAuditEntry), totalElements: total, totalPages: Math.ceil(total / size), number: page, size };
    },

    /**
     * Every matching entry, newest first, fetched in keyset pages by `seq` as the
     * consumer pulls. Rows written after the export began are above its first
     * page and never show up; none repeats or is skipped. The filter is parsed
     * before the generator starts, so bad dates are still a 400.
     */
    exportAll(orgId: string, query: Static<typeof AuditLogQuery>): AsyncGenerator<AuditEntryResponse> {
      const filter = toFilter(query);
      const repo = createAuditRepo(db);
      return (async function* () {
        let before: number | null = null;
        for (;;) {
          const rows = await repo.listAuditLogsBefore(orgId, filter, before, EXPORT_PAGE_SIZE);
          for (const row of rows) yield toAuditEntry(row);
          const last = rows[rows.length - 1];
          if (rows.length < EXPORT_PAGE_SIZE || !last) return;
          before = last.seq;
        }
      })();
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
