import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { outbox, type Mail } from "./helpers/admin.js";
import { bearer, createMember, login, loginTokens, registerOrg, uniqueSlug } from "./helpers/api.js";

const NEW_PASSWORD = "Fresh-Quilt-Zebra-42";

async function mailsTo(h: Harness, to: string): Promise<Mail[]> {
  // Mail leaves after the response: wait until what was handed over has left, no wall-clock sleep.
  await h.app.services.mail.drain();
  return outbox(h).filter((m) => m.to === to);
}

/** The token of the mailed link, which also names the organization (for the console's password checklist). */
function resetToken(mail: Mail, slug?: string): string {
  const match = /^http:\/\/gatehouse\.test\/reset-password\?token=([A-Za-z0-9_-]+)&org=([a-z0-9-]+)$/m.exec(mail.text);
  assert.ok(match, `no reset link in: ${mail.text}`);
  if (slug) assert.equal(match[2], slug, "the link names the account's organization");
  return decodeURIComponent(match[1]!);
}

const forgot = (h: Harness, organizationSlug: string, email: string) =>
  h.inject({ method: "POST", url: "/api/v1/auth/forgot-password", payload: { organizationSlug, email } });
const reset = (h: Harness, token: string, password: string) =>
  h.inject({ method: "POST", url: "/api/v1/auth/reset-password", payload: { token, password } });
const adminReset = (h: Harness, accessToken: string, id: string) =>
  h.inject({ method: "POST", url: `/api/v1/users/${id}/reset-password`, headers: bearer(accessToken) });
const me = (h: Harness, token: string) => h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(token) });

/** Requests a reset for a member and returns the mailed token. */
async function requestReset(h: Harness, slug: string, email: string): Promise<string> {
  const res = await forgot(h, slug, email);
  assert.equal(res.statusCode, 204);
  const mails = await mailsTo(h, email);
  assert.ok(mails.length > 0, "a mail was written to the outbox");
  return resetToken(mails.at(-1)!);
}

