import type { Kysely } from "kysely";
import type { DB } from "../../db/schema.js";
import { AppError } from "../../http/errors.js";
import { lockSecondsAfter, type LimitRule, type LimitRules } from "./policy.js";
import { createLimitRepo } from "./repo.js";

export type LimitSubject = { kind: keyof LimitRules; id: string };

const keyOf = (s: LimitSubject) => `${s.kind}:${s.id}`;

/** Failure counters in the database, shared by every instance on it. */
export function createLimitService({ db, clock, rules }: { db: Kysely<DB>; clock: () => Date; rules: LimitRules }) {
  const repo = createLimitRepo(db);
  return {
    /** Throws 429 RATE_LIMITED with Retry-After while any subject is locked. */
    async assertNotLocked(subjects: LimitSubject[]): Promise<void> {
      const now = clock();
      const until = await repo.findLockedUntil(subjects.map(keyOf), now);
      if (until) {
        const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
        throw new AppError("RATE_LIMITED", `Too many failed attempts; try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds });
      }
    },
    async recordFailure(subjects: LimitSubject[]): Promise<void> {
      const now = clock();
      for (const subject of subjects) {
        const rule: LimitRule = rules[subject.kind];
        const failures = await repo.incrementFailures(keyOf(subject), now, rule.windowSeconds);
        const seconds = lockSecondsAfter(failures, rule);
        if (seconds > 0) await repo.lockUntil(keyOf(subject), new Date(now.getTime() + seconds * 1000));
      }
    },
    /** A success forgives an account's earlier failures (not an IP's: one IP serves many accounts). */
    async clear(subject: LimitSubject): Promise<void> {
      await repo.clearFailures(keyOf(subject));
    },
  };
}
export type LimitService = ReturnType<typeof createLimitService>;
