import { Redis } from "ioredis";

/**
 * The Redis client of a scaled-out instance (failure counters). Tuned to fail
 * fast rather than queue: a command while disconnected errors at once, one
 * that hangs errors after COMMAND_TIMEOUT_MS, so the limits fall back to
 * PostgreSQL (src/features/limits/fallback-store.ts) instead of stalling
 * sign-in. The client reconnects by itself, forever, backing off to 2 s.
 */
const COMMAND_TIMEOUT_MS = 500;

export function createRedisClient(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    connectionName: "gatehouse",
  });
  // Each failed reconnect emits "error"; the fallback store reports the outage once.
  redis.on("error", () => {});
  return redis;
}

/** Connects at start-up; an unreachable Redis is a warning, not a failed start (the limits fall back). */
export async function connectRedis(redis: Redis, log: { warn(obj: object, msg: string): void }): Promise<void> {
  try {
    await redis.connect();
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, "Redis is unreachable at start-up: abuse-limit counters use PostgreSQL until it is");
  }
}

/** PING within the command timeout (readiness). */
export async function redisReachable(redis: Redis): Promise<boolean> {
  if (redis.status !== "ready") return false;
  try {
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  }
}

/** QUIT politely; a dead connection is dropped instead. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "ready") {
    await Promise.race([redis.quit().catch(() => {}), new Promise((r) => setTimeout(r, 1_000).unref())]);
  }
  redis.disconnect();
}
