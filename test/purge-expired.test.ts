import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import type { Database } from "../src/db/connection.js";
import { openTestPGlite } from "./helpers/pglite-dump.js";
import { migrate } from "../src/db/migrate.js";
import { purgeExpired, startPurge, type Purged } from "../src/db/purge-expired.js";
import { openScratchPostgres } from "./helpers/pg-database.js";
import { PG_URL } from "./helpers/harness.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const backends: Array<{ name: string; open(): Promise<Database> }> = [
  { name: "pglite", open: () => openTestPGlite() },
  ...(PG_URL ? [{ name: "postgres", open: () => openScratchPostgres(PG_URL!, "gh_purge") }] : []),
];

for (const backend of backends) {
  describe(`purging ended rows [${backend.name}]`, () => {
    let database: Database;
    const now = new Date("2026-11-23T12:00:00Z");
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

    before(async () => {
      database = await backend.open();
      const db = database.db;
      await migrate(db);
      const org = await db.insertInto("organizations").values({ name: "Acme", slug: "acme" }).returning("id").executeTakeFirstOrThrow();
      const user = await db.insertInto("users").values({ organization_id: org.id, email: "a@acme.test" }).returning("id").executeTakeFirstOrThrow();
      const session = (id: string, expires: number, revoked: number | null) =>
        db.insertInto("sessions").values({
          id, user_id: user.id, organization_id: org.id, expires_at: at(expires), revoked_at: revoked === null ? null : at(revoked), created_at: at(-3 * DAY),
        }).execute();
      await session("00000000-0000-4000-8000-00000000000a", DAY, null); // live
      await session("00000000-0000-4000-8000-00000000000b", -2 * DAY, null); // expired two days ago
      await session("00000000-0000-4000-8000-00000000000c", -HOUR, null); // expired an hour ago
      await session("00000000-0000-4000-8000-00000000000d", DAY, -2 * DAY); // revoked two days ago
      await session("00000000-0000-4000-8000-00000000000e", DAY, -HOUR); // revoked an hour ago
      await db.insertInto("refresh_tokens").values([
        { token_hash: "live", session_id: "00000000-0000-4000-8000-00000000000a" },
        { token_hash: "dead", session_id: "00000000-0000-4000-8000-00000000000b" },
      ]).execute();
      const flow = (token_hash: string, expires: number) =>
        db.insertInto("login_flows").values({ token_hash, kind: "mfa_challenge", user_id: user.id, organization_id: org.id, expires_at: at(expires) }).execute();
      await flow("flow-live", 5 * 60_000);
      await flow("flow-expired", -60_000);
      await db.insertInto("auth_failures").values([
        { key: "account:old", failures: 3, window_start: at(-2 * DAY), locked_until: null },
        { key: "account:old-lock-over", failures: 9, window_start: at(-2 * DAY), locked_until: at(-2 * DAY) },
        { key: "ip:old-still-locked", failures: 60, window_start: at(-2 * DAY), locked_until: at(HOUR) },
        { key: "account:recent", failures: 2, window_start: at(-10 * 60_000), locked_until: null },
      ]).execute();
      for (const table of ["invitations", "password_resets"] as const) {
        const link = (token_hash: string, expires: number, used: number | null) =>
          db.insertInto(table).values({ token_hash, user_id: user.id, expires_at: at(expires), used_at: used === null ? null : at(used), created_at: at(-3 * DAY) }).execute();
        await link(`${table}:live`, HOUR, null);
        await link(`${table}:expired-two-days-ago`, -2 * DAY, null);
        await link(`${table}:expired-an-hour-ago`, -HOUR, null);
        await link(`${table}:used-two-days-ago`, DAY, -2 * DAY);
        await link(`${table}:used-an-hour-ago`, DAY, -HOUR);
      }
      await sql`INSERT INTO audit_logs (event_type, actor_type, result, created_at) VALUES ('USER_LOGIN', 'USER', 'SUCCESS', ${at(-30 * DAY)})`.execute(db);
    });
    after(() => database.close());

    test("deletes what can no longer do anything, keeps the rest, and never touches the audit log", async () => {
      const db = database.db;
      assert.deepEqual(await purgeExpired(db, now), { sessions: 2, loginFlows: 1, failureCounters: 2, mailedLinks: 4 } satisfies Purged);
      const ids = (await db.selectFrom("sessions").select("id").orderBy("id").execute()).map((r) => r.id.slice(-1));
      assert.deepEqual(ids, ["a", "c", "e"]);
      assert.deepEqual((await db.selectFrom("refresh_tokens").select("token_hash").execute()).map((r) => r.token_hash), ["live"]);
      assert.deepEqual((await db.selectFrom("login_flows").select("token_hash").execute()).map((r) => r.token_hash), ["flow-live"]);
      assert.deepEqual((await db.selectFrom("auth_failures").select("key").orderBy("key").execute()).map((r) => r.key), ["account:recent", "ip:old-still-locked"]);
      for (const table of ["invitations", "password_resets"] as const) {
        const left = (await db.selectFrom(table).select("token_hash").orderBy("token_hash").execute()).map((r) => r.token_hash);
        assert.deepEqual(left, [`${table}:expired-an-hour-ago`, `${table}:live`, `${table}:used-an-hour-ago`]);
      }
      assert.equal((await db.selectFrom("audit_logs").select("id").execute()).length, 1);
      assert.deepEqual(await purgeExpired(db, now), { sessions: 0, loginFlows: 0, failureCounters: 0, mailedLinks: 0 });
    });

    test("the timer purges by its clock, and stop() waits for the pass under way", async () => {
      const results: Purged[] = [];
      const errors: unknown[] = [];
      // A day and an hour on, the sessions that ended an hour before `now` are due too.
      const purge = startPurge(database.db, { clock: () => at(DAY + HOUR), intervalMs: 10, onDone: (p) => results.push(p), onError: (e) => errors.push(e) });
      for (let i = 0; i < 200 && results.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await purge.stop();
      assert.deepEqual(errors, []);
      assert.equal(results[0]?.sessions, 2);
      assert.equal(results[0]?.mailedLinks, 4);
      const ids = (await database.db.selectFrom("sessions").select("id").execute()).map((r) => r.id.slice(-1));
      assert.deepEqual(ids, ["a"]);
      assert.deepEqual((await database.db.selectFrom("invitations").select("token_hash").execute()).map((r) => r.token_hash), ["invitations:live"]);
    });
  });
}
