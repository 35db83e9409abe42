import type { Queryable } from "../../db/types.js";

export function createMfaRepo(db: Queryable) {
  /** Moves `column` of a confirmed secret to `step` if that is later; true for the one caller that did. */
  async function claimLaterStep(column: "last_used_step" | "reuse_reported_step", userId: string, step: number): Promise<boolean> {
    const row = await db
      .updateTable("mfa_totp")
      .set(column, step)
      .where("user_id", "=", userId)
      .where("confirmed_at", "is not", null)
      .where((eb) => eb.or([eb(column, "is", null), eb(column, "<", step)]))
      .returning("user_id")
      .executeTakeFirst();
    return row !== undefined;
  }

  return {
    findTotp(userId: string) {
      return db.selectFrom("mfa_totp").selectAll().where("user_id", "=", userId).executeTakeFirst();
    },
    /** Stores a new pending secret, replacing an unconfirmed one; undefined when MFA is already confirmed. */
    upsertPendingTotp(userId: string, secretEnc: string, now: Date) {
      return db
        .insertInto("mfa_totp")
        .values({ user_id: userId, secret_enc: secretEnc, created_at: now })
        .onConflict((oc) =>
          oc
            .column("user_id")
            .doUpdateSet({ secret_enc: secretEnc, created_at: now, confirmed_at: null, last_used_step: null, reuse_reported_step: null })
            .where("mfa_totp.confirmed_at", "is", null),
        )
        .returning("user_id")
        .executeTakeFirst();
    },
    /** Confirms the pending secret and burns the confirming code's step (it cannot sign in later). */
    confirmTotp(userId: string, step: number, now: Date) {
      return db
        .updateTable("mfa_totp")
        .set({ confirmed_at: now, last_used_step: step })
        .where("user_id", "=", userId)
        .where("confirmed_at", "is", null)
        .returning("user_id")
        .executeTakeFirst();
    },
    /**
     * Accepts a time step only if it is later than the last accepted one. Concurrent
     * requests with the same code race on this row; exactly one wins (RFC 6238 5.2).
     */
    claimTotpStep: (userId: string, step: number) => claimLaterStep("last_used_step", userId, step),
    /** Of the requests replaying the code of one step, only the first gets true (one notice per code). */
    claimReuseReport: (userId: string, step: number) => claimLaterStep("reuse_reported_step", userId, step),
    async deleteTotp(userId: string): Promise<void> {
      await db.deleteFrom("mfa_totp").where("user_id", "=", userId).execute();
    },
    async replaceRecoveryCodes(userId: string, hashes: string[], now: Date): Promise<void> {
      await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
      await db.insertInto("recovery_codes").values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now }))).execute();
    },
    /** Single use: of concurrent callers with one code, exactly one gets true. `hashes`: what the code may be stored as. */
    async consumeRecoveryCode(userId: string, hashes: string[], now: Date): Promise<boolean> {
      const row = await db
        .updateTable("recovery_codes")
        .set({ used_at: now })
        .where("user_id", "=", userId)
        .where("code_hash", "in", hashes)
        .where("used_at", "is", null)
        .returning("id")
        .executeTakeFirst();
      return row !== undefined;
    },
    async deleteRecoveryCodes(userId: string): Promise<void> {
      await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
    },
    async countUnusedRecoveryCodes(userId: string): Promise<number> {
      const row = await db
        .selectFrom("recovery_codes")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("user_id", "=", userId)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
export type MfaRepo = ReturnType<typeof createMfaRepo>;
