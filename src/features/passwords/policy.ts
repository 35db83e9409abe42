import { dictionary } from "@zxcvbn-ts/language-common";
import type { PolicyViolation } from "../../http/errors.js";

export interface PasswordPolicy {
  minLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireDigit: boolean;
  requireSpecialChar: boolean;
}

/** Who the password is for: it may not contain these (rule CONTAINS_USER_INFO). */
export interface PasswordContext {
  email?: string | null;
  organizationSlug?: string | null;
}

export type PasswordRule =
  | "MIN_LENGTH"
  | "MAX_LENGTH"
  | "REQUIRE_UPPERCASE"
  | "REQUIRE_LOWERCASE"
  | "REQUIRE_DIGIT"
  | "REQUIRE_SPECIAL_CHAR"
  | "COMMON_PASSWORD"
  | "CONTAINS_USER_INFO"
  | "REUSED_PASSWORD";

/** NIST SP 800-63B 5.1.1.2 asks for at least 64; EntryGuard's range is 8–128, counted in code points. */
export const PASSWORD_MAX_LENGTH = 128;

/** Shorter email local parts and slugs ("jo", "ab") would refuse too many good passwords to be worth it. */
export const MIN_USER_INFO_LENGTH = 3;

/**
 * NIST SP 800-63B 5.1.1.2: refuse values "known to be commonly-used". The zxcvbn-ts
 * common-password list (about 49 000 entries, lowercase), maintained upstream.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary["passwords-common"]);

export const RULE_MESSAGES = {
  MIN_LENGTH: (n: number) => `Password must be at least ${n} characters long`,
  MAX_LENGTH: `Password must be at most ${PASSWORD_MAX_LENGTH} characters long`,
  REQUIRE_UPPERCASE: "Password must contain an uppercase letter",
  REQUIRE_LOWERCASE: "Password must contain a lowercase letter",
  REQUIRE_DIGIT: "Password must contain a digit",
  REQUIRE_SPECIAL_CHAR: "Password must contain a special character (anything but a letter, a digit or a space)",
  COMMON_PASSWORD: "Password is too common; choose one that is harder to guess",
  CONTAINS_USER_INFO: "Password must not contain your email address's name or the organization's slug",
  REUSED_PASSWORD: "New password must be different from the current password",
} as const;

export function policyOf(org: {
  password_min_length: number;
  password_require_uppercase: boolean;
  password_require_lowercase: boolean;
  password_require_digit: boolean;
  password_require_special_char: boolean;
}): PasswordPolicy {
  return {
    minLength: org.password_min_length,
    requireUppercase: org.password_require_uppercase,
    requireLowercase: org.password_require_lowercase,
    requireDigit: org.password_require_digit,
    requireSpecialChar: org.password_require_special_char,
  };
}

/** Lowercase compatibility form: fullwidth "ＰＡＳＳ" and "pass" compare equal. */
function folded(s: string): string {
  return s.normalize("NFKC").toLowerCase();
}

/** The email's local part (and its base before a "+tag") and the slug (with and without hyphens), long enough to matter. */
function userInfoTerms(context: PasswordContext): string[] {
  const terms = new Set<string>();
  const email = context.email ? folded(context.email.trim()) : "";
  const at = email.lastIndexOf("@");
  const local = at >= 0 ? email.slice(0, at) : email;
  terms.add(local);
  terms.add(local.split("+")[0]!);
  const slug = context.organizationSlug ? folded(context.organizationSlug.trim()) : "";
  terms.add(slug);
  terms.add(slug.replaceAll("-", ""));
  return [...terms].filter((t) => [...t].length >= MIN_USER_INFO_LENGTH);
}

/**
 * Every rule the password breaks, in a stable order; empty when it is acceptable.
 * Pure: same input, same answer. The character rules look at the NFC form (so "é"
 * typed as e + combining accent is one lowercase letter); docs/passwords.md has the
 * definitions. The password is hashed exactly as typed, not normalized. Without a
 * `context` the CONTAINS_USER_INFO rule has nothing to compare: callers that know the
 * user should go through `assertAcceptablePassword` (service.ts).
 */
export function checkPassword(password: string, policy: PasswordPolicy, context: PasswordContext = {}): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const add = (rule: PasswordRule, message: string) => violations.push({ rule, message });
  const pw = password.normalize("NFC");
  const length = [...pw].length;
  if (length < policy.minLength) add("MIN_LENGTH", RULE_MESSAGES.MIN_LENGTH(policy.minLength));
  if (length > PASSWORD_MAX_LENGTH) add("MAX_LENGTH", RULE_MESSAGES.MAX_LENGTH);
  if (policy.requireUppercase && !/\p{Lu}/u.test(pw)) add("REQUIRE_UPPERCASE", RULE_MESSAGES.REQUIRE_UPPERCASE);
  if (policy.requireLowercase && !/\p{Ll}/u.test(pw)) add("REQUIRE_LOWERCASE", RULE_MESSAGES.REQUIRE_LOWERCASE);
  if (policy.requireDigit && !/\p{Nd}/u.test(pw)) add("REQUIRE_DIGIT", RULE_MESSAGES.REQUIRE_DIGIT);
  if (policy.requireSpecialChar && !/[^\p{L}\p{N}\s]/u.test(pw)) add("REQUIRE_SPECIAL_CHAR", RULE_MESSAGES.REQUIRE_SPECIAL_CHAR);
  const lower = folded(password);
  if (COMMON_PASSWORDS.has(lower)) add("COMMON_PASSWORD", RULE_MESSAGES.COMMON_PASSWORD);
  if (userInfoTerms(context).some((term) => lower.includes(term))) add("CONTAINS_USER_INFO", RULE_MESSAGES.CONTAINS_USER_INFO);
  return violations;
}
