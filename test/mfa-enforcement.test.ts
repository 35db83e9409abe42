import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg } from "./helpers/api.js";
import { codeNow, enrolTotp, nextStep } from "./helpers/mfa.js";

describeEachDatabase("organization-wide MFA enforcement", (h) => {
  const enforce = (token: string, on = true) =>
    h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(token), payload: { mfaRequired: on } });
  const refresh = (refreshToken: string) => h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });

  test("enforce on → a member without MFA gets only a setup token → enrols with it → tokens", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    assert.equal((await enforce(org.accessToken)).statusCode, 200);
    const res = await login(h, org.slug, member.email, member.password);
    assert.equal(res.statusCode, 200);
    const step = res.json();
    assert.equal(step.mfaSetupRequired, true);
    assert.match(step.mfaSetupToken, /^mfa_setup_/);
    assert.equal(step.accessToken, null);
    assert.equal(step.refreshToken, null);
    assert.equal(step.mfaRequired, false);

    const enrolled = await enrolTotp(h, step.mfaSetupToken);
    assert.equal(enrolled.recoveryCodes.length, 8);
    assert.ok(enrolled.accessToken, "confirming with a setup token completes the sign-in");
    assert.ok(enrolled.refreshToken);
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(enrolled.accessToken!) })).json();
    assert.equal(me.mfaEnabled, true);
    assert.equal(me.organizationMfaRequired, true);

    // The setup token was single-use.
    const reuse = await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(step.mfaSetupToken) });
    assert.equal(reuse.statusCode, 401);
    // From now on the member is challenged.
    const next = (await login(h, org.slug, member.email, member.password)).json();
    assert.equal(next.mfaRequired, true);
    const done = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: next.mfaChallengeToken, code: codeNow(h, enrolled.secret) } });
    assert.ok(done.json().accessToken);
  });

  test("the setup token is refused by every route but MFA setup", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId, { isOrgAdmin: true });
    await enforce(org.accessToken);
    const { mfaSetupToken } = (await login(h, org.slug, member.email, member.password)).json();
    const refused = [
      { method: "GET", url: "/api/v1/auth/me" },
      { method: "GET", url: "/api/v1/organization/settings" },
      { method: "PATCH", url: "/api/v1/organization/settings", payload: { mfaRequired: false } },
      { method: "POST", url: "/api/v1/mfa/disable", payload: { code: "123456" } },
      { method: "POST", url: "/api/v1/mfa/recovery-codes/regenerate" },
      { method: "POST", url: "/mfa/organization/enforce", payload: { enforced: false } },
      { method: "POST", url: `/api/v1/users/${org.userId}/reset-mfa` },
    ] as const;
    for (const r of refused) {
      const res = await h.inject({ ...r, headers: bearer(mfaSetupToken) } as never);
      assert.equal(res.statusCode, 401, `${r.method} ${r.url} → ${res.statusCode}`);
    }
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(mfaSetupToken) })).statusCode, 200);
    const settings = (await h.inject({ method: "GET", url: "/api/v1/organization/settings", headers: bearer(org.accessToken) })).json();
    assert.equal(settings.mfaRequired, true);
  });

  test("an expired setup token is refused", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await enforce(org.accessToken);
    const { mfaSetupToken } = (await login(h, org.slug, member.email, member.password)).json();
    h.clock.advance(901_000);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(mfaSetupToken) })).statusCode, 401);
  });

  test("a setup token dies after 5 wrong codes, in either dialect; a signed-in enrolment is not cut short", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await enforce(org.accessToken);
    const wrong = (i: number) => `00000${i}`;
    for (const dialect of ["entryguard", "flashback"] as const) {
      const { mfaSetupToken } = (await login(h, org.slug, member.email, member.password)).json();
      const headers = bearer(mfaSetupToken);
      const { secret } = (await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers })).json();
      const confirm = (code: string) =>
        dialect === "entryguard"
          ? h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers, payload: { code } })
          : h.inject({ method: "POST", url: "/mfa/verify-setup", headers, payload: { mfaType: "GOOGLE_AUTH", code } });
      for (let i = 0; i < 5; i++) assert.equal((await confirm(wrong(i))).statusCode, 400, dialect);
      const dead = await confirm(codeNow(h, secret));
      assert.equal(dead.statusCode, 401, `${dialect}: ${dead.body}`);
      assert.match(dead.body, /Invalid or expired MFA setup token/);
    }
    assert.equal((await h.inject({ method: "GET", url: `/api/v1/users/${member.id}`, headers: bearer(org.accessToken) })).json().mfaEnabled, false);

    // A signed-in user holds the secret already: wrong codes leave their enrolment open.
    const admin = org.accessToken;
    const { secret } = (await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(admin) })).json();
    for (let i = 0; i < 6; i++) {
      const res = await h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(admin), payload: { code: wrong(i) } });
      assert.equal(res.statusCode, 400);
    }
    const ok = await h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(admin), payload: { code: codeNow(h, secret) } });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test("turning enforcement on: a session without MFA lasts until its next refresh, which ends it; one with MFA goes on", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const enrolled = await createMember(h, org.orgId);
    const tokens = await loginTokens(h, org.slug, member.email, member.password);
    const withMfa = await loginTokens(h, org.slug, enrolled.email, enrolled.password);
    await enrolTotp(h, withMfa.accessToken);
    await enforce(org.accessToken);
    // The access token already issued works until it expires (at most ACCESS_TOKEN_TTL).
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(tokens.accessToken) })).statusCode, 200);

    const refused = await refresh(tokens.refreshToken);
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().error, "UNAUTHORIZED");
    assert.equal(refused.json().message, "Your organization requires MFA: sign in again to set it up");
    assert.ok(!refused.body.includes("ghr_"), "no new refresh token");
    // The session is over: its access token and a retry of the refresh are refused too.
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(tokens.accessToken) })).statusCode, 401);
    assert.equal((await refresh(tokens.refreshToken)).statusCode, 401);
    const audit = await h.runtime.database.db.selectFrom("audit_logs").selectAll()
      .where("organization_id", "=", org.orgId).where("event_type", "=", "SESSION_REVOKE").execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_type, "SYSTEM");
    assert.equal(audit[0]!.resource_name, member.email);
    assert.deepEqual(audit[0]!.details, { reason: "mfa_setup_required", userId: member.id });
    // The sign-in that follows leads to enrolment.
    assert.equal((await login(h, org.slug, member.email, member.password)).json().mfaSetupRequired, true);

    // A member who has MFA keeps refreshing.
    const ok = await refresh(withMfa.refreshToken);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.ok(ok.json().accessToken);
  });

  test("a user with MFA is challenged, not sent to enrolment, and turning enforcement off stops enrolment", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await enforce(org.accessToken);
    assert.equal((await login(h, org.slug, member.email, member.password)).json().mfaSetupRequired, true);
    await enforce(org.accessToken, false);
    assert.ok((await login(h, org.slug, member.email, member.password)).json().accessToken);
  });
});

