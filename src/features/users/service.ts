import type { Kysely } from "kysely";
import type { DB, User, UserUpdate } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";
import { AppError } from "../../http/errors.js";
import { recordAudit, userResource, type AuditActor } from "../audit/audit.js";
import { createLoginFlowRepo } from "../auth/login-flow-repo.js";
import { createInvitationRepo } from "../invitations/repo.js";
import { createOrganizationRepo } from "../organizations/repo.js";
import { createPasswordRepo } from "../passwords/repo.js";
import type { ClientContext, SessionService } from "../sessions/service.js";
import { decodeCursor, encodeCursor, type MemberCursor } from "./cursor.js";
import { createUserRepo, type MemberFilter, type MemberRow } from "./repo.js";
import { toUserResponse, type UserResponse } from "./responses.js";

export interface UserServiceDeps {
  db: Kysely<DB>;
  clock: () => Date;
  sessions: SessionService;
}

export interface UserPatch {
  name?: string | null;
  isOrgAdmin?: boolean;
  isActive?: boolean;
}

/** Rows per query when the whole list is streamed: bounded memory for any organization size. */
const STREAM_PAGE_SIZE = 1000;

export function userNotFound(id: string): AppError {
  return new AppError("NOT_FOUND", `User not found with id: ${id}`);
}

const nextCursor = (row: MemberRow): MemberCursor => ({ createdAt: row.cursor_ts, id: row.id });

/**
 * The organization row lock serializes every change that can remove an admin, so
 * two admins demoting each other at once cannot both succeed: the second one
 * counts after the first has committed.
 */
async function lockTarget(tx: Queryable, orgId: string, id: string) {
  const org = await createOrganizationRepo(tx).findOrganizationByIdForUpdate(orgId);
  const user = org ? await createUserRepo(tx).findUserById(orgId, id) : undefined;
  if (!org || !user) throw userNotFound(id);
  return { org, user };
}

/** An admin who can sign in; the organization must keep at least one. */
async function assertNotLastAdmin(tx: Queryable, user: User, verb: "demote" | "deactivate" | "delete"): Promise<void> {
  if (!user.is_org_admin || !user.is_active || user.password_hash === null) return;
  if ((await createUserRepo(tx).countActiveAdmins(user.organization_id, user.id)) === 0) {
    // EntryGuard answers these 400 (reference/entryguard-api.md §5), as a state error, not a 409.
    throw new AppError("BAD_REQUEST", `Cannot ${verb} the last organization admin`);
  }
}

