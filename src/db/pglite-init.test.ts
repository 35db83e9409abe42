import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { openPGlite } from "./connection.js";
import { initDataDirApart, isInitialized } from "./pglite-init.js";

test("a new data directory is created by a child process, then opens and keeps its data", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "gatehouse-init-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, "pgdata");
  assert.equal(isInitialized(dataDir), false);

  const first = await openPGlite(dataDir);
  try {
    assert.equal(isInitialized(dataDir), true);
    await sql`CREATE TABLE kept (v int)`.execute(first.db);
    await sql`INSERT INTO kept VALUES (42)`.execute(first.db);
  } finally {
    await first.close();
  }
  const versionWritten = statSync(join(dataDir, "PG_VERSION")).mtimeMs;

  // An existing cluster is opened as it is: not made again.
  await initDataDirApart(dataDir);
  const again = await openPGlite(dataDir);
  try {
    const rows = await sql<{ v: number }>`SELECT v FROM kept`.execute(again.db);
    assert.deepEqual(rows.rows, [{ v: 42 }]);
  } finally {
    await again.close();
  }
  assert.equal(statSync(join(dataDir, "PG_VERSION")).mtimeMs, versionWritten);
});

test("a data directory that cannot be created fails with the reason, and leaves no cluster behind", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "gatehouse-init-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // A file where the data directory should be: initdb cannot write under it.
  const blocker = join(root, "not-a-directory");
  writeFileSync(blocker, "");
  await assert.rejects(initDataDirApart(join(blocker, "pgdata")), /could not create the embedded database in .*not-a-directory\/pgdata: \S/);
  assert.deepEqual(readdirSync(root), ["not-a-directory"]);
});