describeEachDatabase("admin MFA reset", (h) => {
  test("an admin resets a member's MFA: factors removed, sessions revoked, enrolment at next sign-in", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const tokens = await loginTokens(h, org.slug, member.email, member.password);
    const { secret } = await enrolTotp(h, tokens.accessToken);
    await h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(org.accessToken), payload: { mfaRequired: true } });
    const res = await h.inject({ method: "POST", url: `/api/v1/users/${member.id}/reset-mfa`, headers: bearer(org.accessToken) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, JSON.stringify({ message: "MFA reset successfully" }));
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(tokens.accessToken) })).statusCode, 401);
    const next = (await login(h, org.slug, member.email, member.password)).json();
    assert.equal(next.mfaSetupRequired, true);
    assert.equal(next.mfaRequired, false);
    const row = await h.runtime.database.db.selectFrom("mfa_totp").selectAll().where("user_id", "=", member.id).executeTakeFirst();
    assert.equal(row, undefined);
    const audit = await h.runtime.database.db.selectFrom("audit_logs").selectAll().where("event_type", "=", "MFA_RESET").where("resource_id", "=", member.id).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_email, org.email);
    assert.ok(!JSON.stringify(audit).includes(secret));
  });

  test("an admin resetting their own MFA takes the self-reset's step-up: a password-only session gets 403", async () => {
    const org = await registerOrg(h);
    const other = await loginTokens(h, org.slug, org.email, org.password);
    const { secret } = await enrolTotp(h, org.accessToken);
    const resetOwn = (token: string) => h.inject({ method: "POST", url: `/api/v1/users/${org.userId}/reset-mfa`, headers: bearer(token) });
    const refused = await resetOwn(other.accessToken);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.match(refused.json().message, /^Recent MFA verification required/);
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(other.accessToken) })).json().mfaEnabled, true);
    // Signed in with MFA just now, the admin may.
    const c = (await login(h, org.slug, org.email, org.password)).json();
    const fresh = (await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: codeNow(h, secret) } })).json();
    const ok = await resetOwn(fresh.accessToken);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.body, '{"message":"MFA reset successfully"}');
  });

  test("resetting a user without MFA is a 400 with EntryGuard's message", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const res = await h.inject({ method: "POST", url: `/api/v1/users/${member.id}/reset-mfa`, headers: bearer(org.accessToken) });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().message, "MFA is not enabled for this user");
  });

  test("another organization's admin gets 404 and changes nothing; a member gets 403", async () => {
    const a = await registerOrg(h);
    const b = await registerOrg(h);
    const victim = await createMember(h, a.orgId);
    const vt = await loginTokens(h, a.slug, victim.email, victim.password);
    await enrolTotp(h, vt.accessToken);
    const cross = await h.inject({ method: "POST", url: `/api/v1/users/${victim.id}/reset-mfa`, headers: bearer(b.accessToken) });
    assert.equal(cross.statusCode, 404);
    assert.equal(cross.json().message, `User not found with id: ${victim.id}`);
    const peer = await createMember(h, a.orgId);
    const pt = await loginTokens(h, a.slug, peer.email, peer.password);
    const byMember = await h.inject({ method: "POST", url: `/api/v1/users/${victim.id}/reset-mfa`, headers: bearer(pt.accessToken) });
    assert.equal(byMember.statusCode, 403);
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(vt.accessToken) })).json();
    assert.equal(me.mfaEnabled, true);
  });

  test("a malformed user id is a 400, not a 500", async () => {
    const org = await registerOrg(h);
    const res = await h.inject({ method: "POST", url: "/api/v1/users/not-a-uuid/reset-mfa", headers: bearer(org.accessToken) });
    assert.equal(res.statusCode, 400);
  });
});
