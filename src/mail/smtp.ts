import nodemailer from "nodemailer";
import type { Mailer } from "./mailer.js";

/**
 * Mail through an SMTP server: `SMTP_URL=smtp://user:pass@host:587` (STARTTLS when
 * offered) or `smtps://...:465`; nodemailer reads its transport options from the URL's
 * query. Ours is `from` (`?from=Acme%20IT%20<it@acme.test>`); without it the sender is
 * `defaults.from`.
 */
export function createSmtpMailer(smtpUrl: string, defaults: { from?: string } = {}): Mailer {
  const url = new URL(smtpUrl);
  const from = url.searchParams.get("from") ?? defaults.from ?? "Gatehouse <no-reply@localhost>";
  url.searchParams.delete("from");
  const transport = nodemailer.createTransport(url.toString());
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