describeEachDatabase("forgot and reset password", (h) => {
  test("forgot-password mails a one-hour link; reset sets the password, ends every session and signs in", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);

    const res = await forgot(h, org.slug, member.email.toUpperCase());
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, "");
    const [mail] = await mailsTo(h, member.email);
    assert.ok(mail);
    assert.match(mail.subject, /Reset your .* password/);
    assert.match(mail.text, /within the next hour/);
    const token = resetToken(mail, org.slug);
    assert.match(token, /^pwd_reset_/);

    const done = await reset(h, token, NEW_PASSWORD);
    assert.equal(done.statusCode, 200, done.body);
    const body = done.json();
    assert.equal(body.mfaRequired, false);
    assert.equal(body.passwordExpired, false);
    assert.ok(body.accessToken);
    assert.equal(body.user.id, member.id);
    assert.equal((await me(h, body.accessToken)).statusCode, 200);

    assert.equal((await me(h, session.accessToken)).statusCode, 401, "earlier sessions end at once");
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: session.refreshToken } })).statusCode, 401);
    assert.equal((await login(h, org.slug, member.email, member.password)).statusCode, 401);
    await loginTokens(h, org.slug, member.email, NEW_PASSWORD);

    const again = await reset(h, token, "Another-Fresh-Pass-9");
    assert.equal(again.statusCode, 401, "the link is single-use");
    assert.equal(again.json().error, "UNAUTHORIZED");

    const db = h.runtime.database.db;
    const audit = await db.selectFrom("audit_logs").selectAll().where("organization_id", "=", org.orgId).where("event_type", "=", "PASSWORD_RESET").execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.resource_id, member.id);
    const dump = JSON.stringify(await db.selectFrom("audit_logs").selectAll().execute());
    assert.ok(!dump.includes(token) && !dump.includes(NEW_PASSWORD), "neither token nor password in the audit trail");
    const stored = await db.selectFrom("password_resets").select("token_hash").where("user_id", "=", member.id).execute();
    assert.ok(stored.every((r) => r.token_hash !== token), "the token is stored hashed");
  });

  test("unknown email, unknown organization and a known account get the same answer; only the known one gets mail", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const before = outbox(h).length;
    const answers = [
      await forgot(h, org.slug, member.email),
      await forgot(h, org.slug, `nobody-${uniqueSlug()}@example.test`),
      await forgot(h, uniqueSlug("missing"), member.email),
    ];
    await h.app.services.mail.drain();
    for (const res of answers) {
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, "");
      assert.deepEqual(Object.keys(res.headers).sort(), Object.keys(answers[0]!.headers).sort());
    }
    const sent = outbox(h).slice(before);
    assert.deepEqual(sent.map((m) => m.to), [member.email]);
  });

  test("reset-password applies the organization's policy and the token survives a refused password", async () => {
    const org = await registerOrg(h);
    await h.inject({
      method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(org.accessToken),
      payload: { passwordMinLength: 12, passwordRequireSpecialChar: true },
    });
    const member = await createMember(h, org.orgId, { password: "Old-Pass-word-1" });
    const token = await requestReset(h, org.slug, member.email);
    const rules = async (password: string) => {
      const res = await reset(h, token, password);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error, "PASSWORD_POLICY_VIOLATION");
      return res.json().details.map((d: { rule: string }) => d.rule);
    };
    assert.deepEqual(await rules("zqxwvb"), ["MIN_LENGTH", "REQUIRE_UPPERCASE", "REQUIRE_DIGIT", "REQUIRE_SPECIAL_CHAR"]);
    assert.deepEqual(await rules("P@ssw0rd"), ["MIN_LENGTH", "COMMON_PASSWORD"]);
    assert.deepEqual(await rules(`Z9-${member.email}`), ["CONTAINS_USER_INFO"]);
    assert.deepEqual(await rules(member.password), ["REUSED_PASSWORD"]);
    assert.ok((await login(h, org.slug, member.email, member.password)).json().accessToken, "nothing changed");
    assert.ok((await reset(h, token, NEW_PASSWORD)).json().accessToken);
  });

  test("a user with MFA gets a challenge after a reset, not tokens", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await h.runtime.database.db.updateTable("users").set({ mfa_enabled: true }).where("id", "=", member.id).execute();
    const token = await requestReset(h, org.slug, member.email);
    const res = await reset(h, token, NEW_PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.mfaRequired, true);
    assert.match(body.mfaChallengeToken, /^mfa_challenge_/);
    assert.equal(body.accessToken, null);
    assert.equal(body.user, null);
  });

  test("a reset also clears an admin-forced change", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await h.inject({ method: "POST", url: `/api/v1/users/${member.id}/expire-password`, headers: bearer(org.accessToken) });
    const token = await requestReset(h, org.slug, member.email);
    const body = (await reset(h, token, NEW_PASSWORD)).json();
    assert.equal(body.passwordExpired, false);
    assert.ok(body.accessToken);
  });

  test("a link expires after one hour", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const token = await requestReset(h, org.slug, member.email);
    h.clock.advance(3_600_001);
    try {
      const res = await reset(h, token, NEW_PASSWORD);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error, "UNAUTHORIZED");
    } finally {
      h.clock.advance(-3_600_001);
    }
    assert.ok((await login(h, org.slug, member.email, member.password)).json().accessToken);
  });

  test("a password change makes every earlier link useless", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const first = await requestReset(h, org.slug, member.email);
    const second = await requestReset(h, org.slug, member.email);
    assert.notEqual(first, second);
    assert.equal((await reset(h, second, NEW_PASSWORD)).statusCode, 200);
    assert.equal((await reset(h, first, "Another-Fresh-Pass-9")).statusCode, 401);
    const third = await requestReset(h, org.slug, member.email);
    const session = await loginTokens(h, org.slug, member.email, NEW_PASSWORD);
    const change = await h.inject({
      method: "POST", url: "/api/v1/auth/change-password", headers: bearer(session.accessToken),
      payload: { currentPassword: NEW_PASSWORD, newPassword: "Another-Fresh-Pass-9" },
    });
    assert.equal(change.statusCode, 200);
    assert.equal((await reset(h, third, "Yet-Another-Pass-77")).statusCode, 401);
  });

  test("concurrent resets with one token: exactly one wins", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const token = await requestReset(h, org.slug, member.email);
    const results = await Promise.all(["Race-Winner-Pass-1", "Race-Winner-Pass-2", "Race-Winner-Pass-3"].map((p) => reset(h, token, p)));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401, 401]);
  });

  test("a deactivated user gets no mail and cannot use an earlier link, not even once reactivated", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const token = await requestReset(h, org.slug, member.email);
    const patch = (isActive: boolean) =>
      h.inject({ method: "PATCH", url: `/api/v1/users/${member.id}`, headers: bearer(org.accessToken), payload: { isActive } });
    assert.equal((await patch(false)).statusCode, 200);
    assert.equal((await reset(h, token, NEW_PASSWORD)).statusCode, 401);
    // An admin may deactivate because the mailbox was taken over: the link stays dead after reactivation.
    assert.equal((await patch(true)).statusCode, 200);
    assert.equal((await reset(h, token, NEW_PASSWORD)).statusCode, 401);
    assert.ok((await loginTokens(h, org.slug, member.email, member.password)).accessToken, "the old password still works");
    assert.equal((await patch(false)).statusCode, 200);
    const count = (await mailsTo(h, member.email)).length;
    assert.equal((await forgot(h, org.slug, member.email)).statusCode, 204);
    assert.equal((await mailsTo(h, member.email)).length, count);
  });

  test("bad input is a 400 with the contract's body, an unknown token a 401", async () => {
    const malformed = await forgot(h, "acme", "not-an-email");
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().validationErrors.email, "must be a valid email address");
    const missing = await h.inject({ method: "POST", url: "/api/v1/auth/reset-password", payload: { password: NEW_PASSWORD } });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().validationErrors.token, "is required");
    const extra = await h.inject({ method: "POST", url: "/api/v1/auth/forgot-password", payload: { organizationSlug: "acme", email: "a@b.test", admin: true } });
    assert.equal(extra.statusCode, 400);
    const unknown = await reset(h, "pwd_reset_nonsense", NEW_PASSWORD);
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().error, "UNAUTHORIZED");
  });
});

