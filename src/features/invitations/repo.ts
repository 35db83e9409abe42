import type { Queryable } from "../../db/types.js";

/** Invitation tokens (SHA-256 hashes; the token itself exists only in the mail). */
export function createInvitationRepo(db: Queryable) {
  return {
    async insertInvitation(values: { token_hash: string; user_id: string; expires_at: Date; created_at: Date }): Promise<void> {
      await db.insertInto("invitations").values(values).execute();
    },
    /** A token that is unused and unexpired, with its user's organization; does not consume it. */
    findLiveInvitation(tokenHash: string, now: Date): Promise<{ user_id: string; organization_id: string } | undefined> {
      return db
        .selectFrom("invitations as i")
        .innerJoin("users as u", "u.id", "i.user_id")
        .select(["i.user_id", "u.organization_id"])
        .where("i.token_hash", "=", tokenHash)
        .where("i.used_at", "is", null)
        .where("i.expires_at", ">", now)
        .executeTakeFirst();
    },
    /**
     * Burns a token: a conditional UPDATE, so of concurrent callers exactly one gets
     * the row (the others wait on its row lock, then see used_at set).
     */
    consumeInvitation(tokenHash: string, now: Date): Promise<{ user_id: string } | undefined> {
      return db
        .updateTable("invitations")
        .set({ used_at: now })
        .where("token_hash", "=", tokenHash)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .returning("user_id")
        .executeTakeFirst();
    },
    /** Drops a user's unused tokens (a resend, or the one accepted made the rest moot). */
    async deletePendingInvitations(orgId: string, userId: string): Promise<void> {
      await db
        .deleteFrom("invitations")
        .where("user_id", "=", userId)
        .where("used_at", "is", null)
        .where("user_id", "in", (eb) => eb.selectFrom("users").select("id").where("organization_id", "=", orgId))
        .execute();
    },
  };
}
export type InvitationRepo = ReturnType<typeof createInvitationRepo>;
