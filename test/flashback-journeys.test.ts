import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg } from "./helpers/api.js";
import { codeNow, enrolTotp, nextStep } from "./helpers/mfa.js";
import { fb, fbEnrol, GOOGLE_AUTH, mfaSignIn } from "./helpers/flashback.js";

const auditOf = (h: Harness, orgId: string, eventType: string) =>
  h.runtime.database.db.selectFrom("audit_logs")
    .select(["event_type", "actor_email", "resource_id", "result", "details"])
    .where("organization_id", "=", orgId).where("event_type", "=", eventType).orderBy("seq").execute();

describeEachDatabase("Flashback and EntryGuard share one MFA state", (h) => {
  test("enrolled through Flashback, a user is challenged at EntryGuard's login; codes and one-time backup codes pass", async () => {
    const org = await registerOrg(h);
    const { secret, backupCodes } = await fbEnrol(h, org.accessToken);
    const step = (await login(h, org.slug, org.email, org.password)).json();
    assert.equal(step.mfaRequired, true);
    assert.equal(step.accessToken, null);
    const byCode = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: step.mfaChallengeToken, code: codeNow(h, secret) } });
    assert.equal(byCode.statusCode, 200, byCode.body);
    assert.equal(byCode.json().user.mfaEnabled, true);
    // The backup codes handed out by /mfa/setup survived verify-setup and work once each.
    const c1 = (await login(h, org.slug, org.email, org.password)).json();
    const byBackup = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c1.mfaChallengeToken, code: backupCodes[0] } });
    assert.equal(byBackup.statusCode, 200, byBackup.body);
    assert.ok(byBackup.json().accessToken);
    const c2 = (await login(h, org.slug, org.email, org.password)).json();
    const reused = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c2.mfaChallengeToken, code: backupCodes[0] } });
    assert.equal(reused.statusCode, 401);
    assert.equal(reused.json().error, "INVALID_MFA_CODE");
  });

  test("backup codes from a setup that was never verified do not work", async () => {
    const org = await registerOrg(h);
    const first = (await fb(h, "POST", "/mfa/setup", org.accessToken, GOOGLE_AUTH)).json().data;
    const { backupCodes } = await fbEnrol(h, org.accessToken);
    assert.notDeepEqual(first.backupCodes, backupCodes, "a new setup replaces the codes");
    const step = (await login(h, org.slug, org.email, org.password)).json();
    const stale = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: step.mfaChallengeToken, code: first.backupCodes[0] } });
    assert.equal(stale.statusCode, 401);
  });

  test("enrolled through EntryGuard, Flashback's status, methods and disable see it; disabling shows in /auth/me", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    assert.equal((await fb(h, "GET", "/mfa/status", org.accessToken)).json().data.primaryMethod, "GOOGLE_AUTH");
    assert.equal((await fb(h, "GET", "/mfa/methods", org.accessToken)).json().data[0].isConfigured, true);
    const off = await fb(h, "POST", "/mfa/disable", org.accessToken, { ...GOOGLE_AUTH, code: codeNow(h, secret) });
    assert.equal(off.statusCode, 200, off.body);
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).json();
    assert.equal(me.mfaEnabled, false);
    assert.ok((await loginTokens(h, org.slug, org.email, org.password)).accessToken, "no challenge any more");
  });

  test("enforcing through EntryGuard's settings shows in /mfa/status, and disable is refused in both dialects", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    const patch = await h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(org.accessToken), payload: { mfaRequired: true } });
    assert.equal(patch.statusCode, 200);
    assert.equal((await fb(h, "GET", "/mfa/status", org.accessToken)).body,
      '{"success":true,"data":{"isEnabled":true,"isRequired":true,"isEnforced":true,"enabledMethods":["GOOGLE_AUTH"],"primaryMethod":"GOOGLE_AUTH"}}');
    const flashback = await fb(h, "POST", "/mfa/disable", org.accessToken, { ...GOOGLE_AUTH, code: codeNow(h, secret) });
    assert.equal(flashback.statusCode, 403);
    assert.equal(flashback.body, '{"success":false,"error":"Cannot disable MFA when enforced by organization"}');
    const entryguard = await h.inject({ method: "POST", url: "/api/v1/mfa/disable", headers: bearer(org.accessToken), payload: { code: codeNow(h, secret) } });
    assert.equal(entryguard.statusCode, 403);
    assert.equal(entryguard.json().error, "FORBIDDEN");
    // A member without MFA sees the policy too.
    const member = await createMember(h, org.orgId);
    const { mfaSetupToken } = (await login(h, org.slug, member.email, member.password)).json();
    assert.ok(mfaSetupToken);
    assert.equal((await fb(h, "GET", "/mfa/status", org.accessToken)).json().data.isEnforced, true);
  });

  test("a member held at enrolment enrols with the mfaSetupToken through /mfa/setup and /mfa/verify-setup and gets tokens", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await fb(h, "POST", "/mfa/organization/enforce", org.accessToken, { enforced: true });
    const { mfaSetupToken } = (await login(h, org.slug, member.email, member.password)).json();
    const setup = await fb(h, "POST", "/mfa/setup", mfaSetupToken, GOOGLE_AUTH);
    assert.equal(setup.statusCode, 200, setup.body);
    const { secret, backupCodes } = setup.json().data;
    const verify = await fb(h, "POST", "/mfa/verify-setup", mfaSetupToken, { ...GOOGLE_AUTH, code: codeNow(h, secret) });
    assert.equal(verify.statusCode, 200, verify.body);
    const body = verify.json();
    assert.deepEqual(Object.keys(body), ["success", "message", "data"]);
    assert.equal(body.success, true);
    assert.equal(body.message, "MFA setup verified and enabled");
    assert.ok(verify.body.startsWith('{"success":true,"message":"MFA setup verified and enabled","data":{"mfaRequired":false,'));
    assert.equal(body.data.mfaSetupRequired, false);
    assert.equal(body.data.tokenType, "Bearer");
    assert.ok(body.data.accessToken);
    assert.ok(body.data.refreshToken);
    assert.equal(body.data.user.id, member.id);
    assert.equal(body.data.user.mfaEnabled, true);
    assert.equal((await fb(h, "GET", "/mfa/status", body.data.accessToken)).body,
      '{"success":true,"data":{"isEnabled":true,"isRequired":true,"isEnforced":true,"enabledMethods":["GOOGLE_AUTH"],"primaryMethod":"GOOGLE_AUTH"}}');
    // The setup token was single use.
    const reuse = await fb(h, "POST", "/mfa/setup", mfaSetupToken, GOOGLE_AUTH);
    assert.equal(reuse.statusCode, 401);
    assert.equal(reuse.body, '{"success":false,"error":"Invalid or expired MFA setup token"}');
    // From now on the member is challenged, and the backup codes from setup work.
    nextStep(h);
    const step = (await login(h, org.slug, member.email, member.password)).json();
    const done = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: step.mfaChallengeToken, code: backupCodes[7] } });
    assert.equal(done.statusCode, 200, done.body);
  });
});

