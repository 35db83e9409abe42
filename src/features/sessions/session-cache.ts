import type { SessionPrincipalRow } from "./repo.js";

/**
 * Remembers live sessions so an authenticated request costs no database round trip
 * (DESIGN.md: PGlite serves ~3k lookups/s, Fastify ~15k requests/s).
 *
 * Exact within one process: every write that ends a session or changes what a
 * session may do calls `invalidate*` after it commits. The generation counter
 * closes the race where a lookup reads the database before a revocation commits
 * and stores its stale answer after the invalidation ran.
 *
 * Other writers (another instance, the host CLI) cannot reach this memory: on a
 * shared PostgreSQL their revocations arrive by NOTIFY (src/cluster/invalidation.ts)
 * and call the same `invalidate*`. `maxAgeMs` is the backstop, read on every
 * lookup: 30 s while the listener is up, 1 s while it is down. Embedded PGlite
 * has a single writer, so its entries never age out.
 */
export interface SessionCache {
  get(sessionId: string): SessionPrincipalRow | undefined;
  /** Take before the database read; pass to `set` after it. */
  generation(): number;
  set(row: SessionPrincipalRow, generationAtRead: number): void;
  invalidateSessions(ids: string[]): void;
  invalidateUser(userId: string): void;
  clear(): void;
}

const MAX_ENTRIES = 100_000;

export function createSessionCache(options: { maxAgeMs?: number | (() => number) } = {}): SessionCache {
  const option = options.maxAgeMs ?? Infinity;
  const maxAge = typeof option === "function" ? option : () => option;
  const entries = new Map<string, { row: SessionPrincipalRow; at: number }>();
  let gen = 0;
  return {
    get(id) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      if (performance.now() - entry.at > maxAge()) {
        entries.delete(id);
        return undefined;
      }
      return entry.row;
    },
    generation: () => gen,
    set(row, generationAtRead) {
      if (generationAtRead !== gen) return;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(row.sessionId, { row, at: performance.now() });
    },
    invalidateSessions(ids) {
      gen++;
      for (const id of ids) entries.delete(id);
    },
    invalidateUser(userId) {
      gen++;
      for (const [id, entry] of entries) if (entry.row.userId === userId) entries.delete(id);
    },
    clear() {
      gen++;
      entries.clear();
    },
  };
}
