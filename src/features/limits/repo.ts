import type { LockState } from "./counter-store.js";
import { sql } from "kysely";
import type { Queryable } from "../../db/types.js";

export function createLimitRepo(db: Queryable) {
  return {
    /** The latest lock end among `keys`, if any is locked at `now`. */
    async findLockState(keys: string[], now: Date): Promise<LockState> {
      const rows = await db.selectFrom("auth_failures").select(["key", "locked_until"]).where("key", "in", keys).execute();
      let until: Date | null = null;
      for (const { locked_until: lu } of rows) if (lu && lu > now && (!until || lu > until)) until = lu;
      return { until, counted: new Set(rows.map((r) => r.key)) };
    },
    /** Counts one failure in one atomic upsert; a stale window starts over. Returns the count. */
    async incrementFailures(key: string, now: Date, windowSeconds: number): Promise<number> {
      const windowStart = new Date(now.getTime() - windowSeconds * 1000);
      const row = await db
        .insertInto("auth_failures")
        .values({ key, failures: 1, window_start: now, locked_until: null })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures: sql`CASE WHEN auth_failures.window_start <= ${windowStart} THEN 1 ELSE auth_failures.failures + 1 END`,
            window_start: sql`CASE WHEN auth_failures.window_start <= ${windowStart} THEN ${now} ELSE auth_failures.window_start END`,
          }),
        )
        .returning("failures")
        .executeTakeFirstOrThrow();
      return row.failures;
    },
    /** Extends (never shortens) a lock. */
    async lockUntil(key: string, until: Date): Promise<void> {
      await db
        .updateTable("auth_failures")
        .set({ locked_until: until })
        .where("key", "=", key)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", until)]))
        .execute();
    },
    async clearFailures(key: string): Promise<void> {
      await db.deleteFrom("auth_failures").where("key", "=", key).execute();
    },
  };
}
