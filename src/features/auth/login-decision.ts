import { isPasswordExpired } from "../passwords/expiration.js";

export type LoginStep = "mfa_challenge" | "password_change" | "mfa_setup" | "tokens";

export interface LoginSubject {
  mfa_enabled: boolean;
  password_changed_at: Date | null;
  must_change_password: boolean;
}
export interface LoginPolicy {
  mfa_required: boolean;
  password_expiration_days: number | null;
}

/**
 * The sign-in state machine of DESIGN.md as one pure function: given who the user
 * is, what the organization demands and what this sign-in has already proven, the
 * next step. Credentials (step 1) are checked before this is called. Each step is
 * re-derived from current state, so nothing stored can skip an enforced step.
 */
export function decideLogin(user: LoginSubject, org: LoginPolicy, now: Date, progress: { mfaVerified: boolean }): LoginStep {
  if (user.mfa_enabled && !progress.mfaVerified) return "mfa_challenge";
  if (isPasswordExpired(user, org, now)) return "password_change";
  if (org.mfa_required && !user.mfa_enabled) return "mfa_setup";
  return "tokens";
}
