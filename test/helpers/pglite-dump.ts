import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { openPGlite, type Database } from "../../src/db/connection.js";

let dump: Promise<Blob> | undefined; // one read per test process

/**
 * A dump of a new PGlite cluster, for every embedded test database to start from.
 *
 * initdb was 2.5–4 s of each PGlite suite's start (about two minutes of the whole run);
 * loading a dump of its result takes 0.6–0.8 s. The dump is made once per machine and
 * PGlite version and kept in the temporary directory. It holds only what initdb makes:
 * each suite still runs the migrations and creates its keys as a server does.
 */
export function newClusterDump(): Promise<Blob> {
  dump ??= loadOrMake();
  return dump;
}

async function loadOrMake(): Promise<Blob> {
  const file = join(tmpdir(), `gatehouse-test-pglite-${pgliteVersion()}-initdb.tar`);
  if (!existsSync(file)) {
    const pglite = await PGlite.create();
    const made = await pglite.dumpDataDir("none");
    await pglite.close();
    // Written aside and renamed, so a test process never reads half a dump.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await made.arrayBuffer()));
    renameSync(partial, file);
  }
  // Read now, not lazily (openAsBlob): two test files that start together may both make
  // the dump, and a file-backed Blob fails to read once the other's rename replaces it.
  return new Blob([readFileSync(file)]);
}

function pgliteVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/** An embedded database for a test, started from the dump instead of initdb. */
export async function openTestPGlite(dataDir: string | null = null): Promise<Database> {
  return openPGlite(dataDir, { fromDump: await newClusterDump() });
}
