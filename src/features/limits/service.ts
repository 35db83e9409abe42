import type { Kysely } from "kysely";
import type { DB } from "../../db/schema.js";
import { AppError } from "../../http/errors.js";
import { lockSecondsAfter, type LimitRule, type LimitRules } from "./policy.js";
import { createPgCounterStore, type CounterStore } from "./counter-store.js";

export type LimitSubject = { kind: keyof LimitRules; id: string };

const keyOf = (s: LimitSubject) => `${s.kind}:${s.id}`;

/**
 * An account as typed at sign-in (organization slug / email, case-folded), so guesses at
 * unknown accounts count the same way; every counter of one account must use this key.
 */
export function accountId(slug: string, email: string): string {
  return `${slug.trim().toLowerCase()}/${email.trim().toLowerCase()}`;
}

/** A subject and, when the client's address is known, that address's counter too. */
export function withClientIp(subject: LimitSubject, ip: string | null | undefined): LimitSubject[] {
  return ip ? [subject, { kind: "ip", id: ip }] : [subject];
}

/**
 * Failure counters shared by every instance: in the database, or in `store`
 * (Redis with a PostgreSQL fallback when REDIS_URL is set; see counter-store.ts).
 */
export function createLimitService({ db, clock, rules, store = createPgCounterStore(db) }: {
  db: Kysely<DB>;
  clock: () => Date;
  rules: LimitRules;
  store?: CounterStore;
}) {
  /**
   * Throws 429 RATE_LIMITED with Retry-After while any subject is locked. Answers which
   * subjects have failures on record, so a success clears only those.
   */
  async function assertNotLocked(subjects: LimitSubject[]): Promise<{ hasFailures(subject: LimitSubject): boolean }> {
    const now = clock();
    const { until, counted } = await store.lockState(subjects.map(keyOf), now);
    if (until) {
      const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
      throw new AppError("RATE_LIMITED", `Too many failed attempts; try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds });
    }
    return { hasFailures: (subject) => counted.has(keyOf(subject)) };
  }

  return {
    assertNotLocked,
    /** For callers that must answer the same either way (forgot-password must not reveal a limit). */
    async isLocked(subjects: LimitSubject[]): Promise<boolean> {
      return (await store.lockState(subjects.map(keyOf), clock())).until !== null;
    },
    async recordFailure(subjects: LimitSubject[]): Promise<void> {
      const now = clock();
      for (const subject of subjects) {
        const rule: LimitRule = rules[subject.kind];
        await store.recordFailure(keyOf(subject), now, rule);
      }
    },
    /**
     * Counts an attempt that is limited whether or not it succeeds (sign-ups) and refuses it
     * with 429 once over the rule's threshold. The count is taken before the decision, in
     * one atomic update, so parallel attempts cannot all pass a check that none had counted.
     */
    async consumeAttempt(subject: LimitSubject): Promise<void> {
      await assertNotLocked([subject]);
      const rule: LimitRule = rules[subject.kind];
      const attempts = await store.recordFailure(keyOf(subject), clock(), rule);
      if (attempts > rule.threshold) {
        const retryAfterSeconds = Math.max(1, lockSecondsAfter(attempts, rule));
        throw new AppError("RATE_LIMITED", `Too many attempts; try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds });
      }
    },
    /** A success forgives an account's earlier failures (not an IP's: one IP serves many accounts). */
    async clear(subject: LimitSubject): Promise<void> {
      await store.clear(keyOf(subject));
    },
  };
}
export type LimitService = ReturnType<typeof createLimitService>;
