import type { Redis } from "ioredis";
import { lockSecondsAfter } from "./policy.js";
import type { CounterStore } from "./counter-store.js";

/**
 * The PostgreSQL upsert of repo.ts, as one Lua script (atomic in Redis): a window
 * older than `window` starts over at 1, otherwise the count goes up. The hash
 * expires once neither its window nor its lock can matter, which reads the same
 * as PostgreSQL's stale row. Time comes from the caller's clock, as in
 * PostgreSQL, so instances and tests agree; ARGV strings are stored as given
 * (Lua would print large numbers in exponent form).
 */
const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 'ws'))
local failures
if start == nil or start <= now - window then
  start = now
  failures = 1
  redis.call('HSET', KEYS[1], 'f', 1, 'ws', ARGV[1])
else
  failures = redis.call('HINCRBY', KEYS[1], 'f', 1)
end
local lockedUntil = tonumber(redis.call('HGET', KEYS[1], 'lu')) or 0
redis.call('PEXPIRE', KEYS[1], math.max(start + window, lockedUntil) - now + 1000)
return failures
`;

/** Extends (never shortens) a lock, and keeps the hash at least until it ends. */
const LOCK_UNTIL = `
local untilMs = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'lu')) or 0
if untilMs > current then redis.call('HSET', KEYS[1], 'lu', ARGV[1]) end
local need = untilMs - tonumber(ARGV[2]) + 1000
if redis.call('PTTL', KEYS[1]) < need then redis.call('PEXPIRE', KEYS[1], need) end
return 1
`;

interface LimitScripts {
  gatehouseRecordFailure(key: string, nowMs: string, windowMs: string): Promise<number>;
  gatehouseLockUntil(key: string, untilMs: string, nowMs: string): Promise<number>;
}

export const REDIS_LIMIT_PREFIX = "gatehouse:limit:";

/** Counters in Redis: one hash per key (`f` failures, `ws` window start, `lu` locked until; ms). */
export function createRedisCounterStore(redis: Redis, prefix = REDIS_LIMIT_PREFIX): CounterStore & { available(): boolean } {
  // defineCommand sends EVALSHA, falling back to EVAL once per script after a Redis restart.
  if (!("gatehouseRecordFailure" in redis)) {
    redis.defineCommand("gatehouseRecordFailure", { numberOfKeys: 1, lua: RECORD_FAILURE });
    redis.defineCommand("gatehouseLockUntil", { numberOfKeys: 1, lua: LOCK_UNTIL });
  }
  const scripts = redis as Redis & LimitScripts;
  return {
    available: () => redis.status === "ready",
    async lockState(keys, now) {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.hget(prefix + key, "lu").exists(prefix + key);
      const replies = (await pipeline.exec()) ?? [];
      let latest = 0;
      const counted = new Set<string>();
      keys.forEach((key, i) => {
        const [[lockErr, lock], [existsErr, exists]] = [replies[2 * i] ?? [null, null], replies[2 * i + 1] ?? [null, 0]];
        if (lockErr) throw lockErr;
        if (existsErr) throw existsErr;
        latest = Math.max(latest, Number(lock ?? 0));
        if (Number(exists) > 0) counted.add(key);
      });
      return { until: latest > now.getTime() ? new Date(latest) : null, counted };
    },
    async recordFailure(key, now, rule) {
      const nowMs = String(now.getTime());
      const failures = Number(await scripts.gatehouseRecordFailure(prefix + key, nowMs, String(rule.windowSeconds * 1000)));
      const seconds = lockSecondsAfter(failures, rule);
      if (seconds > 0) await scripts.gatehouseLockUntil(prefix + key, String(now.getTime() + seconds * 1000), nowMs);
      return failures;
    },
    async clear(key) {
      await redis.del(prefix + key);
    },
  };
}
