import type { Kysely } from "kysely";
import type { DB } from "../../db/schema.js";
import { AppError } from "../../http/errors.js";
import { recordAudit, userActor } from "../audit/audit.js";
import { createOrganizationRepo } from "../organizations/repo.js";
import type { ClientContext, SessionService } from "./service.js";

/** One of the caller's own sign-in sessions (ours; EntryGuard's /sessions is another product). */
export interface OwnSession {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface SessionControlDeps {
  db: Kysely<DB>;
  sessions: SessionService;
}

/** A user's view of their own sessions: list them, end one. */
export function createSessionControl({ db, sessions }: SessionControlDeps) {
  return {
    async listOwn(me: { userId: string; sessionId: string }): Promise<OwnSession[]> {
      const rows = await sessions.listSessions(me.userId);
      return rows.map((s) => ({
        id: s.id,
        createdAt: s.created_at.toISOString(),
        lastUsedAt: s.last_used_at.toISOString(),
        expiresAt: s.expires_at.toISOString(),
        ipAddress: s.ip_address,
        userAgent: s.user_agent,
        current: s.id === me.sessionId,
      }));
    },

    /** Someone else's session id, or one already ended, is a 404: the caller learns nothing about it. */
    async revokeOwn(me: { userId: string; orgId: string; email: string }, sessionId: string, ctx: ClientContext): Promise<void> {
      const revoked = await db.transaction().execute(async (tx) => {
        const revoked = await sessions.revoke(tx, { sessionId, userId: me.userId }, "user_revoked");
        if (revoked.length === 0) throw new AppError("NOT_FOUND", `Session not found with id: ${sessionId}`);
        const org = await createOrganizationRepo(tx).findOrganizationById(me.orgId);
        await recordAudit(tx, {
          type: "SESSION_REVOKE",
          actor: userActor(me),
          org: org ?? null,
          resource: { type: "SESSION", id: sessionId, name: me.email },
          ip: ctx.ip,
          details: { reason: "USER_REVOKE", sessionsRevoked: revoked.length },
        });
        return revoked;
      });
      sessions.forget(revoked);
    },
  };
}
export type SessionControl = ReturnType<typeof createSessionControl>;
