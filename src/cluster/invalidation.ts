/**
 * Cache invalidation across instances (DESIGN.md, "scaled out").
 *
 * Each instance serves sessions and organizations from memory. Triggers
 * (migration 0004) NOTIFY channel `gatehouse_invalidate` from inside every
 * transaction that revokes a session, changes a user's rights, changes an
 * organization or the signing keys; PostgreSQL delivers the NOTIFY at commit.
 * A listener (pg-listener.ts) hands each payload to this hub, which tells the
 * caches. So a revocation on one instance bites on every other within
 * milliseconds, not after a TTL.
 *
 * The TTL stays as a backstop: while the listener is up an entry is trusted for
 * LISTENING_MAX_AGE_MS (guards against a change that bypassed the triggers);
 * while it is down, for FALLBACK_MAX_AGE_MS (1 s), the bound Gatehouse had
 * before it listened. When the listener comes back every cache is dropped,
 * since notifications sent while it was away are lost.
 */
export const INVALIDATION_CHANNEL = "gatehouse_invalidate";
export const LISTENING_MAX_AGE_MS = 30_000;
export const FALLBACK_MAX_AGE_MS = 1_000;

export type Invalidation =
  | { kind: "session"; id: string }
  | { kind: "user"; id: string }
  | { kind: "organization"; id: string }
  | { kind: "keys" }
  /** Notifications may have been missed: forget everything, reload the keys. */
  | { kind: "all" };

export function parseInvalidation(payload: string): Invalidation | null {
  if (payload === "k") return { kind: "keys" };
  const [prefix, id] = [payload.slice(0, 2), payload.slice(2)];
  if (!id) return null;
  if (prefix === "s:") return { kind: "session", id };
  if (prefix === "u:") return { kind: "user", id };
  if (prefix === "o:") return { kind: "organization", id };
  return null;
}

export interface InvalidationHub {
  /** How long a cached entry may be trusted right now. */
  maxAgeMs(): number;
  /** True while the listener is connected and LISTENing. */
  listening(): boolean;
  subscribe(handler: (event: Invalidation) => void): void;
  /** A NOTIFY payload from the transport. */
  deliver(payload: string): void;
  /** The transport's state; coming up drops every cache. */
  setListening(up: boolean): void;
}

export function createInvalidationHub(): InvalidationHub {
  const handlers: Array<(event: Invalidation) => void> = [];
  let up = false;
  const emit = (event: Invalidation) => {
    for (const handler of handlers) handler(event);
  };
  return {
    maxAgeMs: () => (up ? LISTENING_MAX_AGE_MS : FALLBACK_MAX_AGE_MS),
    listening: () => up,
    subscribe(handler) {
      handlers.push(handler);
    },
    deliver(payload) {
      const event = parseInvalidation(payload);
      if (event) emit(event);
    },
    setListening(next) {
      if (next === up) return;
      // Going down needs no clearing: maxAgeMs() drops to 1 s at once for every entry.
      up = next;
      if (up) emit({ kind: "all" });
    },
  };
}
