import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { ensureDir } from "../ensure-dir.js";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/**
 * Without SMTP_URL, each mail is written as one JSON file to DATA_DIR/outbox/
 * (recipient included) and announced in the log, so a self-hoster can act on it
 * and tests can read it. The log line carries no link: links hold tokens.
 */
export function createOutboxMailer(dataDir: string, log: (msg: string) => void = () => {}): Mailer & { dir: string } {
  const dir = join(dataDir, "outbox");
  return {
    dir,
    async send(mail) {
      ensureDir(dir);
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(4).toString("hex")}.json`);
      writeFileSync(file, JSON.stringify(mail, null, 2) + "\n", { mode: 0o600 });
      log(`mail to ${mail.to} ("${mail.subject}") written to ${file}`);
    },
  };
}
