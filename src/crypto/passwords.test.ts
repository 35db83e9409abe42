import { test } from "node:test";
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { ARGON2_SLOTS, argon2Load, createPasswordHasher } from "./passwords.js";
import { createSecretBox, generateMasterKey, keyIdOf } from "./secretbox.js";

const oldKey = generateMasterKey();
const newKey = generateMasterKey();
const peppered = (...keys: Buffer[]) => createPasswordHasher(createSecretBox(keys));
const hasher = peppered(oldKey);
const { verify: verifyPassword, needsRehash } = hasher;
const keyIdParam = (key: Buffer) => Buffer.from(keyIdOf(key), "hex").toString("base64").replace(/=+$/, "");

test("an argon2id hash with the current parameters and pepper verifies and needs no rehash", async () => {
  const stored = await hasher.hash("Corr3ct-Horse-Battery");
  assert.match(stored, new RegExp(`^\\$argon2id\\$v=19\\$m=19456,t=2,p=1,keyid=${keyIdParam(oldKey).replace(/[+/]/g, "\\$&")}\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$`));
  assert.equal(await verifyPassword(stored, "Corr3ct-Horse-Battery"), true);
  assert.equal(await verifyPassword(stored, "corr3ct-horse-battery"), false);
  assert.equal(needsRehash(stored), false);
});

test("bcrypt hashes ($2a$, $2b$, $2y$) verify and are marked for rehashing", async () => {
  const b = bcrypt.hashSync("Legacy-Pa55word", 4);
  assert.match(b, /^\$2b\$04\$/);
  for (const stored of [b, b.replace("$2b$", "$2a$"), b.replace("$2b$", "$2y$")]) {
    assert.equal(await verifyPassword(stored, "Legacy-Pa55word"), true, stored.slice(0, 4));
    assert.equal(await verifyPassword(stored, "Legacy-Pa55word!"), false);
    assert.equal(needsRehash(stored), true);
  }
});

test("argon2 hashes with other parameters need a rehash; junk never verifies", async () => {
  assert.equal(needsRehash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA"), true);
  for (const junk of ["", "plaintext", "$2x$04$abc", "$argon2id$broken", "$1$md5$crypt"]) {
    assert.equal(await verifyPassword(junk, "plaintext"), false, junk);
  }
});

test("no more argon2id hashes run at once than there are cores; the rest queue and all finish", async () => {
  const stored = await hasher.hash("Corr3ct-Horse-Battery");
  const n = 3 * ARGON2_SLOTS;
  const all = Array.from({ length: n }, (_, i) => verifyPassword(stored, i % 2 ? "Corr3ct-Horse-Battery" : "wrong"));
  // p-limit starts queued work on a microtask: let it settle before looking.
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(argon2Load(), { active: ARGON2_SLOTS, waiting: n - ARGON2_SLOTS });
  const results = await Promise.all(all);
  assert.deepEqual(results, Array.from({ length: n }, (_, i) => i % 2 === 1));
  assert.deepEqual(argon2Load(), { active: 0, waiting: 0 });
});

test("the pepper: a hash verifies only with its master key's pepper, whatever its keyid says", async () => {
  const stored = await hasher.hash("Corr3ct-Horse-Battery");
  assert.equal(await peppered(newKey).verify(stored, "Corr3ct-Horse-Battery"), false, "its master key is not listed");
  assert.equal(await createPasswordHasher(null).verify(stored, "Corr3ct-Horse-Battery"), false, "no pepper");
  const withoutKeyId = stored.replace(/,keyid=[^$]+/, "");
  assert.equal(await hasher.verify(withoutKeyId, "Corr3ct-Horse-Battery"), false, "a hash stripped of its keyid is checked without a pepper");
  const otherKeyId = stored.replace(keyIdParam(oldKey), keyIdParam(newKey));
  assert.equal(await peppered(newKey, oldKey).verify(otherKeyId, "Corr3ct-Horse-Battery"), false, "pointed at another key");
});

test("a hash under a master key no longer listed fails like a wrong password: reported with that key's id, and still one argon2id verify", async () => {
  const stored = await hasher.hash("Corr3ct-Horse-Battery");
  const reported: string[] = [];
  const withoutOld = createPasswordHasher(createSecretBox([newKey]), { onUnlistedKey: (id) => reported.push(id) });
  const answer = withoutOld.verify(stored, "Corr3ct-Horse-Battery");
  // p-limit starts queued work on a microtask: let it settle before looking.
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(argon2Load(), { active: 1, waiting: 0 }, "the verify runs, so the answer takes as long as any other");
  assert.equal(await answer, false);
  assert.deepEqual(reported, [keyIdOf(oldKey)]);
  assert.equal(await withoutOld.verify(await withoutOld.hash("Corr3ct-Horse-Battery"), "Corr3ct-Horse-Battery"), true);
  assert.deepEqual(reported, [keyIdOf(oldKey)], "a hash under a listed key reports nothing");
});

test("hashes made before the pepper, or under an older master key, verify and are re-hashed under the current one", async () => {
  const unpeppered = await createPasswordHasher(null).hash("Corr3ct-Horse-Battery");
  assert.match(unpeppered, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await hasher.verify(unpeppered, "Corr3ct-Horse-Battery"), true);
  assert.equal(await hasher.verify(unpeppered, "wrong"), false);
  assert.equal(hasher.needsRehash(unpeppered), true);

  const rotated = peppered(newKey, oldKey);
  const underOld = await hasher.hash("Corr3ct-Horse-Battery");
  assert.equal(await rotated.verify(underOld, "Corr3ct-Horse-Battery"), true);
  assert.equal(rotated.needsRehash(underOld), true);
  const underNew = await rotated.hash("Corr3ct-Horse-Battery");
  assert.ok(underNew.includes(`,keyid=${keyIdParam(newKey)}$`));
  assert.equal(rotated.needsRehash(underNew), false);
  assert.equal(await hasher.verify(underNew, "Corr3ct-Horse-Battery"), false, "the old key alone cannot check it");
});
