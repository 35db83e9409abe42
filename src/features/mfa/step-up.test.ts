import { test } from "node:test";
import assert from "node:assert/strict";
import { hasRecentMfaProof, MFA_PROOF_MAX_AGE_MS } from "./step-up.js";

const now = new Date("2026-01-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);

test("a session that never passed MFA has no recent proof", () => {
  assert.equal(hasRecentMfaProof(null, now), false);
  assert.equal(hasRecentMfaProof(undefined, now), false);
});

test("an MFA sign-in counts for exactly five minutes", () => {
  assert.equal(hasRecentMfaProof(ago(0), now), true);
  assert.equal(hasRecentMfaProof(ago(MFA_PROOF_MAX_AGE_MS), now), true);
  assert.equal(hasRecentMfaProof(ago(MFA_PROOF_MAX_AGE_MS + 1), now), false);
});

test("a proof dated in the future (clock skew between instances) is not trusted", () => {
  assert.equal(hasRecentMfaProof(new Date(now.getTime() + 1000), now), false);
});