describeEachDatabase("Flashback /mfa/reset: tenant isolation and step-up", (h) => {
  test("another organization's admin gets 404, a member 403 with the page's message, and nothing changes", async () => {
    const org = await registerOrg(h);
    const other = await registerOrg(h);
    const victim = await createMember(h, org.orgId);
    const vt = await loginTokens(h, org.slug, victim.email, victim.password);
    await fbEnrol(h, vt.accessToken);
    const member = await createMember(h, org.orgId);
    const mt = await loginTokens(h, org.slug, member.email, member.password);

    const cross = await fb(h, "POST", "/mfa/reset", other.accessToken, { resetUserId: victim.id });
    assert.equal(cross.statusCode, 404);
    assert.equal(cross.body, '{"success":false,"error":"User not found"}');
    for (const resetUserId of ["00000000-0000-4000-8000-000000000000", "user-id-to-reset", "", "1; DROP TABLE users"]) {
      const res = await fb(h, "POST", "/mfa/reset", org.accessToken, { resetUserId });
      assert.equal(res.statusCode, 404, resetUserId);
      assert.equal(res.body, '{"success":false,"error":"User not found"}', resetUserId);
    }
    const denied = await fb(h, "POST", "/mfa/reset", mt.accessToken, { resetUserId: victim.id });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.body, '{"success":false,"error":"Insufficient permissions. OWNER or ADMINISTRATOR role required to reset another user\'s MFA."}');
    // A non-admin learns nothing about ids elsewhere either.
    const deniedCross = await fb(h, "POST", "/mfa/reset", mt.accessToken, { resetUserId: other.userId });
    assert.equal(deniedCross.statusCode, 403);

    assert.equal((await fb(h, "GET", "/mfa/status", vt.accessToken)).json().data.isEnabled, true, "victim keeps MFA and the session");
    assert.deepEqual(await auditOf(h, org.orgId, "MFA_RESET"), []);
    assert.deepEqual(await auditOf(h, other.orgId, "MFA_RESET"), []);
  });

  test("an admin's own id in resetUserId still needs the step-up of a self-reset", async () => {
    const org = await registerOrg(h);
    await fbEnrol(h, org.accessToken);
    // Enrolling proved the factor in this session; that proof lasts the step-up window only.
    h.clock.advance(5 * 60_000 + 1_000);
    const res = await fb(h, "POST", "/mfa/reset", org.accessToken, { resetUserId: org.userId });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.startsWith("Recent MFA verification required"), true);
    assert.equal((await fb(h, "GET", "/mfa/status", org.accessToken)).json().data.isEnabled, true);
  });

  test("lost authenticator: sign in with a backup code, then self-reset within 5 minutes and re-enrol", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const mt = await loginTokens(h, org.slug, member.email, member.password);
    const before = await loginTokens(h, org.slug, member.email, member.password);
    const { backupCodes } = await fbEnrol(h, mt.accessToken);
    const refused = await h.inject({ method: "POST", url: "/mfa/reset", headers: bearer(before.accessToken) });
    assert.equal(refused.statusCode, 403, "a session from before MFA was on, which did not enrol it, is not a proof");
    const fresh = await mfaSignIn(h, org.slug, member.email, member.password, backupCodes[3]!);
    h.clock.advance(2 * 60_000);
    const ok = await h.inject({ method: "POST", url: "/mfa/reset", headers: bearer(fresh.accessToken) });
    assert.equal(ok.body, '{"success":true,"message":"MFA reset successfully"}');
    const tokens = await loginTokens(h, org.slug, member.email, member.password);
    await fbEnrol(h, tokens.accessToken);
    assert.equal((await fb(h, "GET", "/mfa/status", tokens.accessToken)).json().data.isEnabled, true);
  });

  test("a stolen access token older than 5 minutes cannot strip MFA, even if it once passed MFA", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    const session = await mfaSignIn(h, org.slug, org.email, org.password, codeNow(h, secret));
    h.clock.advance(5 * 60_000 + 1_000);
    for (const [url, payload] of [["/mfa/reset", {}], ["/mfa/disable", GOOGLE_AUTH]] as const) {
      const res = await fb(h, "POST", url, session.accessToken, payload);
      assert.equal(res.statusCode, 403, url);
    }
    assert.equal((await fb(h, "GET", "/mfa/status", session.accessToken)).json().data.isEnabled, true);
  });
});

