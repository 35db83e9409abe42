import type { PolicyViolation } from "../../http/errors.js";

export interface PasswordPolicy {
  minLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireDigit: boolean;
  requireSpecialChar: boolean;
}

/** NIST SP 800-63B 5.1.1.2 asks for at least 64; EntryGuard's range is 8–128, counted in code points. */
export const PASSWORD_MAX_LENGTH = 128;

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

/** Every rule the password breaks, in a stable order; empty when it is acceptable. */
export function checkPassword(password: string, policy: PasswordPolicy): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const length = [...password].length;
  if (length < policy.minLength) {
    violations.push({ rule: "MIN_LENGTH", message: `Password must be at least ${policy.minLength} characters long` });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    violations.push({ rule: "MAX_LENGTH", message: `Password must be at most ${PASSWORD_MAX_LENGTH} characters long` });
  }
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) {
    violations.push({ rule: "REQUIRE_UPPERCASE", message: "Password must contain an uppercase letter" });
  }
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) {
    violations.push({ rule: "REQUIRE_LOWERCASE", message: "Password must contain a lowercase letter" });
  }
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) {
    violations.push({ rule: "REQUIRE_DIGIT", message: "Password must contain a digit" });
  }
  if (policy.requireSpecialChar && !/[^\p{L}\p{N}\s]/u.test(password)) {
    violations.push({ rule: "REQUIRE_SPECIAL_CHAR", message: "Password must contain a special character" });
  }
  return violations;
}