export function createUserService({ db, clock, sessions }: UserServiceDeps) {
  return {
    /** One page of at most `limit` members and the cursor of the next page, if any. */
    async listPage(orgId: string, filter: MemberFilter, limit: number, cursor?: string): Promise<{ users: UserResponse[]; next: string | null }> {
      const after = cursor ? decodeCursor(cursor) : null;
      const rows = await createUserRepo(db).listMembers(orgId, filter, { after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { users: page.map(toUserResponse), next: rows.length > limit && last ? encodeCursor(nextCursor(last)) : null };
    },

    /**
     * Every matching member, read in keyset pages as the consumer pulls: EntryGuard
     * clients (no `limit`) get the whole organization without it ever sitting in memory.
     * The cursor is decoded here, before any byte is sent, so a bad one is still a 400.
     */
    listAll(orgId: string, filter: MemberFilter, cursor?: string): AsyncGenerator<UserResponse> {
      const start = cursor ? decodeCursor(cursor) : null;
      const repo = createUserRepo(db);
      return (async function* () {
        let after = start;
        for (;;) {
          const rows = await repo.listMembers(orgId, filter, { after, limit: STREAM_PAGE_SIZE });
          for (const row of rows) yield toUserResponse(row);
          const last = rows[rows.length - 1];
          if (rows.length < STREAM_PAGE_SIZE || !last) return;
          after = nextCursor(last);
        }
      })();
    },

    async get(orgId: string, id: string): Promise<UserResponse> {
      const user = await createUserRepo(db).findUserById(orgId, id);
      if (!user) throw userNotFound(id);
      return toUserResponse(user);
    },

    /** Applies the fields that differ; deactivation ends every session of the user at once. */
    async update(orgId: string, id: string, patch: UserPatch, actor: AuditActor, ctx: ClientContext): Promise<UserResponse> {
      const now = clock();
      const outcome = await db.transaction().execute(async (tx) => {
        const { org, user } = await lockTarget(tx, orgId, id);
        const update: UserUpdate = {};
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        if (patch.name !== undefined) {
          const name = patch.name?.trim() || null;
          if (name !== user.name) {
            update.name = name;
            changes.name = { before: user.name, after: name };
          }
        }
        if (patch.isOrgAdmin !== undefined && patch.isOrgAdmin !== user.is_org_admin) {
          update.is_org_admin = patch.isOrgAdmin;
          changes.isOrgAdmin = { before: user.is_org_admin, after: patch.isOrgAdmin };
        }
        if (patch.isActive !== undefined && patch.isActive !== user.is_active) {
          update.is_active = patch.isActive;
          changes.isActive = { before: user.is_active, after: patch.isActive };
        }
        if (Object.keys(changes).length === 0) return { user, revoked: [] as string[], rightsChanged: false };
        if (update.is_org_admin === false) await assertNotLastAdmin(tx, user, "demote");
        const deactivating = update.is_active === false;
        if (deactivating) await assertNotLastAdmin(tx, user, "deactivate");
        const next = await createUserRepo(tx).updateUserById(orgId, id, { ...update, updated_at: now });
        if (!next) throw userNotFound(id);
        let revoked: string[] = [];
        if (deactivating) {
          revoked = await sessions.revoke(tx, { userId: id }, "user_deactivated");
          // A sign-in half way through (MFA challenge, setup) must not finish either, and no
          // link mailed before (a password reset, an invitation) may work after a reactivation:
          // the admin may have deactivated because the mailbox was taken over.
          await createLoginFlowRepo(tx).deleteLoginFlowsOfUser(id);
          await createPasswordRepo(tx).usePasswordResetsOfUser(id, now);
          await createInvitationRepo(tx).deletePendingInvitations(orgId, id);
        }
        await recordAudit(tx, {
          type: deactivating ? "USER_DEACTIVATE" : "USER_UPDATE",
          actor,
          org,
          resource: userResource(user),
          ip: ctx.ip,
          details: deactivating ? { changes, sessionsRevoked: revoked.length } : { changes },
        });
        return { user: next, revoked, rightsChanged: "is_org_admin" in update || "is_active" in update };
      });
      // After commit: the session cache holds isOrgAdmin, so a demoted admin is refused on the next request.
      if (outcome.rightsChanged) sessions.forgetUser(id);
      sessions.forget(outcome.revoked);
      return toUserResponse(outcome.user);
    },

    /** Irreversible: sessions, MFA, invitations go with the row (ON DELETE CASCADE); the email becomes reusable. */
    async remove(orgId: string, id: string, actor: AuditActor, ctx: ClientContext): Promise<void> {
      const revoked = await db.transaction().execute(async (tx) => {
        const { org, user } = await lockTarget(tx, orgId, id);
        await assertNotLastAdmin(tx, user, "delete");
        const revoked = await sessions.revoke(tx, { userId: id }, "user_deleted");
        if (!(await createUserRepo(tx).deleteUserById(orgId, id))) throw userNotFound(id);
        await recordAudit(tx, {
          type: "USER_DELETE",
          actor,
          org,
          resource: userResource(user),
          ip: ctx.ip,
          details: { email: user.email, name: user.name, isOrgAdmin: user.is_org_admin, isActive: user.is_active, sessionsRevoked: revoked.length },
        });
        return revoked;
      });
      sessions.forgetUser(id);
      sessions.forget(revoked);
    },

    /** Ends every session of a member (a lost laptop); their next sign-in starts from the password. */
    async revokeSessions(orgId: string, id: string, actor: AuditActor, ctx: ClientContext): Promise<void> {
      const revoked = await db.transaction().execute(async (tx) => {
        const org = await createOrganizationRepo(tx).findOrganizationById(orgId);
        const user = org ? await createUserRepo(tx).findUserById(orgId, id) : undefined;
        if (!org || !user) throw userNotFound(id);
        const revoked = await sessions.revoke(tx, { userId: id }, "admin_revoked");
        await createLoginFlowRepo(tx).deleteLoginFlowsOfUser(id);
        await recordAudit(tx, {
          type: "SESSION_REVOKE",
          actor,
          org,
          resource: userResource(user),
          ip: ctx.ip,
          details: { reason: "ADMIN_REVOKE_ALL", sessionsRevoked: revoked.length },
        });
        return revoked;
      });
      sessions.forget(revoked);
    },
  };
}
export type UserService = ReturnType<typeof createUserService>;
