import type { Config } from "../config.js";
import { loadSigningKeys, retireOldSigningKeys, rotateSigningKey } from "../features/keys/service.js";
import { masterKeyUsage, resealUnderCurrentKey, type MasterKeyUsage } from "../features/keys/master-keys.js";
import { EXIT, parseFlags, printTable, runCommand, showHelp, UsageError, withDatabaseAndKeys } from "./common.js";

export const KEYS_USAGE = `Usage:
  gatehouse keys rotate [--json]
  gatehouse keys list [--json]
  gatehouse keys master [--json]
  gatehouse keys reseal [--json]

  rotate  Create a new Ed25519 signing key; new access tokens are signed with it.
          Older keys are retired: they sign nothing more but stay in the JWKS
          (/.well-known/jwks.json), so tokens they signed keep verifying until they
          expire. A key retired longer than ACCESS_TOKEN_TTL (plus 5 minutes) ago is
          deleted at the next rotation. Servers on PostgreSQL pick the new key up at
          once (NOTIFY); an embedded server, which must be stopped to run this, at start.
  list    The keys in the JWKS, newest first, and which one signs.
  master  What depends on each master key (GATEHOUSE_SECRET_KEY, or DATA_DIR/secret.key):
          TOTP secrets and signing keys sealed under it, password hashes peppered
          with it, unused recovery codes keyed with it. STATE is current, older
          (listed after the current one) or missing (not listed: what depends on it
          no longer works). The row without a key counts password hashes and
          recovery codes made before peppers and keyed codes.
  reseal  Re-seal every TOTP secret and signing key under the current master key.
          Password hashes move to it at each user's next sign-in, recovery codes
          when they are regenerated; an older key can leave GATEHOUSE_SECRET_KEY
          once \`keys master\` counts nothing under it (or once the users still
          counted there may reset their password or MFA).

Exit codes: 0 done, 1 failed, 2 usage.`;

/** Instances that have not reloaded yet may still sign with a retired key for a moment. */
const RELOAD_MARGIN_SECONDS = 300;

interface KeyRow {
  kid: string;
  createdAt: string;
  retiredAt: string | null;
  signing: boolean;
}

async function keyRows(db: Parameters<typeof loadSigningKeys>[0]): Promise<KeyRow[]> {
  const keys = await loadSigningKeys(db);
  const signing = keys.find((k) => !k.retiredAt)?.kid;
  return keys.map((k) => ({ kid: k.kid, createdAt: k.createdAt.toISOString(), retiredAt: k.retiredAt?.toISOString() ?? null, signing: k.kid === signing }));
}

function print(rows: KeyRow[], json: boolean): void {
  if (json) return console.log(JSON.stringify(rows, null, 2));
  printTable(["KID", "CREATED", "STATE"], rows.map((r) => [r.kid, r.createdAt, r.signing ? "signing" : r.retiredAt ? `retired ${r.retiredAt}` : "verifying"]));
}

function printMasterKeys(rows: MasterKeyUsage[], json: boolean): void {
  if (json) return console.log(JSON.stringify(rows, null, 2));
  printTable(
    ["MASTER KEY", "STATE", "TOTP SECRETS", "SIGNING KEYS", "PASSWORD HASHES", "RECOVERY CODES"],
    rows.map((r) => [r.keyId ?? "(none)", r.state ?? "-", ...[r.totpSecrets, r.signingKeys, r.passwordHashes, r.recoveryCodes].map(String)]),
  );
}

export async function keysCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  return runCommand("keys", async () => {
    if (sub === "--help" || sub === "-h") return showHelp(KEYS_USAGE);
    if (sub !== "rotate" && sub !== "list" && sub !== "master" && sub !== "reseal") throw new UsageError(sub ? `unknown keys command: ${sub}` : "keys needs a command");
    const { values } = parseFlags(rest, { json: { type: "boolean" } });
    if (values.help) return showHelp(KEYS_USAGE);
    return withDatabaseAndKeys(config, async ({ db, box }) => {
      if (sub === "rotate") {
        const now = new Date();
        await rotateSigningKey(db, box, now);
        const { retired, deleted } = await retireOldSigningKeys(db, now, config.accessTokenTtl + RELOAD_MARGIN_SECONDS);
        const rows = await keyRows(db);
        if (!values.json) {
          console.error(`new signing key ${rows.find((r) => r.signing)?.kid}; retired ${retired.length}, deleted ${deleted.length} expired key(s)`);
        }
        print(rows, values.json === true);
      } else if (sub === "list") {
        print(await keyRows(db), values.json === true);
      } else {
        if (sub === "reseal") {
          const done = await resealUnderCurrentKey(db, box);
          const unreadable = done.unreadable ? `; ${done.unreadable} sealed under a master key no longer listed, left as they are` : "";
          console.error(`re-sealed ${done.totpSecrets} TOTP secret(s) and ${done.signingKeys} signing key(s) under ${box.currentKeyId}${unreadable}`);
        }
        printMasterKeys(await masterKeyUsage(db, box), values.json === true);
      }
      return EXIT.OK;
    });
  });
}
