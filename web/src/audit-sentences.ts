import type { AuditEntry } from "../../sdk/index.js";

/**
 * The audit page's words: one sentence per entry. Pure, so the tests can feed it the
 * rows the server really writes (test/console-audit-sentences.test.ts).
 */

export const EVENT_TYPES: Record<string, string> = {
  USER_REGISTER: "Organization registered",
  USER_LOGIN: "Sign-in",
  USER_LOGOUT: "Sign-out",
  MFA_CHALLENGE_VERIFY: "MFA challenge",
  MFA_ENABLE: "MFA turned on",
  MFA_DISABLE: "MFA turned off",
  MFA_RESET: "MFA reset",
  MFA_RECOVERY_CODES_REGENERATE: "Recovery codes regenerated",
  PASSWORD_CHANGE: "Password changed",
  PASSWORD_RESET: "Password reset",
  PASSWORD_EXPIRE: "Password change forced",
  USER_CREATE: "Member invited",
  USER_UPDATE: "Member updated",
  USER_DEACTIVATE: "Member deactivated",
  USER_DELETE: "Member deleted",
  SESSION_REVOKE: "Sessions ended",
  ORGANIZATION_SETTINGS_UPDATE: "Security settings changed",
};

const SETTING_NAMES: Record<string, string> = {
  mfaRequired: "MFA required",
  passwordMinLength: "minimum length",
  passwordRequireUppercase: "uppercase required",
  passwordRequireLowercase: "lowercase required",
  passwordRequireDigit: "digit required",
  passwordRequireSpecialChar: "special character required",
  passwordExpirationDays: "expiry (days)",
  name: "name",
  isOrgAdmin: "admin",
  isActive: "active",
};

const show = (v: unknown) => (v === null || v === undefined ? "none" : v === true ? "yes" : v === false ? "no" : String(v));

function changesOf(details: Record<string, unknown> | null): string {
  const changes = details?.changes as Record<string, { before: unknown; after: unknown }> | undefined;
  if (!changes) return "";
  return Object.entries(changes)
    .map(([k, c]) => `${SETTING_NAMES[k] ?? k} ${show(c.before)} → ${show(c.after)}`)
    .join(", ");
}

/** The server's errorMessage for a TOTP code presented again after it was accepted. */
const REUSED_CODE = "Reused MFA code";

/** One sentence per entry, from its type, result, actor, target and details. */
export function describeEntry(e: AuditEntry): string {
  const actor = e.actorEmail ?? (e.actorType === "SYSTEM" ? "Gatehouse" : "Someone");
  const target = e.resourceName ?? e.resourceId ?? "a member";
  const self = e.actorEmail !== null && e.actorEmail === e.resourceName;
  const failed = e.result === "FAILURE";
  const why = e.errorMessage ? ` (${e.errorMessage})` : "";
  const d = e.details ?? {};
  const generic = EVENT_TYPES[e.eventType] ?? e.eventType;
  // A replay (OWASP ASVS 2.8.5) is worth telling from a typo: it may be someone racing the holder.
  if (failed && e.errorMessage === REUSED_CODE) {
    return e.eventType === "MFA_DISABLE"
      ? `${generic}: failed attempt by ${actor} with a code that had already been used`
      : `Replayed MFA code for ${e.resourceName ?? actor}: the code had already been used`;
  }
  // Failures of events without their own wording: what was tried, by whom, and why it failed.
  if (failed && !["USER_LOGIN", "MFA_CHALLENGE_VERIFY", "PASSWORD_CHANGE"].includes(e.eventType)) {
    return `${generic}: failed attempt by ${actor}${e.resourceName && !self ? ` on ${target}` : ""}${why}`;
  }
  switch (e.eventType) {
    case "USER_REGISTER":
      return `${actor} registered the organization${d.slug ? ` “${String(d.slug)}”` : ""}`;
    case "USER_LOGIN":
      return failed ? `Failed sign-in as ${e.resourceName ?? actor}${why}` : `${actor} signed in${d.mfa ? " with MFA" : ""}`;
    case "USER_LOGOUT":
      return `${actor} signed out`;
    case "MFA_CHALLENGE_VERIFY":
      return failed ? `Wrong MFA code for ${e.resourceName ?? actor}${why}` : `${actor} passed the MFA check${d.method === "RECOVERY_CODE" ? " with a recovery code" : ""}`;
    case "MFA_ENABLE":
      return `${self || !e.resourceName ? actor : target} turned on MFA`;
    case "MFA_DISABLE":
      return `${actor} turned off MFA${self || !e.resourceName ? "" : ` for ${target}`}`;
    case "MFA_RESET":
      return self ? `${actor} reset their own MFA` : `${actor} reset the MFA of ${target}`;
    case "MFA_RECOVERY_CODES_REGENERATE":
      return `${actor} regenerated their recovery codes`;
    case "PASSWORD_CHANGE":
      return failed ? `Failed password change by ${actor}${why}` : `${self ? actor : target} changed ${d.expired ? "an expired" : "their"} password`;
    case "PASSWORD_RESET":
      return d.stage === "LINK_SENT" ? `${actor} sent a password reset link to ${target}` : `${target} reset their password with a mailed link`;
    case "PASSWORD_EXPIRE":
      return `${actor} required ${target} to change password at the next sign-in`;
    case "USER_CREATE":
      return `${actor} invited ${target}`;
    case "USER_UPDATE": {
      if (d.invitation === "RESENT") return `${actor} resent the invitation to ${target}`;
      if (d.reason === "INVITATION_ACCEPTED") return `${target} accepted the invitation`;
      const c = changesOf(e.details);
      return `${actor} updated ${target}${c ? `: ${c}` : ""}`;
    }
    case "USER_DEACTIVATE":
      return `${actor} deactivated ${target}`;
    case "USER_DELETE":
      return `${actor} deleted ${target}`;
    case "SESSION_REVOKE":
      if (d.reason === "refresh_token_reuse") return `Gatehouse ended a session of ${target}: a used refresh token was presented again`;
      if (d.reason === "mfa_setup_required") return `Gatehouse ended a session of ${target}: the organization requires MFA, which they have not set up`;
      if (d.reason === "password_expired") return `Gatehouse ended a session of ${target}: their password has expired`;
      if (d.reason === "ADMIN_REVOKE_ALL") return `${actor} signed ${target} out everywhere`;
      return `${actor} ended a session`;
    case "ORGANIZATION_SETTINGS_UPDATE": {
      const c = changesOf(e.details);
      return `${actor} changed security settings${c ? `: ${c}` : ""}`;
    }
    default:
      return `${generic} by ${actor}${e.resourceName ? ` on ${target}` : ""}`;
  }
}
