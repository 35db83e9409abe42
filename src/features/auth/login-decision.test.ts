import { test } from "node:test";
import assert from "node:assert/strict";
import { decideLogin } from "./login-decision.js";

const now = new Date("2026-11-23T10:00:00Z");
const user = { mfa_enabled: false, password_changed_at: new Date("2026-11-01T00:00:00Z"), must_change_password: false };
const org = { mfa_required: false, password_expiration_days: null };

test("a user with nothing pending gets tokens", () => {
  assert.equal(decideLogin(user, org, now, { mfaVerified: false }), "tokens");
});

test("a user with MFA is challenged until the code is verified", () => {
  const u = { ...user, mfa_enabled: true };
  assert.equal(decideLogin(u, org, now, { mfaVerified: false }), "mfa_challenge");
  assert.equal(decideLogin(u, org, now, { mfaVerified: true }), "tokens");
});

test("an expired password is changed after the MFA challenge, not before", () => {
  const o = { ...org, password_expiration_days: 10 };
  const u = { ...user, mfa_enabled: true };
  assert.equal(decideLogin(u, o, now, { mfaVerified: false }), "mfa_challenge");
  assert.equal(decideLogin(u, o, now, { mfaVerified: true }), "password_change");
});

test("expiry counts from the user's own last change and follows the current setting", () => {
  assert.equal(decideLogin(user, { ...org, password_expiration_days: 22 }, now, { mfaVerified: false }), "password_change");
  assert.equal(decideLogin(user, { ...org, password_expiration_days: 23 }, now, { mfaVerified: false }), "tokens");
});

test("an admin-forced change applies even without an expiry setting", () => {
  assert.equal(decideLogin({ ...user, must_change_password: true }, org, now, { mfaVerified: false }), "password_change");
});

test("enforced MFA sends a user without MFA to enrolment, after a password change", () => {
  const o = { mfa_required: true, password_expiration_days: 1 };
  assert.equal(decideLogin(user, o, now, { mfaVerified: false }), "password_change");
  assert.equal(decideLogin({ ...user, password_changed_at: now }, o, now, { mfaVerified: false }), "mfa_setup");
  assert.equal(decideLogin({ ...user, password_changed_at: now, mfa_enabled: true }, o, now, { mfaVerified: true }), "tokens");
});

test("a claimed MFA verification does not skip enrolment for a user without MFA", () => {
  assert.equal(decideLogin(user, { ...org, mfa_required: true }, now, { mfaVerified: true }), "mfa_setup");
});
