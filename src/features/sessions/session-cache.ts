import type { SessionPrincipalRow } from "./repo.js";

/**
 * Remembers live sessions so an authenticated request costs no database round trip
 * (DESIGN.md: PGlite serves ~3k lookups/s, Fastify ~15k requests/s).
 *
 * Exact, not TTL-based: every write that ends a session or changes what a session
 * may do calls `invalidate*` after it commits. The generation counter closes the
 * race where a lookup reads the database before a revocation commits and stores
 * its stale answer after the invalidation ran.
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

export function createSessionCache(): SessionCache {
  const entries = new Map<string, SessionPrincipalRow>();
  let gen = 0;
  return {
    get: (id) => entries.get(id),
    generation: () => gen,
    set(row, generationAtRead) {
      if (generationAtRead !== gen) return;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(row.sessionId, row);
    },
    invalidateSessions(ids) {
      gen++;
      for (const id of ids) entries.delete(id);
    },
    invalidateUser(userId) {
      gen++;
      for (const [id, row] of entries) if (row.userId === userId) entries.delete(id);
    },
    clear() {
      gen++;
      entries.clear();
    },
  };
}
