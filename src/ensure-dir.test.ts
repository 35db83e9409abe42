import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDir } from "./ensure-dir.js";

test("ensureDir creates every missing level, accepts what exists, and names what it cannot create", () => {
  const root = mkdtempSync(join(tmpdir(), "gatehouse-ensure-dir-"));
  try {
    const deep = join(root, "a", "b", "c");
    ensureDir(deep);
    assert.ok(statSync(deep).isDirectory());
    ensureDir(deep);
    writeFileSync(join(root, "file"), "");
    assert.throws(() => ensureDir(join(root, "file", "below")), /^Error: cannot create directory .*\/file\/below: /);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a DATA_DIR under /proc fails at once instead of hanging (Node 20's recursive mkdirSync spins there)", { skip: !existsSync("/proc/self") && "no /proc" }, () => {
  assert.throws(() => ensureDir("/proc/gatehouse-nope/data"), /cannot create directory \/proc\/gatehouse-nope: .*ENOENT/);
});
