/**
 * The API's own checks, repeated in the browser so forms answer as the user types.
 * Pure, with no runtime imports (the API's types come from sdk/):
 * test/console-rules.test.ts runs these functions against the server (settings
 * PATCH, password policy) to keep both in step.
 */

import type { PasswordPolicy, SettingsPatch } from "../../sdk/index.js";

export type { PasswordPolicy };

/** An organization slug as the API accepts it (SLUG_PATTERN in src/features/organizations/slug.ts). */
export const SLUG_RE = /^[a-z0-9][a-z0-9-]{1,62}$/;

export interface RuleCheck {
  key: "MIN_LENGTH" | "MAX_LENGTH" | "REQUIRE_UPPERCASE" | "REQUIRE_LOWERCASE" | "REQUIRE_DIGIT" | "REQUIRE_SPECIAL_CHAR";
  label: string;
  met: boolean;
}

/** The organization's character rules, checked as the server does (docs/passwords.md: NFC, code points, Unicode classes). */
export function checkRules(password: string, policy: PasswordPolicy): RuleCheck[] {
  const pw = password.normalize("NFC");
  const length = [...pw].length;
  const rules: RuleCheck[] = [{ key: "MIN_LENGTH", label: `At least ${policy.minLength} characters`, met: length >= policy.minLength }];
  if (length > policy.maxLength) rules.push({ key: "MAX_LENGTH", label: `At most ${policy.maxLength} characters`, met: false });
  if (policy.requireUppercase) rules.push({ key: "REQUIRE_UPPERCASE", label: "An uppercase letter", met: /\p{Lu}/u.test(pw) });
  if (policy.requireLowercase) rules.push({ key: "REQUIRE_LOWERCASE", label: "A lowercase letter", met: /\p{Ll}/u.test(pw) });
  if (policy.requireDigit) rules.push({ key: "REQUIRE_DIGIT", label: "A digit", met: /\p{Nd}/u.test(pw) });
  if (policy.requireSpecialChar) {
    rules.push({ key: "REQUIRE_SPECIAL_CHAR", label: "A special character (not a letter, digit or space)", met: /[^\p{L}\p{N}\s]/u.test(pw) });
  }
  return rules;
}

export function unmetRules(password: string, policy: PasswordPolicy | null): boolean {
  return policy ? checkRules(password, policy).some((r) => !r.met) : false;
}

/** The settings form as typed: numbers are the inputs' text. */
export interface SettingsDraft {
  mfaRequired: boolean;
  passwordMinLength: string;
  passwordRequireUppercase: boolean;
  passwordRequireLowercase: boolean;
  passwordRequireDigit: boolean;
  passwordRequireSpecialChar: boolean;
  passwordExpirationDays: string;
}

/** Every setting, as the API takes them. */
export type SettingsValues = Required<SettingsPatch>;

/**
 * The API's ranges (DESIGN.md, "Settings validation") with the API's own messages:
 * `passwordMinLength` an integer 8–128, `passwordExpirationDays` empty (null, never)
 * or an integer 1–365.
 */
export function validateSettings(d: SettingsDraft): { fields: Record<string, string>; values: SettingsValues | null } {
  const fields: Record<string, string> = {};
  // What the input's text becomes in the JSON body: Number(text) (type="number" inputs give "" for non-numbers).
  const min = d.passwordMinLength.trim();
  const minValue = min === "" ? null : Number(min);
  if (minValue === null || !Number.isInteger(minValue)) fields.passwordMinLength = "must be an integer";
  else if (minValue < 8 || minValue > 128) fields.passwordMinLength = "must be between 8 and 128";
  const days = d.passwordExpirationDays.trim();
  const daysValue = days === "" ? null : Number(days);
  if (daysValue !== null && !Number.isInteger(daysValue)) fields.passwordExpirationDays = "must be an integer or null";
  else if (daysValue !== null && (daysValue < 1 || daysValue > 365)) fields.passwordExpirationDays = "must be between 1 and 365";
  if (Object.keys(fields).length) return { fields, values: null };
  return {
    fields,
    values: {
      mfaRequired: d.mfaRequired,
      passwordMinLength: minValue as number,
      passwordRequireUppercase: d.passwordRequireUppercase,
      passwordRequireLowercase: d.passwordRequireLowercase,
      passwordRequireDigit: d.passwordRequireDigit,
      passwordRequireSpecialChar: d.passwordRequireSpecialChar,
      passwordExpirationDays: daysValue,
    },
  };
}
