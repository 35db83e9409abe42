import { test } from "node:test";
import assert from "node:assert/strict";
import { createInvalidationHub, FALLBACK_MAX_AGE_MS, LISTENING_MAX_AGE_MS, parseInvalidation, type Invalidation } from "./invalidation.js";

test("NOTIFY payloads of migration 0004 parse; anything else is ignored", () => {
  assert.deepEqual(parseInvalidation("s:abc"), { kind: "session", id: "abc" });
  assert.deepEqual(parseInvalidation("u:abc"), { kind: "user", id: "abc" });
  assert.deepEqual(parseInvalidation("o:abc"), { kind: "organization", id: "abc" });
  assert.deepEqual(parseInvalidation("k"), { kind: "keys" });
  assert.equal(parseInvalidation("s:"), null);
  assert.equal(parseInvalidation("x:abc"), null);
});

test("entries are trusted 30 s while listening, 1 s otherwise, and coming back up drops every cache", () => {
  const hub = createInvalidationHub();
  const seen: Invalidation[] = [];
  hub.subscribe((e) => seen.push(e));
  assert.equal(hub.maxAgeMs(), FALLBACK_MAX_AGE_MS);
  hub.setListening(true);
  assert.equal(hub.maxAgeMs(), LISTENING_MAX_AGE_MS);
  assert.deepEqual(seen, [{ kind: "all" }]);
  hub.deliver("s:1");
  hub.setListening(false);
  assert.equal(hub.maxAgeMs(), FALLBACK_MAX_AGE_MS);
  hub.setListening(true);
  assert.deepEqual(seen, [{ kind: "all" }, { kind: "session", id: "1" }, { kind: "all" }]);
});
