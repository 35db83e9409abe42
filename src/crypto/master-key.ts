import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateMasterKey } from "./secretbox.js";
import { ensureDir } from "../ensure-dir.js";

/**
 * The master key from GATEHOUSE_SECRET_KEY, or (outside production) one kept in
 * DATA_DIR/secret.key, created on first start. Returns a warning to log when generated.
 */
export function resolveMasterKeys(configured: Buffer[] | null, dataDir: string): { keys: Buffer[]; warning: string | null } {
  if (configured) return { keys: configured, warning: null };
  const path = join(dataDir, "secret.key");
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
    return { keys: [key], warning: null };
  }
  ensureDir(dataDir);
  const key = generateMasterKey();
  writeFileSync(path, key.toString("base64") + "\n", { mode: 0o600 });
  return {
    keys: [key],
    warning: `GATEHOUSE_SECRET_KEY is not set: generated a master key in ${path}. Back it up; set GATEHOUSE_SECRET_KEY in production.`,
  };
}
