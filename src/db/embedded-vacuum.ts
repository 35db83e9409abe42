import { sql, type Kysely } from "kysely";
import { runEvery } from "./periodic.js";
import type { DB } from "./schema.js";

/**
 * PGlite runs PostgreSQL as a single backend with no autovacuum. Every sign-in
 * updates its user's row and every refresh a token's, so without this the dead row
 * versions pile up: over 14,000 sign-ins on 10,000 users, the server's CPU per
 * sign-in (hash aside) rose from 2.2 to 4.8 ms, where with this it settles at 1.4
 * (bench/README.md, "Login"). This runs what autovacuum would, with its default
 * thresholds. Passes are short and often: a vacuum holds the only backend, so small
 * ones keep the pause small; a pass with nothing to do is one statistics query.
 */
export const VACUUM_INTERVAL_MS = 10_000;

export interface TableActivity {
  table: string;
  /** Rows as of the last VACUUM or ANALYZE (pg_class.reltuples). */
  live: number;
  dead: number;
  modifiedSinceAnalyze: number;
}

/** autovacuum's defaults: vacuum past 50 + 20% dead rows, analyze past 50 + 10% changed. */
export function maintenanceFor(t: TableActivity): "vacuum" | "analyze" | null {
  if (t.dead > 50 + 0.2 * t.live) return "vacuum";
  if (t.modifiedSinceAnalyze > 50 + 0.1 * t.live) return "analyze";
  return null;
}

/** One pass: vacuums (and analyzes) the tables that need it; answers what it did. */
export async function maintainEmbedded(db: Kysely<DB>): Promise<Array<{ table: string; action: "vacuum" | "analyze" }>> {
  // Sized by pg_class.reltuples, as autovacuum does: the activity counters start from zero
  // whenever statistics were not saved (a killed process), which would make a large table
  // look empty and get vacuumed whole, holding the only backend, at the first few updates.
  const { rows } = await sql<{ table: string; live: number; dead: number; modified: number }>`
    SELECT s.relname AS "table", greatest(c.reltuples, 0)::float8 AS live, s.n_dead_tup AS dead, s.n_mod_since_analyze AS modified
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = 'public'`.execute(db);
  const done: Array<{ table: string; action: "vacuum" | "analyze" }> = [];
  for (const r of rows) {
    const action = maintenanceFor({ table: r.table, live: Number(r.live), dead: Number(r.dead), modifiedSinceAnalyze: Number(r.modified) });
    if (!action) continue;
    await sql`${sql.raw(action === "vacuum" ? "VACUUM (ANALYZE)" : "ANALYZE")} ${sql.table(r.table)}`.execute(db);
    done.push({ table: r.table, action });
  }
  return done;
}

/** Runs a pass every `intervalMs` until stopped; stop() waits for a pass under way. */
export function startEmbeddedVacuum(
  db: Kysely<DB>,
  { intervalMs = VACUUM_INTERVAL_MS, onError }: { intervalMs?: number; onError: (err: unknown) => void },
): { stop(): Promise<void> } {
  return runEvery(intervalMs, () => maintainEmbedded(db).then(() => {}, onError));
}
