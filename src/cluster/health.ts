import { sql, type Kysely } from "kysely";
import type { Redis } from "ioredis";
import type { DB } from "../db/schema.js";
import { isSchemaCurrent } from "../db/migrate.js";
import { redisReachable } from "./redis.js";

export type CheckState = "ok" | "down" | "pending" | "unknown";

/** A database that hangs instead of refusing must still get an answer to the balancer in time. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

function withinTimeout<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), READINESS_CHECK_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export interface Readiness {
  ready: boolean;
  body: { status: "ok" | "degraded" | "unavailable"; checks: Record<string, CheckState> };
}

/**
 * `GET /readyz`: may a load balancer send this instance traffic? Hard checks:
 * the database answers, the schema is current, and (scaled out) the
 * invalidation listener is connected, or this instance would serve revoked
 * sessions for up to a second. Redis is reported but does not fail readiness:
 * a Redis outage hits every instance at once, and the limits then run on
 * PostgreSQL (fallback-store.ts), so failing readiness would turn a degraded
 * service into no service. The status then reads "degraded".
 */
export async function checkReadiness(deps: { db: Kysely<DB>; listening?: () => boolean; redis?: Redis | null }): Promise<Readiness> {
  const checks: Record<string, CheckState> = {};
  checks.database = await withinTimeout(sql`SELECT 1`.execute(deps.db).then(() => "ok" as const, () => "down" as const), "down" as const);
  // With the database down, whether a migration is due cannot be known.
  checks.migrations = checks.database !== "ok" ? "unknown"
    : await withinTimeout(isSchemaCurrent(deps.db).then((current) => (current ? "ok" as const : "pending" as const), () => "unknown" as const), "unknown" as const);
  if (deps.listening) checks.listener = deps.listening() ? "ok" : "down";
  if (deps.redis) checks.redis = (await redisReachable(deps.redis)) ? "ok" : "down";
  const ready = checks.database === "ok" && checks.migrations === "ok" && checks.listener !== "down";
  const status = !ready ? "unavailable" : checks.redis === "down" ? "degraded" : "ok";
  return { ready, body: { status, checks } };
}
