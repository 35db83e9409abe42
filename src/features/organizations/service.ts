import type { Kysely } from "kysely";
import type { DB, Organization } from "../../db/schema.js";
import { AppError } from "../../http/errors.js";
import { recordAudit, type AuditActor } from "../audit/audit.js";
import type { ClientContext } from "../sessions/service.js";
import { createOrganizationRepo } from "./repo.js";
import { diffSettings, toSettings, type OrganizationSettings, type SettingsPatch } from "./settings.js";

export interface OrganizationDeps {
  db: Kysely<DB>;
  clock: () => Date;
  /** How long a cached organization is trusted when other processes may write (see session-cache.ts); read per lookup. */
  maxAgeMs?: number | (() => number);
}

/**
 * Organization reads are served from memory. Every write in this process goes
 * through `forget` after commit, and a read that started before a write never
 * stores its result (generation check), so reads are exact, not eventually so.
 * Writes by other instances arrive as NOTIFY and call `forget` the same way.
 */
export function createOrganizationService({ db, clock, maxAgeMs = Infinity }: OrganizationDeps) {
  const cache = new Map<string, { org: Organization; at: number }>();
  /** Slug → id of organizations seen; unknown slugs are never remembered (no growth from guesses). */
  const ids = new Map<string, string>();
  const maxAge = typeof maxAgeMs === "function" ? maxAgeMs : () => maxAgeMs;
  let generation = 0;

  /** The cached row of `orgId`, while it may still be trusted. */
  function fresh(orgId: string | undefined): Organization | undefined {
    const entry = orgId === undefined ? undefined : cache.get(orgId);
    return entry && performance.now() - entry.at <= maxAge() ? entry.org : undefined;
  }

  /** Reads from the database, and caches the row only if no write was forgotten meanwhile. */
  async function readThrough(query: () => Promise<Organization | undefined>): Promise<Organization | undefined> {
    const gen = generation;
    const org = await query();
    if (org && gen === generation) {
      cache.set(org.id, { org, at: performance.now() });
      ids.set(org.slug, org.id);
    }
    return org;
  }

  async function getOrganization(orgId: string): Promise<Organization> {
    const org = fresh(orgId) ?? (await readThrough(() => createOrganizationRepo(db).findOrganizationById(orgId)));
    if (!org) throw new AppError("NOT_FOUND", "Organization not found");
    return org;
  }

  /** Sign-in's lookup: the same cache and the same invalidation as by id. */
  async function findOrganizationBySlug(slug: string): Promise<Organization | undefined> {
    const cached = fresh(ids.get(slug));
    if (cached?.slug === slug) return cached;
    return readThrough(() => createOrganizationRepo(db).findOrganizationBySlug(slug));
  }

  function forget(orgId: string) {
    generation++;
    cache.delete(orgId);
  }

  function forgetAll() {
    generation++;
    cache.clear();
    ids.clear();
  }

  return {
    getOrganization,
    findOrganizationBySlug,
    forget,
    forgetAll,

    async getSettings(orgId: string): Promise<OrganizationSettings> {
      return toSettings(await getOrganization(orgId));
    },

    /** Applies a validated partial update and audits the before/after of each changed field, atomically. */
    async updateSettings(orgId: string, patch: SettingsPatch, actor: AuditActor, ctx: ClientContext): Promise<OrganizationSettings> {
      const now = clock();
      const updated = await db.transaction().execute(async (tx) => {
        const repo = createOrganizationRepo(tx);
        const org = await repo.findOrganizationByIdForUpdate(orgId);
        if (!org) throw new AppError("NOT_FOUND", "Organization not found");
        const { update, changes } = diffSettings(org, patch);
        const next = await repo.updateOrganizationById(orgId, { ...update, updated_at: now });
        if (!next) throw new AppError("NOT_FOUND", "Organization not found");
        await recordAudit(tx, {
          type: "ORGANIZATION_SETTINGS_UPDATE",
          actor,
          org: next,
          resource: { type: "ORGANIZATION", id: next.id, name: next.name },
          ip: ctx.ip,
          details: { changes },
        });
        return next;
      });
      forget(orgId);
      return toSettings(updated);
    },
  };
}
export type OrganizationService = ReturnType<typeof createOrganizationService>;
