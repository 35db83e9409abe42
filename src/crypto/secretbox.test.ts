import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createSecretBox, generateMasterKey, keyIdOf } from "./secretbox.js";

test("a sealed secret opens with the same key and is not readable", () => {
  const box = createSecretBox([generateMasterKey()]);
  const sealed = box.seal("JBSWY3DPEHPK3PXP");
  assert.ok(!sealed.includes("JBSWY3DPEHPK3PXP"));
  assert.match(sealed, new RegExp(`^v1\\.${box.currentKeyId}\\.`));
  assert.equal(box.open(sealed), "JBSWY3DPEHPK3PXP");
  assert.notEqual(box.seal("same"), box.seal("same"), "a fresh IV each time");
});

test("after rotation, old envelopes still open and new ones use the new key", () => {
  const oldKey = generateMasterKey();
  const newKey = generateMasterKey();
  const sealedOld = createSecretBox([oldKey]).seal("secret");
  const rotated = createSecretBox([newKey, oldKey]);
  assert.equal(rotated.open(sealedOld), "secret");
  assert.ok(rotated.seal("x").startsWith(`v1.${keyIdOf(newKey)}.`));
});

test("tampering and unknown keys are refused", () => {
  const box = createSecretBox([generateMasterKey()]);
  const sealed = box.seal("secret");
  const parts = sealed.split(".");
  const body = Buffer.from(parts[3]!, "base64url");
  body[0] = body[0]! ^ 1;
  assert.throws(() => box.open([parts[0], parts[1], parts[2], body.toString("base64url")].join(".")));
  assert.throws(() => createSecretBox([generateMasterKey()]).open(sealed), /unknown master key/);
});

test("a digest is keyed: the same message gives another digest under another master key, and rotation keeps old ones matchable", () => {
  const oldKey = generateMasterKey();
  const newKey = generateMasterKey();
  const before = createSecretBox([oldKey]).digest("recovery-code\0user\0abcd1234");
  assert.match(before, new RegExp(`^d1\\.${keyIdOf(oldKey)}\\.[A-Za-z0-9_-]{43}$`));
  assert.ok(!before.includes("abcd1234"));
  assert.equal(createSecretBox([oldKey]).digest("recovery-code\0user\0abcd1234"), before, "deterministic, so it can be looked up");
  assert.notEqual(createSecretBox([newKey]).digest("recovery-code\0user\0abcd1234").split(".")[2], before.split(".")[2]);
  const rotated = createSecretBox([newKey, oldKey]);
  assert.ok(rotated.digest("m").startsWith(`d1.${keyIdOf(newKey)}.`));
  assert.deepEqual(rotated.digests("recovery-code\0user\0abcd1234").slice(1), [before]);
  // The digest key is derived, not the master key itself: a plain HMAC under the master key differs.
  const plain = createHmac("sha256", oldKey).update("recovery-code\0user\0abcd1234").digest("base64url");
  assert.notEqual(before.split(".")[2], plain);
});
