import type { Mail } from "./mailer.js";

/**
 * Changes to how someone signs in that they are told about by mail (OWASP ASVS 2.2.3 and
 * 2.5.5): whoever made the change, the holder of the address learns of it, and an
 * attacker who took over a session cannot quietly swap the password or the authenticator.
 */
export type SecurityChange =
  | "PASSWORD_CHANGED"
  | "PASSWORD_RESET"
  | "MFA_ENABLED"
  | "MFA_DISABLED"
  | "MFA_RESET_BY_ADMIN"
  | "MFA_RESET"
  | "RECOVERY_CODES_REGENERATED"
  | "MFA_CODE_REUSED";

const WHAT: Record<SecurityChange, { subject: (org: string) => string; body: (org: string, to: string) => string }> = {
  PASSWORD_CHANGED: {
    subject: (org) => `Your ${org} password was changed`,
    body: (org, to) => `The password of your ${org} account (${to}) was changed. Your other sessions were signed out.`,
  },
  PASSWORD_RESET: {
    subject: (org) => `Your ${org} password was reset`,
    body: (org, to) => `The password of your ${org} account (${to}) was reset with a link mailed to this address. Every session was signed out.`,
  },
  MFA_ENABLED: {
    subject: (org) => `Two-step verification is on for your ${org} account`,
    body: (org, to) => `An authenticator app was set up for your ${org} account (${to}). Sign-ins now ask for its code.`,
  },
  MFA_DISABLED: {
    subject: (org) => `Two-step verification was turned off for your ${org} account`,
    body: (org, to) => `Two-step verification was turned off for your ${org} account (${to}): the authenticator and the recovery codes no longer work, and sign-ins ask for the password only.`,
  },
  MFA_RESET_BY_ADMIN: {
    subject: (org) => `An administrator removed your ${org} authenticator`,
    body: (org, to) => `An administrator of ${org} removed the authenticator and recovery codes of your account (${to}) and signed out every session. If ${org} requires two-step verification, you set up a new authenticator at your next sign-in.`,
  },
  MFA_RESET: {
    subject: (org) => `Your ${org} authenticator was removed`,
    body: (org, to) => `The authenticator and recovery codes of your ${org} account (${to}) were removed from a session that had just passed two-step verification, and every session was signed out.`,
  },
  RECOVERY_CODES_REGENERATED: {
    subject: (org) => `New recovery codes for your ${org} account`,
    body: (org, to) => `New recovery codes were made for your ${org} account (${to}); the earlier ones no longer work.`,
  },
  MFA_CODE_REUSED: {
    subject: (org) => `An authenticator code of your ${org} account was used twice`,
    body: (org, to) =>
      `A code from the authenticator of your ${org} account (${to}) was refused because it had already been used. ` +
      "Entering one code twice does this; so does someone who knows your password racing you with a code they saw you type.",
  },
};

/**
 * The notice of one change: what changed, when, and from which address. It holds no link
 * and no secret, so it is no use to whoever reads it but the account's holder.
 */
export function securityNotice(change: SecurityChange, to: string, org: { name: string }, at: Date, ip: string | null): Mail {
  const what = WHAT[change];
  const when = `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return {
    to,
    subject: what.subject(org.name),
    text:
      `${what.body(org.name, to)}\n\n` +
      `When: ${when}\n` +
      (ip ? `From: ${ip}\n` : "") +
      `\nIf this was you, there is nothing to do. If it was not, ask an administrator of ${org.name} at once ` +
      "to sign out your sessions and reset your password and authenticator.\n",
  };
}

/** Mails the holder of an account about a change to how they sign in. */
export type NotifySecurityChange = (user: { email: string }, org: { name: string }, change: SecurityChange, ctx: { ip: string | null }) => void;
