import type { CounterStore } from "./counter-store.js";

export interface FallbackLog {
  warn(obj: object, msg: string): void;
}

/**
 * Redis first, PostgreSQL when Redis fails (DESIGN.md, "scaled out"): an outage
 * neither lets guesses through uncounted nor takes sign-in down, and says so in
 * one warn line when it starts and one when it ends.
 *
 * Failures counted in PostgreSQL during an outage keep counting after it: for
 * `graceMs` (one counting window) after the last fallback, locks are read from
 * both stores and failures written to both. What an outage can cost is the
 * split: failures before it sit in Redis and failures during it in PostgreSQL,
 * so one window spanning the switch allows up to about twice the threshold.
 *
 * After a failure the primary is skipped for `retryMs`, and whenever its client
 * is not connected, so a dead Redis costs no timeout per sign-in.
 */
export function createFallbackCounterStore(opts: {
  primary: CounterStore & { available(): boolean };
  fallback: CounterStore;
  log: FallbackLog;
  graceMs?: number;
  retryMs?: number;
}): CounterStore {
  const { primary, fallback, log } = opts;
  const graceMs = opts.graceMs ?? 15 * 60_000;
  const retryMs = opts.retryMs ?? 1_000;
  let down = false;
  let lastAttemptFailed = -Infinity;
  let degradedUntil = -Infinity;

  function markDown(err: unknown): void {
    degradedUntil = performance.now() + graceMs;
    if (down) return;
    down = true;
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      "Redis is unreachable: abuse-limit counters fall back to PostgreSQL until it is back",
    );
  }
  function markUp(): void {
    if (!down) return;
    down = false;
    log.warn({}, "Redis is reachable again: abuse-limit counters are back in Redis (PostgreSQL's still count for one window)");
  }

  /** Runs `op` on Redis, or on PostgreSQL while Redis is out; within the grace period on both, merged. */
  async function route<T>(op: (store: CounterStore) => Promise<T>, merge: (a: T, b: T) => T): Promise<T> {
    if (!primary.available()) {
      markDown(new Error("Redis client is not connected"));
      return op(fallback);
    }
    if (down && performance.now() - lastAttemptFailed < retryMs) {
      markDown(null);
      return op(fallback);
    }
    let result: T;
    try {
      result = await op(primary);
    } catch (err) {
      lastAttemptFailed = performance.now();
      markDown(err);
      return op(fallback);
    }
    markUp();
    return performance.now() < degradedUntil ? merge(result, await op(fallback)) : result;
  }

  return {
    lockState: (keys, now) =>
      route((s) => s.lockState(keys, now), (a, b) => ({
        until: a.until && b.until ? (a.until > b.until ? a.until : b.until) : a.until ?? b.until,
        counted: new Set([...a.counted, ...b.counted]),
      })),
    recordFailure: (key, now, rule) => route((s) => s.recordFailure(key, now, rule), Math.max),
    clear: (key) => route((s) => s.clear(key), () => undefined),
  };
}
