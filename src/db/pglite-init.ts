import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Creating a cluster (initdb) grows PGlite's WebAssembly memories to hundreds of MiB,
 * and WebAssembly memory never shrinks: a server that made its own data directory kept
 * about 700 MiB resident for as long as it ran, against about 220 MiB when it opens one
 * that exists. So a new data directory is made by a short-lived child process, and the
 * server then opens it as it opens any other. (A worker thread was not enough: what its
 * compilers and initdb had taken from malloc stayed in the process's heap, 50 MiB more.)
 */
const INIT_SCRIPT = `
import(process.argv[1])
  .then(async ({ PGlite }) => {
    const pglite = await PGlite.create({ dataDir: process.argv[2] });
    await pglite.close();
  })
  .catch((err) => {
    process.stderr.write(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
`;

/** PGlite's own test for an existing cluster. */
export function isInitialized(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION"));
}

/**
 * Runs initdb for `dataDir` in a child process unless it holds a cluster already.
 * No temporary directory and rename: PGlite builds the cluster in memory and writes it
 * out at the end, PG_VERSION among the last files. A child killed at any point from
 * 0.3 to 6 s (2026-11-30) left nothing, part of the tree without PG_VERSION (which the
 * next start initializes over) or the whole cluster, and every one opened afterwards.
 */
export async function initDataDirApart(dataDir: string): Promise<void> {
  if (isInitialized(dataDir)) return;
  const child = spawn(process.execPath, ["-e", INIT_SCRIPT, import.meta.resolve("@electric-sql/pglite"), dataDir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) throw new Error(`could not create the embedded database in ${dataDir}: ${stderr.trim() || `initdb exited with ${code}`}`);
}
