import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Database } from "../src/db/connection.js";
import { openTestPGlite } from "./helpers/pglite-dump.js";
import { migrate } from "../src/db/migrate.js";
import { createPgCounterStore, type CounterStore } from "../src/features/limits/counter-store.js";
import { createFallbackCounterStore } from "../src/features/limits/fallback-store.js";
import { defaultLimitRules } from "../src/features/limits/policy.js";
import { createRedisCounterStore } from "../src/features/limits/redis-store.js";
import { hasRedisServer, startRedis, type RedisProcess } from "./helpers/cluster.js";
import { openScratchPostgres } from "./helpers/pg-database.js";

const PG_URL = process.env.TEST_DATABASE_URL ?? null;

/**
 * One conformance suite for every failure-counter store (STYLE.md: the same
 * behaviour on every backend): PostgreSQL's rows and Redis's Lua scripts must
 * count, window, lock and clear alike, and atomically.
 */
const rule = defaultLimitRules(5, 50).account; // 5 failures / 15 min, lock 30 s doubling to 15 min
const T0 = new Date("2026-11-23T10:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const fresh = () => `account:org-${randomBytes(4).toString("hex")}/a@b.test`;

function conformance(name: string, open: () => Promise<{ store: CounterStore; close(): Promise<void> }>, skip: string | false = false) {
  describe(`failure counters in ${name}`, { skip }, () => {
    let store: CounterStore;
    let close = async () => {};
    before(async () => {
      ({ store, close } = await open());
    });
    after(() => close());

    test("counts failures within the window and starts over once it is stale", async () => {
      const key = fresh();
      assert.equal(await store.recordFailure(key, at(0), rule), 1);
      assert.equal(await store.recordFailure(key, at(1_000), rule), 2);
      assert.equal(await store.recordFailure(key, at(rule.windowSeconds * 1000 + 1), rule), 1);
    });

    test("locks at the threshold, doubling per further failure, and every lock ends by itself", async () => {
      const key = fresh();
      for (let i = 0; i < 4; i++) await store.recordFailure(key, at(i), rule);
      assert.equal((await store.lockState([key], at(10))).until, null);
      await store.recordFailure(key, at(10), rule);
      assert.deepEqual((await store.lockState([key], at(11))).until, at(10 + 30_000));
      await store.recordFailure(key, at(20), rule);
      assert.deepEqual((await store.lockState([key], at(21))).until, at(20 + 60_000));
      assert.equal((await store.lockState([key], at(20 + 60_000))).until, null, "over once the lock ends");
    });

    test("answers the latest lock among several keys, and clear forgets one", async () => {
      const [a, b] = [fresh(), fresh()];
      for (let i = 0; i < 5; i++) await store.recordFailure(a, at(0), rule);
      for (let i = 0; i < 6; i++) await store.recordFailure(b, at(0), rule);
      assert.deepEqual((await store.lockState([a, b, fresh()], at(1))).until, at(60_000));
      await store.clear(b);
      assert.deepEqual((await store.lockState([a, b], at(1))).until, at(30_000));
      assert.deepEqual([...(await store.lockState([a, b, fresh()], at(1))).counted], [a], "only keys with a counter are reported");
      assert.equal(await store.recordFailure(b, at(2), rule), 1);
    });

    test("twenty parallel failures are each counted once", async () => {
      const key = fresh();
      const counts = await Promise.all(Array.from({ length: 20 }, () => store.recordFailure(key, at(0), rule)));
      assert.deepEqual(counts.sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
    });
  });
}

conformance("PostgreSQL (PGlite)", async () => {
  const database: Database = await openTestPGlite();
  await migrate(database.db);
  return { store: createPgCounterStore(database.db), close: () => database.close() };
});

conformance(
  "PostgreSQL",
  async () => {
    const database = await openScratchPostgres(PG_URL!, "gh_scale", { max: 4 });
    await migrate(database.db);
    return { store: createPgCounterStore(database.db), close: () => database.close() };
  },
  PG_URL ? false : "skipped: no PostgreSQL (set TEST_DATABASE_URL)",
);

let redisProcess: RedisProcess | null = null;
conformance(
  "Redis",
  async () => {
    redisProcess = await startRedis();
    const client = new Redis(redisProcess.url);
    return {
      store: createRedisCounterStore(client),
      async close() {
        client.disconnect();
        await redisProcess?.kill();
      },
    };
  },
  hasRedisServer() ? false : "skipped: redis-server is not installed (apt-get install redis-server)",
);

describe("the Redis-to-PostgreSQL fallback", () => {
  /** A store that fails while `down` is set, counting in memory otherwise. */
  function flaky() {
    const counts = new Map<string, number>();
    const locks = new Map<string, number>();
    const state = { down: false, connected: true, calls: 0 };
    const store = {
      available: () => state.connected,
      async lockState(keys: string[], now: Date) {
        state.calls++;
        if (state.down) throw new Error("ECONNREFUSED");
        const latest = Math.max(0, ...keys.map((k) => locks.get(k) ?? 0));
        return { until: latest > now.getTime() ? new Date(latest) : null, counted: new Set(keys.filter((k) => counts.has(k))) };
      },
      async recordFailure(key: string, now: Date) {
        state.calls++;
        if (state.down) throw new Error("ECONNREFUSED");
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        if (n >= 5) locks.set(key, now.getTime() + 30_000);
        return n;
      },
      async clear(key: string) {
        state.calls++;
        if (state.down) throw new Error("ECONNREFUSED");
        counts.delete(key);
      },
    };
    return { store, state, counts };
  }

  let database: Database;
  before(async () => {
    database = await openTestPGlite();
    await migrate(database.db);
  });
  after(() => database.close());

  async function setup() {
    const pgStore = createPgCounterStore(database.db);
    const redis = flaky();
    const warnings: string[] = [];
    const store = createFallbackCounterStore({ primary: redis.store, fallback: pgStore, log: { warn: (_o, msg) => warnings.push(msg) }, retryMs: 0 });
    return { pgStore, redis, warnings, store };
  }

  test("an outage moves counting to PostgreSQL with one warn line, and the limit still locks", async () => {
    const { pgStore, redis, warnings, store } = await setup();
    const key = fresh();
    redis.state.down = true;
    for (let i = 0; i < 5; i++) await store.recordFailure(key, at(i), rule);
    assert.deepEqual((await store.lockState([key], at(10))).until, at(4 + 30_000));
    assert.deepEqual((await pgStore.lockState([key], at(10))).until, at(4 + 30_000), "the lock is PostgreSQL's");
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /Redis is unreachable/);
  });

  test("after the outage, locks taken in PostgreSQL still hold, and recovery is logged once", async () => {
    const { redis, warnings, store } = await setup();
    const key = fresh();
    redis.state.down = true;
    for (let i = 0; i < 5; i++) await store.recordFailure(key, at(i), rule);
    redis.state.down = false;
    assert.deepEqual((await store.lockState([key], at(10))).until, at(4 + 30_000), "Redis knows nothing, PostgreSQL's lock stands");
    await store.recordFailure(key, at(20), rule);
    assert.equal(redis.counts.get(key), 1, "counting is back in Redis");
    assert.deepEqual(warnings.length, 2);
    assert.match(warnings[1]!, /reachable again/);
  });

  test("a disconnected client is not even tried", async () => {
    const { redis, store } = await setup();
    redis.state.connected = false;
    await store.recordFailure(fresh(), at(0), rule);
    assert.equal(redis.state.calls, 0);
  });
});
