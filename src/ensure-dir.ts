import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p` one level at a time. Node 20's `mkdirSync(dir, { recursive: true })` never
 * returns for a path under /proc (mkdir answers ENOENT there and it retries the parent
 * for good), so DATA_DIR=/proc/x hung the start at full CPU. A failure names the
 * directory it could not create.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new Error(`cannot create directory ${path}: ${(err as Error).message}`);
    }
  }
}