describeEachDatabase("admin reset-password", (h) => {
  test("an admin mails a member the same single-use link (204, audited)", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const res = await adminReset(h, org.accessToken, member.id);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, "");
    const [mail] = await mailsTo(h, member.email);
    assert.ok(mail);
    assert.match(mail.text, /An administrator of/);
    const done = await reset(h, resetToken(mail), NEW_PASSWORD);
    assert.ok(done.json().accessToken);
    const audit = await h.runtime.database.db.selectFrom("audit_logs").selectAll()
      .where("organization_id", "=", org.orgId).where("event_type", "=", "PASSWORD_RESET").orderBy("seq").execute();
    assert.deepEqual(audit.map((a) => [a.actor_email, (a.details as { stage: string }).stage]), [[org.email, "LINK_SENT"], [member.email, "COMPLETED"]]);
  });

  test("a member cannot send reset links (403)", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);
    const res = await adminReset(h, session.accessToken, org.userId);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, "FORBIDDEN");
    assert.equal((await mailsTo(h, org.email)).length, 0);
  });

  test("an admin of another organization gets 404 and no mail goes out", async () => {
    const a = await registerOrg(h);
    const b = await registerOrg(h);
    const victim = await createMember(h, a.orgId);
    for (const id of [victim.id, a.userId, "00000000-0000-4000-8000-000000000000"]) {
      const res = await adminReset(h, b.accessToken, id);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error, "NOT_FOUND");
    }
    assert.equal((await mailsTo(h, victim.email)).length, 0);
    assert.equal((await mailsTo(h, a.email)).length, 0);
    assert.equal((await adminReset(h, b.accessToken, "not-a-uuid")).statusCode, 400);
    assert.equal((await h.inject({ method: "POST", url: `/api/v1/users/${victim.id}/reset-password` })).statusCode, 401);
  });

  test("a deactivated user cannot be sent a link (400)", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await h.runtime.database.db.updateTable("users").set({ is_active: false }).where("id", "=", member.id).execute();
    const res = await adminReset(h, org.accessToken, member.id);
    assert.equal(res.statusCode, 400);
    assert.equal((await mailsTo(h, member.email)).length, 0);
  });

  test("three reset mails an hour per account: a fourth request answers the same 204 and mails nothing; the limit ends by itself", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await forgot(h, org.slug, i % 2 ? member.email.toUpperCase() : member.email));
    for (const res of answers) {
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, "");
    }
    assert.equal((await mailsTo(h, member.email)).length, 3, "the fourth request is silently not mailed");
    h.clock.advance(16 * 60_000);
    assert.equal((await forgot(h, org.slug, member.email)).statusCode, 204);
    assert.equal((await mailsTo(h, member.email)).length, 4, "after the lock a link is mailed again");
  });
});
