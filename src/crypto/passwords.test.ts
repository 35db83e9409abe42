import { test } from "node:test";
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { ARGON2_SLOTS, argon2Load, hashPassword, needsRehash, verifyPassword } from "./passwords.js";

test("an argon2id hash with the current parameters verifies and needs no rehash", async () => {
  const stored = await hashPassword("Corr3ct-Horse-Battery");
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
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
  const stored = await hashPassword("Corr3ct-Horse-Battery");
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
