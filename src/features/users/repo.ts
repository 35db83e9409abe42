import { sql } from "kysely";
import type { Queryable } from "../../db/types.js";
import type { NewUser, User, UserUpdate } from "../../db/schema.js";

export function createUserRepo(db: Queryable) {
  return {
    findUserById(orgId: string, id: string): Promise<User | undefined> {
      return db.selectFrom("users").selectAll().where("organization_id", "=", orgId).where("id", "=", id).executeTakeFirst();
    },
    /** Case-insensitive, served by the users_org_email_key index. */
    findUserByEmail(orgId: string, email: string): Promise<User | undefined> {
      return db
        .selectFrom("users")
        .selectAll()
        .where("organization_id", "=", orgId)
        .where(sql`lower(email)`, "=", email.toLowerCase())
        .executeTakeFirst();
    },
    /** Returns undefined when the email is already in the organization. */
    insertUser(values: NewUser): Promise<User | undefined> {
      return db
        .insertInto("users")
        .values(values)
        .onConflict((oc) => oc.expression(sql`organization_id, lower(email)`).doNothing())
        .returningAll()
        .executeTakeFirst();
    },
    updateUserById(orgId: string, id: string, values: UserUpdate): Promise<User | undefined> {
      return db
        .updateTable("users")
        .set(values)
        .where("organization_id", "=", orgId)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
    },
  };
}
export type UserRepo = ReturnType<typeof createUserRepo>;
