import type { Config } from "../config.js";
import { loadSigningKeys, retireOldSigningKeys, rotateSigningKey } from "../features/keys/service.js";
import { EXIT, parseFlags, printTable, runCommand, showHelp, UsageError, withRuntime } from "./common.js";

export const KEYS_USAGE = `Usage:
  gatehouse keys rotate [--json]
  gatehouse keys list [--json]

  rotate  Create a new Ed25519 signing key; new access tokens are signed with it.
          Older keys are retired: they sign nothing more but stay in the JWKS
          (/.well-known/jwks.json), so tokens they signed keep verifying until they
          expire. A key retired longer than ACCESS_TOKEN_TTL (plus 5 minutes) ago is
          deleted at the next rotation. Servers on PostgreSQL pick the new key up at
          once (NOTIFY); an embedded server, which must be stopped to run this, at start.
  list    The keys in the JWKS, newest first, and which one signs.

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

export async function keysCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  return runCommand("keys", async () => {
    if (sub === "--help" || sub === "-h") return showHelp(KEYS_USAGE);
    if (sub !== "rotate" && sub !== "list") throw new UsageError(sub ? `unknown keys command: ${sub}` : "keys needs a command");
    const { values } = parseFlags(rest, { json: { type: "boolean" } });
    if (values.help) return showHelp(KEYS_USAGE);
    return withRuntime(config, async (runtime) => {
      const db = runtime.database.db;
      if (sub === "rotate") {
        const now = new Date();
        await rotateSigningKey(db, runtime.box, now);
        const { retired, deleted } = await retireOldSigningKeys(db, now, config.accessTokenTtl + RELOAD_MARGIN_SECONDS);
        const rows = await keyRows(db);
        if (!values.json) {
          console.error(`new signing key ${rows.find((r) => r.signing)?.kid}; retired ${retired.length}, deleted ${deleted.length} expired key(s)`);
        }
        print(rows, values.json === true);
      } else {
        print(await keyRows(db), values.json === true);
      }
      return EXIT.OK;
    });
  });
}
