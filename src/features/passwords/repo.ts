import { sql } from "kysely";
import type { User } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";

export interface ResetTarget {
  user_id: string;
  email: string;
  organization_id: string;
  organization_name: string;
}

export function createPasswordRepo(db: Queryable) {
  return {
    /**
     * Stores a new password hash. With `expectedHash`, only if the stored hash is still the
     * one the caller verified against: of two concurrent changes, the second finds nothing.
     */
    setUserPassword(orgId: string, userId: string, passwordHash: string, now: Date, expectedHash?: string): Promise<User | undefined> {
      let q = db
        .updateTable("users")
        .set({ password_hash: passwordHash, password_changed_at: now, must_change_password: false, updated_at: now })
        .where("organization_id", "=", orgId)
        .where("id", "=", userId);
      if (expectedHash !== undefined) q = q.where("password_hash", "=", expectedHash);
      return q.returningAll().executeTakeFirst();
    },
    setMustChangePassword(orgId: string, userId: string, now: Date): Promise<User | undefined> {
      return db
        .updateTable("users")
        .set({ must_change_password: true, updated_at: now })
        .where("organization_id", "=", orgId)
        .where("id", "=", userId)
        .returningAll()
        .executeTakeFirst();
    },
    /**
     * Forgot-password in one statement: finds the active user with a password by
     * organization slug and email and, only if there is one, stores the reset. Known
     * and unknown addresses cost the same round trip, so timing does not enumerate accounts.
     */
    insertPasswordResetForEmail(
      slug: string,
      email: string,
      values: { token_hash: string; expires_at: Date; created_at: Date },
    ): Promise<ResetTarget | undefined> {
      return db
        .with("target", (qb) =>
          qb
            .selectFrom("users as u")
            .innerJoin("organizations as o", "o.id", "u.organization_id")
            .select(["u.id as user_id", "u.email", "o.id as organization_id", "o.name as organization_name"])
            .where("o.slug", "=", slug)
            .where(sql<string>`lower(u.email)`, "=", email.toLowerCase())
            .where("u.is_active", "=", true)
            .where("u.password_hash", "is not", null),
        )
        .with("inserted", (qb) =>
          qb
            .insertInto("password_resets")
            .columns(["token_hash", "user_id", "expires_at", "created_at"])
            .expression((eb) =>
              eb.selectFrom("target").select([
                sql<string>`${values.token_hash}::text`.as("token_hash"),
                "target.user_id",
                sql<Date>`${values.expires_at}::timestamptz`.as("expires_at"),
                sql<Date>`${values.created_at}::timestamptz`.as("created_at"),
              ]),
            )
            .returning("user_id"),
        )
        .selectFrom("target")
        .innerJoin("inserted", "inserted.user_id", "target.user_id")
        .select(["target.user_id", "target.email", "target.organization_id", "target.organization_name"])
        .executeTakeFirst();
    },
    /** After any password change, links mailed earlier must not work any more (OWASP Forgot Password Cheat Sheet). */
    async usePasswordResetsOfUser(userId: string, now: Date): Promise<void> {
      await db.updateTable("password_resets").set({ used_at: now }).where("user_id", "=", userId).where("used_at", "is", null).execute();
    },
  };
}
export type PasswordRepo = ReturnType<typeof createPasswordRepo>;
