import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { promptNewPassword, PromptCancelled, readHidden, type PromptInput } from "./prompt.js";

/** A terminal that types `keys` once the prompt listens; records raw mode and what was shown. */
function terminal(...typed: string[]) {
  const events = new EventEmitter();
  const modes: boolean[] = [];
  let shown = "";
  const input: PromptInput = {
    isTTY: true,
    setRawMode: (m) => modes.push(m),
    setEncoding: () => {},
    on: (e, l) => events.on(e, l),
    off: (e, l) => events.off(e, l),
    resume: () => setImmediate(() => events.emit("data", typed.shift() ?? "")),
    pause: () => {},
  };
  return { input, output: { write: (s: string) => void (shown += s) }, modes, shown: () => shown };
}

test("a hidden prompt reads a line without echoing it, with backspace", async () => {
  const t = terminal("secreX\u007ft\r");
  assert.equal(await readHidden("Password: ", t.input, t.output), "secret");
  assert.equal(t.shown(), "Password: \n", "nothing typed is echoed");
  assert.deepEqual(t.modes, [true, false], "raw mode is switched back off");
});

test("Ctrl-C cancels; a new password must be typed the same twice", async () => {
  await assert.rejects(readHidden("Password: ", terminal("abc\u0003").input, terminal().output), PromptCancelled);
  const t = terminal("one\r", "two\r", "Same-Pass-1\r", "Same-Pass-1\r");
  assert.equal(await promptNewPassword("Admin password", t.input, t.output), "Same-Pass-1");
  assert.match(t.shown(), /differ/);
});
