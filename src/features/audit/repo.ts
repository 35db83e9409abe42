import { sql, type SelectQueryBuilder } from "kysely";
import type { AuditLog, DB } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";

export interface AuditFilter {
  eventType?: string;
  /** Matched case-insensitively, as emails are. */
  actorEmail?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive: [from, to) ranges tile without overlap. */
  to?: Date;
}

/** Reads of the audit trail. There is no write here but recordAudit's insert, and nothing updates or deletes. */
export function createAuditRepo(db: Queryable) {
  const matching = (orgId: string, f: AuditFilter) => {
    let q: SelectQueryBuilder<DB, "audit_logs", object> = db.selectFrom("audit_logs").where("organization_id", "=", orgId);
    if (f.eventType !== undefined) q = q.where("event_type", "=", f.eventType);
    if (f.actorEmail !== undefined) q = q.where(sql`lower(actor_email)`, "=", f.actorEmail.toLowerCase());
    if (f.from !== undefined) q = q.where("created_at", ">=", f.from);
    if (f.to !== undefined) q = q.where("created_at", "<", f.to);
    return q;
  };

  return {
    async countAuditLogs(orgId: string, filter: AuditFilter): Promise<number> {
      const row = await matching(orgId, filter).select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
      return row.n;
    },
    /** Newest first (`seq`, the insertion order: created_at ties are common). */
    listAuditLogs(orgId: string, filter: AuditFilter, page: { offset: number; limit: number }): Promise<AuditLog[]> {
      return matching(orgId, filter).selectAll().orderBy("seq", "desc").offset(page.offset).limit(page.limit).execute();
    },
    /** Keyset page for exports: rows older than `beforeSeq` (null = from the newest), newest first. */
    listAuditLogsBefore(orgId: string, filter: AuditFilter, beforeSeq: number | null, limit: number): Promise<AuditLog[]> {
      let q = matching(orgId, filter).selectAll();
      if (beforeSeq !== null) q = q.where("seq", "<", beforeSeq);
      return q.orderBy("seq", "desc").limit(limit).execute();
    },
  };
}
export type AuditRepo = ReturnType<typeof createAuditRepo>;
