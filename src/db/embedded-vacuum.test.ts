import { test } from "node:test";
import assert from "node:assert/strict";
import { sql, type Kysely } from "kysely";
import { openPGlite } from "./connection.js";
import type { DB } from "./schema.js";
import { maintainEmbedded, maintenanceFor, startEmbeddedVacuum } from "./embedded-vacuum.js";

/** Runs `fn` on a fresh in-memory PGlite. */
async function withPGlite(fn: (db: Kysely<DB>) => Promise<void>): Promise<void> {
  const { db, close } = await openPGlite(null);
  try {
    await fn(db);
  } finally {
    await close();
  }
}

/** Statistics reach the shared view at most once a second unless a flush is forced (done when the backend next idles). */
async function flushStats(db: Kysely<DB>): Promise<void> {
  await sql`SELECT pg_stat_force_next_flush()`.execute(db);
  await sql`SELECT 1`.execute(db);
}

test("autovacuum's thresholds: 50 + 20% dead rows to vacuum, 50 + 10% changed rows to analyze", () => {
  const t = (live: number, dead: number, modifiedSinceAnalyze: number) => maintenanceFor({ table: "t", live, dead, modifiedSinceAnalyze });
  assert.equal(t(1000, 250, 0), null);
  assert.equal(t(1000, 251, 0), "vacuum");
  assert.equal(t(0, 51, 0), "vacuum");
  assert.equal(t(1000, 0, 150), null);
  assert.equal(t(1000, 0, 151), "analyze");
  assert.equal(t(1000, 300, 500), "vacuum");
});

test("a pass vacuums the table that updates left dead rows in, and only that one", () =>
  withPGlite(async (db) => {
    await sql`CREATE TABLE churn (id int PRIMARY KEY, n int)`.execute(db);
    await sql`CREATE TABLE quiet (id int PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO churn SELECT g, 0 FROM generate_series(1, 1000) g`.execute(db);
    await sql`INSERT INTO quiet SELECT g FROM generate_series(1, 10) g`.execute(db);
    await sql`ANALYZE`.execute(db);
    for (let i = 0; i < 3; i++) await sql`UPDATE churn SET n = n + 1`.execute(db);
    const dead = async () => {
      await flushStats(db);
      return Number((await sql<{ d: number }>`SELECT n_dead_tup AS d FROM pg_stat_user_tables WHERE relname = 'churn'`.execute(db)).rows[0]!.d);
    };
    assert.ok((await dead()) >= 1000);

    assert.deepEqual(await maintainEmbedded(db), [{ table: "churn", action: "vacuum" }]);
    assert.equal(await dead(), 0);
    assert.deepEqual(await maintainEmbedded(db), []);
    assert.equal(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM churn WHERE n = 3`.execute(db)).rows[0]!.n), 1000);
  }));

test("a large table whose counters were lost is not vacuumed whole at its first few updates", () =>
  withPGlite(async (db) => {
    await sql`CREATE TABLE big (id int PRIMARY KEY, n int)`.execute(db);
    await sql`INSERT INTO big SELECT g, 0 FROM generate_series(1, 1000) g`.execute(db);
    await sql`ANALYZE big`.execute(db);
    await flushStats(db);
    // As after a killed process: the activity counters restart from zero, pg_class keeps the size.
    await sql`SELECT pg_stat_reset_single_table_counters('big'::regclass)`.execute(db);
    await sql`UPDATE big SET n = 1 WHERE id <= 100`.execute(db);
    await flushStats(db);
    const stats = (await sql<{ live: number; dead: number }>`SELECT n_live_tup AS live, n_dead_tup AS dead FROM pg_stat_user_tables WHERE relname = 'big'`.execute(db)).rows[0]!;
    assert.ok(Number(stats.dead) >= 100 && Number(stats.live) < 250, JSON.stringify(stats)); // would pass 50 + 20% of the counters' idea of the table
    assert.deepEqual(await maintainEmbedded(db), []);
  }));

test("the timer runs passes, and stop() waits for the one under way", () =>
  withPGlite(async (db) => {
    await sql`CREATE TABLE churn (id int PRIMARY KEY, n int)`.execute(db);
    await sql`INSERT INTO churn SELECT g, 0 FROM generate_series(1, 500) g`.execute(db);
    await sql`UPDATE churn SET n = 1`.execute(db);
    await flushStats(db);
    const errors: unknown[] = [];
    const vacuum = startEmbeddedVacuum(db, { intervalMs: 20, onError: (e) => errors.push(e) });
    let vacuumed = false;
    for (let i = 0; i < 100 && !vacuumed; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const row = (await sql<{ v: Date | null }>`SELECT last_vacuum AS v FROM pg_stat_user_tables WHERE relname = 'churn'`.execute(db)).rows[0];
      vacuumed = row?.v != null;
    }
    await vacuum.stop();
    assert.equal(vacuumed, true);
    assert.deepEqual(errors, []);
  }));
