import type { Queryable } from "../../db/types.js";

/** Tables of mailed single-use links; only the SHA-256 of a token is stored. */
export type SingleUseTokenTable = "invitations" | "password_resets";

export function createSingleUseTokenRepo(db: Queryable, table: SingleUseTokenTable) {
  return {
    async insert(values: { token_hash: string; user_id: string; expires_at: Date; created_at: Date }): Promise<void> {
      await db.insertInto(table).values(values).execute();
    },
    /** A token that is unused and unexpired, with its user's organization; does not consume it. */
    findLive(tokenHash: string, now: Date): Promise<{ user_id: string; organization_id: string } | undefined> {
      return db
        .selectFrom(`${table} as t`)
        .innerJoin("users as u", "u.id", "t.user_id")
        .select(["t.user_id", "u.organization_id"])
        .where("t.token_hash", "=", tokenHash)
        .where("t.used_at", "is", null)
        .where("t.expires_at", ">", now)
        .executeTakeFirst();
    },
    /**
     * Burns a token: a conditional UPDATE, so of concurrent callers exactly one gets
     * the row (the others wait on its row lock, then see used_at set).
     */
    consume(tokenHash: string, now: Date): Promise<{ user_id: string } | undefined> {
      return db
        .updateTable(table)
        .set({ used_at: now })
        .where("token_hash", "=", tokenHash)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .returning("user_id")
        .executeTakeFirst();
    },
  };
}
