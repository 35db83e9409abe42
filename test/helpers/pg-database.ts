import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgres, type Database } from "../../src/db/connection.js";

/**
 * A fresh, empty PostgreSQL database on the server at `adminUrl` (the tests' suites, the
 * multi-instance tests and the bench each take their own), dropped by `drop`, even with
 * connections still open.
 */
export async function createPgDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh database opened through the application's PostgreSQL driver; close() also drops it. */
export async function openScratchPostgres(adminUrl: string, prefix: string, options: { max?: number; preparedStatements?: boolean } = {}): Promise<Database> {
  const created = await createPgDatabase(adminUrl, prefix);
  const database = await openPostgres(created.url, options.max ?? 2, { preparedStatements: options.preparedStatements });
  return {
    ...database,
    async close() {
      await database.close();
      await created.drop();
    },
  };
}
