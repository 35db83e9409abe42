import { sql } from "kysely";
import type { Queryable } from "../../db/types.js";
import type { NewUser, User, UserUpdate } from "../../db/schema.js";
import type { MemberCursor } from "./cursor.js";

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
    /**
     * One keyset page of members in (created_at, id) order, or all of them when
     * `limit` is null. `cursor_ts` is created_at as text at microsecond precision,
     * the key of the next page (see cursor.ts).
     */
    listMembers(orgId: string, filter: MemberFilter, page: { after: MemberCursor | null; limit: number | null }): Promise<MemberRow[]> {
      let q = db
        .selectFrom("users")
        .select(MEMBER_COLUMNS)
        .select(sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as("cursor_ts"))
        .where("organization_id", "=", orgId);
      if (filter.mfaEnabled !== undefined) q = q.where("mfa_enabled", "=", filter.mfaEnabled);
      if (filter.isOrgAdmin !== undefined) q = q.where("is_org_admin", "=", filter.isOrgAdmin);
      if (filter.isActive !== undefined) q = q.where("is_active", "=", filter.isActive);
      if (filter.q !== undefined) {
        const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where((eb) => eb.or([eb("email", "ilike", pattern), eb("name", "ilike", pattern)]));
      }
      if (page.after) q = q.where(sql<boolean>`(created_at, id) > (${page.after.createdAt}::timestamptz, ${page.after.id}::uuid)`);
      q = q.orderBy("created_at").orderBy("id");
      if (page.limit !== null) q = q.limit(page.limit);
      return q.execute();
    },
    /** Admins who can sign in, other than `exceptUserId`; run under the organization row lock (last-admin rule). */
    async countActiveAdmins(orgId: string, exceptUserId: string): Promise<number> {
      const row = await db
        .selectFrom("users")
        .select(sql<number>`count(*)::int`.as("n"))
        .where("organization_id", "=", orgId)
        .where("is_org_admin", "=", true)
        .where("is_active", "=", true)
        .where("password_hash", "is not", null)
        .where("id", "<>", exceptUserId)
        .executeTakeFirstOrThrow();
      return row.n;
    },
    /** An invited user's first password; only while they have none and are active (never overwrites one). */
    setInitialPassword(orgId: string, id: string, values: { password_hash: string; name?: string; now: Date }): Promise<User | undefined> {
      return db
        .updateTable("users")
        .set({
          password_hash: values.password_hash,
          password_changed_at: values.now,
          must_change_password: false,
          ...(values.name !== undefined ? { name: values.name } : {}),
          updated_at: values.now,
        })
        .where("organization_id", "=", orgId)
        .where("id", "=", id)
        .where("password_hash", "is", null)
        .where("is_active", "=", true)
        .returningAll()
        .executeTakeFirst();
    },
    async deleteUserById(orgId: string, id: string): Promise<boolean> {
      const row = await db.deleteFrom("users").where("organization_id", "=", orgId).where("id", "=", id).returning("id").executeTakeFirst();
      return row !== undefined;
    },
  };
}
export type UserRepo = ReturnType<typeof createUserRepo>;

/** What a member listing may show: never the password hash. */
const MEMBER_COLUMNS = [
  "id", "email", "name", "is_org_admin", "is_active", "mfa_enabled", "last_login_at", "created_at", "updated_at",
] as const satisfies readonly (keyof User)[];
export type Member = Pick<User, (typeof MEMBER_COLUMNS)[number]>;
export type MemberRow = Member & { cursor_ts: string };

export interface MemberFilter {
  mfaEnabled?: boolean;
  isOrgAdmin?: boolean;
  isActive?: boolean;
  /** Case-insensitive substring of email or name; LIKE wildcards in it match literally. */
  q?: string;
}
