import { consoleLink } from "../../mail/console-link.js";
import type { Mail } from "../../mail/mailer.js";

/** The reset mail: the link, why it came, and what to do if unasked. */
export function resetMail(publicUrl: string, to: string, org: { name: string; slug: string }, token: string, byAdmin: boolean): Mail {
  const link = consoleLink(publicUrl, "reset-password", token, org.slug);
  const why = byAdmin
    ? `An administrator of ${org.name} asked Gatehouse to send you this link so you can choose a new password.`
    : `Someone, hopefully you, asked to reset the password of your ${org.name} account (${to}).`;
  return {
    to,
    subject: `Reset your ${org.name} password`,
    text:
      `${why}\n\nChoose a new password within the next hour:\n${link}\n\n` +
      "The link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n",
  };
}
