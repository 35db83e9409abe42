import type { Kysely } from "kysely";
import { runEvery } from "./periodic.js";
import type { DB } from "./schema.js";

/**
 * Rows that can no longer do anything, deleted so that the tables a sign-in writes do
 * not grow for ever. A session (with its refresh tokens) goes a day after it expired or
 * was revoked: no refresh can revive it (refresh needs a live session), its access
 * tokens expired long before, and the audit log keeps the history. Login flows go once
 * expired. A failure counter goes a day after its window and any lock ended: counting
 * would start over from one either way. An invitation or password-reset link goes a day
 * after it expired or was used: neither can be used again, and finding one answers the same
 * as a link that never existed. Audit rows are never deleted.
 */
export const ENDED_RETENTION_MS = 86_400_000;
export const PURGE_INTERVAL_MS = 3_600_000;

export interface Purged {
  sessions: number;
  loginFlows: number;
  failureCounters: number;
  /** Invitations and password-reset links. */
  mailedLinks: number;
}

export async function purgeExpired(db: Kysely<DB>, now: Date): Promise<Purged> {
  const cutoff = new Date(now.getTime() - ENDED_RETENTION_MS);
  const sessions = await db
    .deleteFrom("sessions")
    .where((eb) => eb.or([eb("expires_at", "<", cutoff), eb("revoked_at", "<", cutoff)]))
    .executeTakeFirst();
  const loginFlows = await db.deleteFrom("login_flows").where("expires_at", "<", now).executeTakeFirst();
  const failureCounters = await db
    .deleteFrom("auth_failures")
    .where("window_start", "<", cutoff)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
    .executeTakeFirst();
  let mailedLinks = 0;
  for (const table of ["invitations", "password_resets"] as const) {
    const deleted = await db
      .deleteFrom(table)
      .where((eb) => eb.or([eb("expires_at", "<", cutoff), eb("used_at", "<", cutoff)]))
      .executeTakeFirst();
    mailedLinks += Number(deleted.numDeletedRows);
  }
  return {
    sessions: Number(sessions.numDeletedRows),
    loginFlows: Number(loginFlows.numDeletedRows),
    failureCounters: Number(failureCounters.numDeletedRows),
    mailedLinks,
  };
}

/**
 * Purges every `intervalMs` until stopped; stop() waits for a pass under way. Every
 * instance runs it: the deletes are idempotent, and a row two instances both reach is
 * deleted once.
 */
export function startPurge(
  db: Kysely<DB>,
  { clock, intervalMs = PURGE_INTERVAL_MS, onDone, onError }: {
    clock: () => Date;
    intervalMs?: number;
    onDone: (purged: Purged) => void;
    onError: (err: unknown) => void;
  },
): { stop(): Promise<void> } {
  return runEvery(intervalMs, () => purgeExpired(db, clock()).then(onDone, onError));
}
