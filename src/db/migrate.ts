import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql, type Kysely } from "kysely";
import type { DB } from "./schema.js";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");
/** Arbitrary constant: instances starting together take this lock so migrations run exactly once. */
const MIGRATION_LOCK_KEY = 7_342_901;

export interface Migration {
  version: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ""), sql: readFileSync(join(dir, f), "utf8") }));
}

/** Applies every pending migration, each in its own transaction, under an advisory lock. Returns what ran. */
export async function migrate(db: Kysely<DB>, migrations = listMigrations()): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(conn);
      const done = await sql<{ version: string }>`SELECT version FROM schema_migrations`.execute(conn);
      const applied = new Set(done.rows.map((r) => r.version));
      const ran: string[] = [];
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        await sql.raw(`BEGIN;\n${m.sql}\n;INSERT INTO schema_migrations (version) VALUES ('${m.version}');\nCOMMIT;`)
          .execute(conn)
          .catch(async (err: unknown) => {
            await sql.raw("ROLLBACK").execute(conn).catch(() => {});
            throw new Error(`migration ${m.version} failed: ${(err as Error).message}`);
          });
        ran.push(m.version);
      }
      return ran;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

/** True when every known migration has been applied (readiness). */
export async function isSchemaCurrent(db: Kysely<DB>, migrations = listMigrations()): Promise<boolean> {
  const done = await sql<{ version: string }>`SELECT version FROM schema_migrations`.execute(db).catch(() => null);
  if (!done) return false;
  const applied = new Set(done.rows.map((r) => r.version));
  return migrations.every((m) => applied.has(m.version));
}
