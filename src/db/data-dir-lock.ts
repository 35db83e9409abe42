import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ensureDir } from "../ensure-dir.js";

/**
 * PGlite is one PostgreSQL backend inside this process: a second process on the
 * same files would corrupt them. A pid file taken with O_EXCL keeps it to one;
 * a pid file left by a dead process is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  ensureDir(dataDir);
  const path = join(dataDir, "gatehouse.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new Error(`${dataDir} is in use by Gatehouse process ${pid}; stop it first (or use DATABASE_URL for several processes)`);
      }
      unlinkSync(path);
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
