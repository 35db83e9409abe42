import type { Queryable } from "../../db/types.js";
import type { LoginFlow, LoginFlowKind } from "../../db/schema.js";

export function createLoginFlowRepo(db: Queryable) {
  return {
    async insertLoginFlow(values: {
      token_hash: string;
      kind: LoginFlowKind;
      user_id: string;
      organization_id: string;
      mfa_verified: boolean;
      ip_address: string | null;
      user_agent: string | null;
      expires_at: Date;
      created_at: Date;
    }): Promise<void> {
      await db.insertInto("login_flows").values(values).execute();
    },
    findLiveLoginFlow(tokenHash: string, kind: LoginFlowKind, now: Date): Promise<LoginFlow | undefined> {
      return db
        .selectFrom("login_flows")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .where("kind", "=", kind)
        .where("expires_at", ">", now)
        .executeTakeFirst();
    },
    /** Burns a single-use token: of concurrent callers exactly one gets the row. */
    consumeLoginFlow(tokenHash: string, kind: LoginFlowKind, now: Date): Promise<LoginFlow | undefined> {
      return db
        .deleteFrom("login_flows")
        .where("token_hash", "=", tokenHash)
        .where("kind", "=", kind)
        .where("expires_at", ">", now)
        .returningAll()
        .executeTakeFirst();
    },
    /**
     * Counts a wrong code. The flow dies (is deleted) at `maxAttempts`; returns the
     * attempts so far, or null when the flow was already gone.
     */
    async recordFailedAttempt(tokenHash: string, maxAttempts: number): Promise<number | null> {
      const row = await db
        .updateTable("login_flows")
        .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
        .where("token_hash", "=", tokenHash)
        .returning("attempts")
        .executeTakeFirst();
      if (!row) return null;
      if (row.attempts >= maxAttempts) await db.deleteFrom("login_flows").where("token_hash", "=", tokenHash).execute();
      return row.attempts;
    },
    async deleteLoginFlowsOfUser(userId: string): Promise<void> {
      await db.deleteFrom("login_flows").where("user_id", "=", userId).execute();
    },
  };
}
export type LoginFlowRepo = ReturnType<typeof createLoginFlowRepo>;
