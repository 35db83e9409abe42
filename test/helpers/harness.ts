import { after, before, describe } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { loadConfig, type Config } from "../../src/config.js";
import { openPostgres, type Database } from "../../src/db/connection.js";
import { startRuntime, type Runtime } from "../../src/runtime.js";
import { createPgDatabase } from "./pg-database.js";
import { openTestPGlite } from "./pglite-dump.js";

export const PG_URL = process.env.TEST_DATABASE_URL ?? null;

/** A clock tests move by hand: nothing in the suite sleeps. */
export interface TestClock {
  now: () => Date;
  advance(ms: number): void;
  set(date: Date): void;
}
export function createTestClock(start = Date.now()): TestClock {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => void (t += ms), set: (d) => void (t = d.getTime()) };
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly clock: TestClock;
  readonly config: Config;
  readonly kind: "pglite" | "postgres";
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
  /** Restarts the app on the same data (persistence tests). */
  restart(): Promise<void>;
  /** Runs `fn` while the server is stopped (embedded data is then free for another process). */
  whileStopped<T>(fn: () => Promise<T>): Promise<T>;
  /** The environment that points another process (the CLI) at this suite's data. */
  childEnv(): Record<string, string>;
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: dataDir,
    PUBLIC_URL: "http://gatehouse.test",
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "silent",
    // Suites share one client IP; the IP limit has its own suite (test/security/login-limits).
    LIMIT_IP_FAILURES: "100000",
    // Suites register many organizations from that one IP; the limit is tested on its own.
    LIMIT_REGISTRATIONS: "100000",
    ...env,
  });
}

export interface SuiteOptions {
  env?: Record<string, string>;
  /** Keep PGlite on disk so `restart()` reopens the same data. */
  persistent?: boolean;
}

/**
 * Runs `body` once per storage backend: PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set (otherwise the suite is reported as skipped, by name).
 */
export function describeEachDatabase(title: string, body: (h: Harness) => void, options: SuiteOptions = {}): void {
  for (const kind of ["pglite", "postgres"] as const) {
    const skip = kind === "postgres" && !PG_URL ? "skipped: no PostgreSQL (set TEST_DATABASE_URL)" : false;
    describe(`${title} [${kind}]`, { skip }, () => {
      const clock = createTestClock();
      let runtime: Runtime | undefined;
      let dataDir = "";
      let pgDb: { url: string; drop: () => Promise<void> } | null = null;
      let config: Config;

      const open = async (): Promise<Database> =>
        kind === "postgres" ? openPostgres(pgDb!.url) : openTestPGlite(options.persistent ? join(dataDir, "pgdata") : null);

      before(async () => {
        dataDir = mkdtempSync(join(tmpdir(), "gatehouse-test-"));
        if (kind === "postgres") pgDb = await createPgDatabase(PG_URL!, "gh_test");
        config = testConfig(dataDir, options.env);
        runtime = await startRuntime(config, { database: await open(), clock: clock.now });
      });
      after(async () => {
        await runtime?.close();
        await pgDb?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      });

      const harness: Harness = {
        get app() {
          return runtime!.app;
        },
        get runtime() {
          return runtime!;
        },
        get config() {
          return config;
        },
        clock,
        kind,
        inject: (opts) => runtime!.app.inject(opts),
        async restart() {
          await runtime!.close();
          runtime = await startRuntime(config, { database: await open(), clock: clock.now });
        },
        async whileStopped(fn) {
          await runtime!.close();
          try {
            return await fn();
          } finally {
            runtime = await startRuntime(config, { database: await open(), clock: clock.now });
          }
        },
        childEnv() {
          return {
            PATH: process.env.PATH ?? "",
            DATA_DIR: dataDir,
            GATEHOUSE_SECRET_KEY: config.secretKeys!.map((k) => k.toString("base64")).join(","),
            PUBLIC_URL: config.publicUrl,
            LOG_LEVEL: "silent",
            ...(kind === "postgres" ? { DATABASE_URL: pgDb!.url } : {}),
          };
        },
      };
      body(harness);
    });
  }
}
