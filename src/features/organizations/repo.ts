import type { Queryable } from "../../db/types.js";
import type { NewOrganization, Organization, OrganizationUpdate } from "../../db/schema.js";

export function createOrganizationRepo(db: Queryable) {
  return {
    findOrganizationById(id: string): Promise<Organization | undefined> {
      return db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirst();
    },
    findOrganizationBySlug(slug: string): Promise<Organization | undefined> {
      return db.selectFrom("organizations").selectAll().where("slug", "=", slug).executeTakeFirst();
    },
    /** Row lock: settings updates of one organization are serialized so before/after audit values are exact. */
    findOrganizationByIdForUpdate(id: string): Promise<Organization | undefined> {
      return db.selectFrom("organizations").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
    },
    /** Returns undefined when the slug is taken (no exception, no aborted transaction). */
    insertOrganization(values: NewOrganization): Promise<Organization | undefined> {
      return db
        .insertInto("organizations")
        .values(values)
        .onConflict((oc) => oc.column("slug").doNothing())
        .returningAll()
        .executeTakeFirst();
    },
    /** Every organization with its member count, by slug (the host CLI's `org list`). */
    listOrganizationsWithMemberCounts(): Promise<(Organization & { member_count: number })[]> {
      return db
        .selectFrom("organizations as o")
        .selectAll("o")
        .select((eb) => eb.selectFrom("users as u").whereRef("u.organization_id", "=", "o.id").select(eb.fn.countAll<number>().as("n")).as("member_count"))
        .orderBy("o.slug")
        .execute() as Promise<(Organization & { member_count: number })[]>;
    },
    updateOrganizationById(id: string, values: OrganizationUpdate): Promise<Organization | undefined> {
      return db.updateTable("organizations").set(values).where("id", "=", id).returningAll().executeTakeFirst();
    },
  };
}
export type OrganizationRepo = ReturnType<typeof createOrganizationRepo>;
