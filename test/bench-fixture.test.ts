import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { START_SCRIPT } from "../bench/lib/fixture.js";

// The bench starts the server as `npm start` does, read from package.json: a change to the
// start script (the `exec` that lets SIGTERM reach node) once broke `npm run bench` unseen.
test("the bench reads package.json's start script: its environment and node's flags", () => {
  const script = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: { start: string } }).scripts.start;
  assert.match(script, /\bnode\b.*bin\/gatehouse\.js serve/);
  for (const [name, value] of Object.entries(START_SCRIPT.env)) assert.ok(script.includes(`${name}=${value}`), name);
  assert.ok(Object.keys(START_SCRIPT.env).length > 0, "the malloc settings");
  for (const flag of START_SCRIPT.nodeArgs) {
    assert.match(flag, /^--/);
    assert.ok(script.includes(` ${flag}`), flag);
  }
  assert.ok(START_SCRIPT.nodeArgs.length > 0, "the V8 flags");
});