describeEachDatabase("Flashback MFA routes write the EntryGuard twins' audit rows", (h) => {
  test("verify-setup → MFA_ENABLE, disable → MFA_DISABLE, reset → MFA_RESET, with no secret in details", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const mt = await loginTokens(h, org.slug, member.email, member.password);

    const first = await fbEnrol(h, mt.accessToken);
    const wrong = codeNow(h, first.secret) === "000000" ? "111111" : "000000";
    await fb(h, "POST", "/mfa/disable", mt.accessToken, { ...GOOGLE_AUTH, code: wrong });
    await fb(h, "POST", "/mfa/disable", mt.accessToken, { ...GOOGLE_AUTH, code: codeNow(h, first.secret) });
    nextStep(h);
    const second = await fbEnrol(h, mt.accessToken);
    const fresh = await mfaSignIn(h, org.slug, member.email, member.password, codeNow(h, second.secret));
    nextStep(h);
    await fb(h, "POST", "/mfa/disable", fresh.accessToken, GOOGLE_AUTH);
    const third = await fbEnrol(h, fresh.accessToken);
    assert.equal((await fb(h, "POST", "/mfa/reset", org.accessToken, { resetUserId: member.id })).statusCode, 200);
    const m2 = await loginTokens(h, org.slug, member.email, member.password);
    const fourth = await fbEnrol(h, m2.accessToken);
    const own = await mfaSignIn(h, org.slug, member.email, member.password, codeNow(h, fourth.secret));
    assert.equal((await fb(h, "POST", "/mfa/reset", own.accessToken)).statusCode, 200);

    const enable = await auditOf(h, org.orgId, "MFA_ENABLE");
    assert.equal(enable.length, 4);
    for (const row of enable) {
      assert.equal(row.actor_email, member.email);
      assert.equal(row.resource_id, member.id);
      assert.equal(row.result, "SUCCESS");
      assert.deepEqual(row.details, { method: "TOTP" });
    }
    const disable = await auditOf(h, org.orgId, "MFA_DISABLE");
    assert.deepEqual(disable.map((r) => [r.actor_email, r.result, r.details]), [
      [member.email, "FAILURE", null],
      [member.email, "SUCCESS", { proof: "TOTP" }],
      [member.email, "SUCCESS", { proof: "RECENT_MFA_SIGN_IN" }],
    ]);
    const reset = await auditOf(h, org.orgId, "MFA_RESET");
    assert.deepEqual(reset.map((r) => [r.actor_email, r.resource_id, r.details]), [
      [org.email, member.id, null],
      [member.email, member.id, { self: true, proof: "RECENT_MFA_SIGN_IN" }],
    ]);
    const all = JSON.stringify(await h.runtime.database.db.selectFrom("audit_logs").selectAll().where("organization_id", "=", org.orgId).execute());
    for (const secret of [first.secret, second.secret, third.secret, fourth.secret, ...fourth.backupCodes]) assert.ok(!all.includes(secret));
  });
});
