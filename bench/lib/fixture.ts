import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { openPGlite, openPostgres, type Database } from "../../src/db/connection.js";
import { migrate } from "../../src/db/migrate.js";
import { benchHasher } from "./hasher.js";
import { createSecretBox } from "../../src/crypto/secretbox.js";
import { generateTotpSecret } from "../../src/crypto/totp.js";
import { createPgDatabase } from "../../test/helpers/pg-database.js";
import { freePort, ROOT, startChild, type Child } from "./proc.js";

export const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres";
export const BENCH_PASSWORD = "Bench-Pass-2026!";

export type Backend = "pglite" | "postgres";

/**
 * How `npm start` runs the server: the leading VAR=value words of package.json's start
 * script (glibc malloc tuning) and node's own flags before the script (V8 heap sizing),
 * so the bench measures Gatehouse as it is run.
 */
export const START_SCRIPT: { env: Record<string, string>; nodeArgs: string[] } = (() => {
  const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const words = script.split(/\s+/);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length; i++) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(words[i]!);
    if (!m) break;
    env[m[1]!] = m[2]!;
  }
  // `exec node …`: npm's shell hands its process to node, so SIGTERM reaches the server.
  if (words[i] === "exec") i++;
  if (words[i] !== "node") throw new Error(`the start script does not run node: ${script}`);
  const nodeArgs: string[] = [];
  for (i++; i < words.length && words[i]!.startsWith("--"); i++) nodeArgs.push(words[i]!);
  return { env, nodeArgs };
})();

/** A fresh PostgreSQL database for one run, dropped afterwards. */
export const createBenchDatabase = (prefix = "gh_bench") => createPgDatabase(PG_ADMIN_URL, prefix);

export interface Shape {
  /** Organizations `bench-1` … `bench-N`, each with `usersPerOrg` users `user<i>@bench.test`; user1 is the admin. */
  orgs: number;
  usersPerOrg: number;
  /** Users of organization `bench-mfa` with TOTP enrolled (all share one secret; each has its own replay step). */
  mfaUsers: number;
}

export interface Target {
  backend: Backend;
  dataDir: string;
  databaseUrl: string | null;
  secretKey: string;
  totpSecret: string;
  shape: Shape;
  env(): Record<string, string>;
  /**
   * Starts `gatehouse serve` on this data as a child process, as `npm start` runs it
   * (START_SCRIPT) unless `plain`, with extra environment. `port` restarts a server where
   * it was: its URL is its tokens' issuer, so tokens from before stay valid.
   */
  start(extraEnv?: Record<string, string>, opts?: { plain?: boolean; port?: number }): Promise<Child>;
  dispose(): Promise<void>;
}

/**
 * Bulk-seeds a fresh database with generate_series (one precomputed argon2id hash
 * reused, so seeding a million users takes seconds, not hours), before the server
 * starts: on PGlite the server then owns the data directory alone.
 */
export async function createTarget(backend: Backend, shape: Shape): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
  const pgDb = backend === "postgres" ? await createBenchDatabase() : null;
  const secretKey = randomBytes(32).toString("base64");
  const totpSecret = generateTotpSecret();
  const database: Database = pgDb ? await openPostgres(pgDb.url, 2) : await openPGlite(join(dataDir, "pgdata"));
  try {
    await migrate(database.db);
    await seed(database, shape, secretKey, totpSecret);
  } finally {
    await database.close();
  }
  const env = (): Record<string, string> => ({
    DATA_DIR: dataDir,
    GATEHOUSE_SECRET_KEY: secretKey,
    LOG_LEVEL: "warn",
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    // Experiments: extra environment for the server, e.g. BENCH_SERVER_ENV='{"MALLOC_ARENA_MAX":"2"}'.
    ...(process.env.BENCH_SERVER_ENV ? (JSON.parse(process.env.BENCH_SERVER_ENV) as Record<string, string>) : {}),
  });
  return {
    backend,
    dataDir,
    databaseUrl: pgDb?.url ?? null,
    secretKey,
    totpSecret,
    shape,
    env,
    async start(extraEnv = {}, opts = {}) {
      // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
      const extraArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
      const start = opts.plain ? { env: {}, nodeArgs: [] } : START_SCRIPT;
      return startChild([...start.nodeArgs, ...extraArgs, "bin/gatehouse.js", "serve"], { ...start.env, ...env(), ...extraEnv }, { port: opts.port ?? (await freePort()), timeoutMs: 120_000 });
    },
    async dispose() {
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function seed(database: Database, shape: Shape, secretKey: string, totpSecret: string): Promise<void> {
  const db = database.db;
  // Under the server's pepper, as its own sign-ups would be: a hash it would re-hash at the first sign-in would cost a second verify.
  const hash = await benchHasher(secretKey).hash(BENCH_PASSWORD);
  // Batches keep PGlite's single WASM backend within its memory.
  const orgBatch = 1000;
  for (let from = 1; from <= shape.orgs; from += orgBatch) {
    const to = Math.min(shape.orgs, from + orgBatch - 1);
    await sql`INSERT INTO organizations (name, slug) SELECT 'Bench ' || g, 'bench-' || g FROM generate_series(${from}::int, ${to}::int) g`.execute(db);
    await sql`
      INSERT INTO users (organization_id, email, password_hash, password_changed_at, is_org_admin)
      SELECT o.id, 'user' || u || '@bench.test', ${hash}, now(), u = 1
      FROM organizations o CROSS JOIN generate_series(1, ${shape.usersPerOrg}::int) u
      WHERE o.slug IN (SELECT 'bench-' || g FROM generate_series(${from}::int, ${to}::int) g)`.execute(db);
  }
  if (shape.mfaUsers > 0) {
    const sealed = createSecretBox([Buffer.from(secretKey, "base64")]).seal(totpSecret);
    await sql`INSERT INTO organizations (name, slug) VALUES ('Bench MFA', 'bench-mfa')`.execute(db);
    await sql`
      INSERT INTO users (organization_id, email, password_hash, password_changed_at, mfa_enabled)
      SELECT o.id, 'mfa' || u || '@bench.test', ${hash}, now(), true
      FROM organizations o CROSS JOIN generate_series(1, ${shape.mfaUsers}::int) u WHERE o.slug = 'bench-mfa'`.execute(db);
    await sql`
      INSERT INTO mfa_totp (user_id, secret_enc, confirmed_at)
      SELECT u.id, ${sealed}, now() FROM users u JOIN organizations o ON o.id = u.organization_id WHERE o.slug = 'bench-mfa'`.execute(db);
  }
  await sql`ANALYZE`.execute(db);
}

/** Signs in over HTTP and answers the access token. */
export async function accessToken(url: string, slug: string, email: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ organizationSlug: slug, email, password: BENCH_PASSWORD }),
  });
  const body = (await res.json()) as { accessToken?: string };
  if (!res.ok || !body.accessToken) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  return body.accessToken;
}
