import { sql } from "kysely";
import type { Queryable } from "../../db/types.js";
import type { Session } from "../../db/schema.js";
import type { AuditRow } from "../audit/audit.js";

export interface SessionPrincipalRow {
  sessionId: string;
  userId: string;
  orgId: string;
  email: string;
  isOrgAdmin: boolean;
  expiresAt: Date;
}

export function createSessionRepo(db: Queryable) {
  return {
    /**
     * A sign-in in one statement (data-modifying CTEs run exactly once, atomically):
     * the session, its first refresh token, the user's last_login_at and, when given,
     * its audit row. One round trip instead of six (BEGIN … COMMIT) on the login hot
     * path (bench/README.md, "Login").
     */
    async openSession(values: {
      id: string;
      user_id: string;
      organization_id: string;
      ip_address: string | null;
      user_agent: string | null;
      mfa_verified_at: Date | null;
      expires_at: Date;
      created_at: Date;
    }, refreshTokenHash: string, audit?: AuditRow): Promise<void> {
      const v = values;
      const auditCte = audit
        ? sql`, a AS (INSERT INTO audit_logs (${sql.join(Object.keys(audit).map((c) => sql.ref(c)))}) VALUES (${sql.join(Object.values(audit))}))`
        : sql``;
      await sql`
        WITH s AS (
          INSERT INTO sessions (id, user_id, organization_id, ip_address, user_agent, mfa_verified_at, expires_at, created_at, last_used_at)
          VALUES (${v.id}, ${v.user_id}, ${v.organization_id}, ${v.ip_address}, ${v.user_agent}, ${v.mfa_verified_at}, ${v.expires_at}, ${v.created_at}, ${v.created_at})
          RETURNING id
        ), r AS (
          INSERT INTO refresh_tokens (token_hash, session_id, created_at) SELECT ${refreshTokenHash}, id, ${v.created_at} FROM s
        ), u AS (
          UPDATE users SET last_login_at = ${v.created_at} WHERE id = ${v.user_id}
        )${auditCte}
        SELECT id FROM s`.execute(db);
    },
    async insertRefreshToken(sessionId: string, tokenHash: string, now: Date): Promise<void> {
      await db.insertInto("refresh_tokens").values({ token_hash: tokenHash, session_id: sessionId, created_at: now }).execute();
    },
    /**
     * Marks a refresh token used. Exactly one of any number of concurrent callers gets the
     * session id back; the rest see `reused` and the caller revokes the family.
     */
    async rotateRefreshToken(tokenHash: string, now: Date): Promise<{ sessionId: string } | { reusedSessionId: string } | null> {
      const row = await db
        .updateTable("refresh_tokens")
        .set({ rotated_at: now })
        .where("token_hash", "=", tokenHash)
        .where("rotated_at", "is", null)
        .returning("session_id")
        .executeTakeFirst();
      if (row) return { sessionId: row.session_id };
      const used = await db.selectFrom("refresh_tokens").select("session_id").where("token_hash", "=", tokenHash).executeTakeFirst();
      return used ? { reusedSessionId: used.session_id } : null;
    },
    findSessionByRefreshToken(tokenHash: string): Promise<{ session_id: string } | undefined> {
      return db.selectFrom("refresh_tokens").select("session_id").where("token_hash", "=", tokenHash).executeTakeFirst();
    },
    findSessionById(id: string): Promise<Session | undefined> {
      return db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
    },
    /** The authenticated-request check: session live and its user active. */
    async findActivePrincipal(sessionId: string, now: Date): Promise<SessionPrincipalRow | undefined> {
      const row = await db
        .selectFrom("sessions as s")
        .innerJoin("users as u", "u.id", "s.user_id")
        .select(["s.id", "s.user_id", "s.organization_id", "s.expires_at", "u.email", "u.is_org_admin"])
        .where("s.id", "=", sessionId)
        .where("s.revoked_at", "is", null)
        .where("s.expires_at", ">", now)
        .where("u.is_active", "=", true)
        .executeTakeFirst();
      return row && {
        sessionId: row.id,
        userId: row.user_id,
        orgId: row.organization_id,
        email: row.email,
        isOrgAdmin: row.is_org_admin,
        expiresAt: row.expires_at,
      };
    },
    touchSession(id: string, now: Date, expiresAt: Date) {
      return db.updateTable("sessions").set({ last_used_at: now, expires_at: expiresAt }).where("id", "=", id).execute();
    },
    listActiveSessions(userId: string, now: Date): Promise<Session[]> {
      return db
        .selectFrom("sessions")
        .selectAll()
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .orderBy("last_used_at", "desc")
        .execute();
    },
    /** Records that this live session of this user just proved its second factor (step-up). */
    async markMfaVerified(sessionId: string, userId: string, now: Date): Promise<void> {
      await db.updateTable("sessions").set({ mfa_verified_at: now })
        .where("id", "=", sessionId).where("user_id", "=", userId).where("revoked_at", "is", null).execute();
    },
    /** Revokes sessions matching the filter; returns the ids it revoked (for cache invalidation). */
    async revokeSessions(
      filter: { sessionId?: string; userId?: string; exceptSessionId?: string },
      reason: string,
      now: Date,
    ): Promise<string[]> {
      let q = db.updateTable("sessions").set({ revoked_at: now, revoked_reason: reason }).where("revoked_at", "is", null);
      if (filter.sessionId) q = q.where("id", "=", filter.sessionId);
      if (filter.userId) q = q.where("user_id", "=", filter.userId);
      if (filter.exceptSessionId) q = q.where("id", "<>", filter.exceptSessionId);
      const rows = await q.returning("id").execute();
      return rows.map((r) => r.id);
    },
  };
}
export type SessionRepo = ReturnType<typeof createSessionRepo>;
