/**
 * Step-up for self-service changes that remove a factor (Flashback's code-less
 * disable and self-reset). An access token alone proves only that someone holds
 * it; the session must also have passed MFA moments ago, so a stolen token cannot
 * strip the factor that would lock the thief out. Five minutes matches the
 * "recent authentication" windows of Keycloak (max_age on required actions) and
 * Ory Kratos (privileged_session_max_age, whose examples use minutes, not hours).
 */
export const MFA_PROOF_MAX_AGE_MS = 5 * 60 * 1000;

export const RECENT_MFA_REQUIRED = "Recent MFA verification required: sign in again with an MFA code or a backup code, then retry within 5 minutes";

/** True when the session signed in with MFA no more than five minutes before `now`. */
export function hasRecentMfaProof(mfaVerifiedAt: Date | null | undefined, now: Date): boolean {
  if (!mfaVerifiedAt) return false;
  const age = now.getTime() - mfaVerifiedAt.getTime();
  return age >= 0 && age <= MFA_PROOF_MAX_AGE_MS;
}
