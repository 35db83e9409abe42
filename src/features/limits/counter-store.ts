import type { Redis } from "ioredis";
import type { Queryable } from "../../db/types.js";
import { createFallbackCounterStore, type FallbackLog } from "./fallback-store.js";
import { lockSecondsAfter, type LimitRule } from "./policy.js";
import { createRedisCounterStore } from "./redis-store.js";
import { createLimitRepo } from "./repo.js";

/**
 * Where failure counters live: PostgreSQL (default, shared by every instance on
 * one database), Redis when `REDIS_URL` is set (redis-store.ts), and the
 * fallback wrapper between them (fallback-store.ts). Every implementation has
 * the semantics of policy.ts: a count per key within a window that starts over
 * once stale, locks that only ever grow and end by themselves, every update atomic.
 */
export interface LockState {
  /** The latest lock end among the keys, if any is locked at the time asked. */
  until: Date | null;
  /** The keys that have a counter at all (a success need not clear the others: one round trip saved). */
  counted: Set<string>;
}

export interface CounterStore {
  lockState(keys: string[], now: Date): Promise<LockState>;
  /** Counts one failure for `key` and locks it as `rule` says; answers the count within the window. */
  recordFailure(key: string, now: Date, rule: LimitRule): Promise<number>;
  clear(key: string): Promise<void>;
}

/** Counters as rows of `auth_failures`, one atomic upsert per failure. */
export function createPgCounterStore(db: Queryable): CounterStore {
  const repo = createLimitRepo(db);
  return {
    lockState: (keys, now) => repo.findLockState(keys, now),
    async recordFailure(key, now, rule) {
      const failures = await repo.incrementFailures(key, now, rule.windowSeconds);
      const seconds = lockSecondsAfter(failures, rule);
      if (seconds > 0) await repo.lockUntil(key, new Date(now.getTime() + seconds * 1000));
      return failures;
    },
    clear: (key) => repo.clearFailures(key),
  };
}

/** The store a deployment uses: PostgreSQL, or Redis backed by PostgreSQL when REDIS_URL is set. */
export function createLimitCounterStore({ db, redis, log }: { db: Queryable; redis: Redis | null; log: FallbackLog }): CounterStore {
  const pg = createPgCounterStore(db);
  return redis ? createFallbackCounterStore({ primary: createRedisCounterStore(redis), fallback: pg, log }) : pg;
}
