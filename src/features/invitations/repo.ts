import type { Queryable } from "../../db/types.js";

/** Invitation tokens (SHA-256 hashes; the token itself exists only in the mail). */
export function createInvitationRepo(db: Queryable) {
  return {
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
