/**
 * Abuse limits count failures only (DESIGN.md, "Abuse limits"). Below the
 * threshold nothing happens; from it on, each further failure locks the key for
 * twice as long as the last, capped, and every lock ends by itself — so an
 * attacker can slow a victim's sign-in but never lock them out for good
 * (OWASP Authentication Cheat Sheet, "Account Lockout"; NIST SP 800-63B 5.2.2).
 */
export interface LimitRule {
  /** Failures within the window before the first lock. */
  threshold: number;
  windowSeconds: number;
  baseLockSeconds: number;
  maxLockSeconds: number;
}

export function lockSecondsAfter(failures: number, rule: LimitRule): number {
  if (failures < rule.threshold) return 0;
  const doublings = Math.min(failures - rule.threshold, 30);
  return Math.min(rule.maxLockSeconds, rule.baseLockSeconds * 2 ** doublings);
}

export interface LimitRules {
  account: LimitRule;
  ip: LimitRule;
  mfa: LimitRule;
  /** Password-reset mails to one account: not a failure, but a way to flood a victim's inbox. */
  resetMail: LimitRule;
  /**
   * Sign-ups from one client IP, each attempt counted (EntryGuard: 5 per IP per hour):
   * every organization can send invitation mail, so open sign-up must not mint them freely.
   */
  register: LimitRule;
}

export function defaultLimitRules(accountThreshold = 5, ipThreshold = 50, registrationsPerHour = 5): LimitRules {
  return {
    account: { threshold: accountThreshold, windowSeconds: 900, baseLockSeconds: 30, maxLockSeconds: 900 },
    ip: { threshold: ipThreshold, windowSeconds: 900, baseLockSeconds: 30, maxLockSeconds: 900 },
    mfa: { threshold: accountThreshold * 2, windowSeconds: 900, baseLockSeconds: 30, maxLockSeconds: 900 },
    resetMail: { threshold: 3, windowSeconds: 3600, baseLockSeconds: 900, maxLockSeconds: 3600 },
    register: { threshold: registrationsPerHour, windowSeconds: 3600, baseLockSeconds: 3600, maxLockSeconds: 3600 },
  };
}
