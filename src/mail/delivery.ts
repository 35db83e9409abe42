import type { Mail, Mailer } from "./mailer.js";

export interface MailDelivery {
  /**
   * Sends `mail` after the current answer has gone: an answer's timing must not depend
   * on the mail server, or on whether there was mail. A failure is logged, never thrown.
   */
  deliver(mail: Mail): void;
  /** Resolves once every mail handed to `deliver` so far has been sent or has failed. */
  drain(): Promise<void>;
}

export function createMailDelivery(mailer: Mailer, log?: { error(obj: unknown, msg: string): void }): MailDelivery {
  const pending = new Set<Promise<void>>();
  return {
    deliver(mail) {
      const sending: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => mailer.send(mail))
        .catch((err: unknown) => log?.error({ err, to: mail.to }, "could not send mail"))
        .finally(() => pending.delete(sending));
      pending.add(sending);
    },
    async drain() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
