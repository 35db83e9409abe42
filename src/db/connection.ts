import { PGlite } from "@electric-sql/pglite";
import { CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { lockDataDir } from "./data-dir-lock.js";
import { initDataDirApart, isInitialized } from "./pglite-init.js";
import { PGliteDialect } from "./pglite-driver.js";
import { StatementNames } from "./prepared-statements.js";
import type { DB } from "./schema.js";
import { ensureDir } from "../ensure-dir.js";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** PostgreSQL's connection string: the cache-invalidation listener opens its own connection with it. */
  url?: string;
  close(): Promise<void>;
}

/** bigint (int8) columns come back as JS numbers on both backends; ours never exceed 2^53. */
const INT8_OID = 20;

/**
 * A pg client that runs every parameterized query as a named prepared statement
 * (prepared-statements.ts); pg prepares each name once per connection.
 */
function preparingClient(names: StatementNames): typeof pg.Client {
  return class PreparingClient extends pg.Client {
    // pg's overloads; Kysely calls query(text, values) and uses the promise.
    override query(...args: unknown[]): never {
      const [text, values] = args;
      const named = args.length === 2 && typeof text === "string" && Array.isArray(values) && values.length > 0 && names.nameOf(text) !== undefined;
      if (!named) return (super.query as (...a: unknown[]) => never)(...args);
      return names.retryingStalePlan(() => super.query({ name: names.nameOf(text), text, values })) as never;
    }
  };
}

export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * `preparedStatements: false` for a pooler that cannot keep them: PgBouncer in
 * transaction mode before 1.21, or with max_prepared_statements = 0.
 */
export async function openPostgres(url: string, max = 10, { preparedStatements = true } = {}): Promise<Database> {
  const pool = new pg.Pool({
    ...(preparedStatements ? { Client: preparingClient(new StatementNames()) } : {}),
    connectionString: url,
    max,
    // A server that accepts the TCP connection and never answers (a hung host, a black-holed
    // route) must fail the start-up or the request in seconds, not hang it for good.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Established connections whose peer vanished are found by TCP keepalive, not a next write.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: "postgres", url, close: () => db.destroy() };
}

/**
 * openPostgres, then one round trip, so that a server that cannot be reached fails the
 * start (or a CLI command) with a line that names DATABASE_URL and where it points,
 * never its password, instead of a bare "connect ECONNREFUSED" from the first migration.
 */
export async function openReachablePostgres(url: string, max?: number, options?: { preparedStatements?: boolean }): Promise<Database> {
  const database = await openPostgres(url, max, options);
  try {
    await database.db.executeQuery(CompiledQuery.raw("SELECT 1"));
    return database;
  } catch (err) {
    await database.close().catch(() => {});
    throw new Error(`cannot reach PostgreSQL at ${describeTarget(url)} (DATABASE_URL): ${err instanceof Error ? err.message : String(err)}`);
  }
}

function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "the configured address";
  }
}

/**
 * Embedded PostgreSQL in WASM. `dataDir` null keeps it in memory (tests).
 * Small shared_buffers/work_mem keep the resident size near 200 MiB (see DESIGN.md).
 * `fromDump`, a `dumpDataDir()` of a new cluster, stands in for initdb when there is no
 * cluster yet: the test suites' shortcut (test/helpers/pglite-dump.ts), 0.6–0.8 s instead of 2.5–4.
 */
export async function openPGlite(dataDir: string | null, { fromDump }: { fromDump?: Blob } = {}): Promise<Database> {
  if (dataDir) ensureDir(dataDir);
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  try {
    const loadDataDir = fromDump && !(dataDir && isInitialized(dataDir)) ? fromDump : undefined;
    if (dataDir && !loadDataDir) await initDataDirApart(dataDir);
    const pglite = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(loadDataDir ? { loadDataDir } : {}),
      initialMemory: 128 * 1024 * 1024,
      postgresqlconf: ["shared_buffers=16MB", "work_mem=1MB"],
      parsers: { [INT8_OID]: (v: string) => Number(v) },
    });
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: "pglite",
      async close() {
        await db.destroy();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
