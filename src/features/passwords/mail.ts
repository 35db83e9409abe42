import type { Mail } from "../../mail/mailer.js";

/** The console's reset page with the token (its only secret). */
export function resetLink(publicUrl: string, token: string): string {
  return `${publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
}

/** The reset mail: the link, why it came, and what to do if unasked. */
export function resetMail(publicUrl: string, to: string, orgName: string, token: string, byAdmin: boolean): Mail {
  const link = resetLink(publicUrl, token);
  const why = byAdmin
    ? `An administrator of ${orgName} asked Gatehouse to send you this link so you can choose a new password.`
    : `Someone, hopefully you, asked to reset the password of your ${orgName} account (${to}).`;
  return {
    to,
    subject: `Reset your ${orgName} password`,
    text:
      `${why}\n\nChoose a new password within the next hour:\n${link}\n\n` +
      "The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n",
  };
}
