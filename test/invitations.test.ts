import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "./helpers/harness.js";
import { createMember, login, registerOrg, STRONG_PASSWORD } from "./helpers/api.js";
import { auditRows, call, invite, mailsDuring, setPassword, USER_KEYS } from "./helpers/admin.js";

const LOGIN_KEYS = [
  "mfaRequired", "mfaChallengeToken", "mfaChallengeExpiresIn", "passwordExpired", "passwordChangeToken",
  "mfaSetupRequired", "mfaSetupToken", "accessToken", "refreshToken", "expiresIn", "tokenType", "user", "passwordExpiresAt",
];

describeEachDatabase("invitations", (h) => {
  test("POST /users creates the member without a password and mails a single-use link", async () => {
    const org = await registerOrg(h);
    const { result: res, mails } = await mailsDuring(h, () =>
      call(h, org.accessToken, "POST", "/api/v1/users", { email: "new.hire@acme.test", name: "New Hire" }));
    assert.equal(res.statusCode, 201, res.body);
    const user = res.json();
    assert.deepEqual(Object.keys(user), USER_KEYS);
    assert.equal(user.isOrgAdmin, false);
    assert.equal(user.isActive, true);
    assert.equal(user.lastLoginAt, null);
    assert.equal(user.platformRole, "CUSTOMER");
    assert.deepEqual(user.roleNames, []);

    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.to, "new.hire@acme.test");
    const match = /http:\/\/gatehouse\.test\/set-password\?token=([^&\s]+)&org=([a-z0-9-]+)$/m.exec(mails[0]!.text);
    assert.ok(match, mails[0]!.text);
    assert.equal(match[2], org.slug, "the link names the organization, for the console's password checklist");
    assert.ok(mails[0]!.text.includes(`sign in at http://gatehouse.test/sign-in with organization "${org.slug}"`), "the mail says how to sign in once the link is spent");
    const token = decodeURIComponent(match[1]!);

    const db = h.runtime.database.db;
    const row = await db.selectFrom("users").selectAll().where("id", "=", user.id).executeTakeFirstOrThrow();
    assert.equal(row.password_hash, null);
    const invitations = await db.selectFrom("invitations").selectAll().where("user_id", "=", user.id).execute();
    assert.equal(invitations.length, 1);
    assert.notEqual(invitations[0]!.token_hash, token, "stored hashed");
    assert.equal(invitations[0]!.expires_at.getTime() - h.clock.now().getTime(), 7 * 86_400_000);

    // Until they accept, the invitee cannot sign in.
    assert.equal((await login(h, org.slug, "new.hire@acme.test", STRONG_PASSWORD)).statusCode, 401);

    const [audit] = await auditRows(h, org.orgId, "USER_CREATE");
    assert.equal(audit!.actor_email, org.email);
    assert.equal(audit!.resource_id, user.id);
    assert.equal(audit!.result, "SUCCESS");
    assert.deepEqual({ ...(audit!.details as object), invitationExpiresAt: undefined }, {
      email: "new.hire@acme.test", name: "New Hire", isOrgAdmin: false, invitationExpiresAt: undefined,
    });
  });

  test("an email already in the organization is a 400 (EntryGuard: not 409), whatever its case; bad bodies are 400", async () => {
    const org = await registerOrg(h);
    for (const email of [org.email, org.email.toUpperCase()]) {
      const res = await call(h, org.accessToken, "POST", "/api/v1/users", { email });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, "BAD_REQUEST");
      assert.equal(res.json().message, `A user with email ${email} already exists in this organization`);
    }
    const bad: Array<[unknown, string]> = [
      [{}, "email is required"], [{ email: "not-an-email" }, "Invalid email format"], [{ email: "" }, "email must not be blank"],
      [{ email: "a@b.test", role: "admin" }, "role is not a recognized field"], [{ email: "a@b.test", isOrgAdmin: "yes" }, "isOrgAdmin must be a boolean"],
    ];
    for (const [body, message] of bad) {
      const res = await call(h, org.accessToken, "POST", "/api/v1/users", body);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().message, message);
    }
  });

  test("set-password under the organization's policy: a rejected password leaves the link usable", async () => {
    const org = await registerOrg(h);
    await call(h, org.accessToken, "PATCH", "/api/v1/organization/settings", { passwordMinLength: 16, passwordRequireSpecialChar: true });
    const { user, token } = await invite(h, org.accessToken, { email: "carol@acme.test" });

    const weak = await setPassword(h, token, "Short1");
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().error, "PASSWORD_POLICY_VIOLATION");
    const rules = weak.json().details.map((d: { rule: string }) => d.rule);
    assert.ok(rules.includes("MIN_LENGTH") && rules.includes("REQUIRE_SPECIAL_CHAR"), rules.join());
    // The invitee's own email is known to the policy.
    const personal = await setPassword(h, token, "Carol@Acme-Long-Pass-1");
    assert.equal(personal.statusCode, 400);
    assert.ok(personal.json().details.some((d: { rule: string }) => d.rule === "CONTAINS_USER_INFO"), personal.body);

    const res = await setPassword(h, token, "Sixteen-Chars-Ok-1", "Carol C");
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), LOGIN_KEYS);
    assert.equal(body.tokenType, "Bearer");
    assert.equal(body.user.id, user.id);
    assert.equal(body.user.name, "Carol C");
    assert.equal((await call(h, body.accessToken, "GET", "/api/v1/auth/me")).statusCode, 200);
    assert.equal((await login(h, org.slug, "carol@acme.test", "Sixteen-Chars-Ok-1")).statusCode, 200);

    const row = await h.runtime.database.db.selectFrom("users").selectAll().where("id", "=", user.id).executeTakeFirstOrThrow();
    assert.equal(row.password_changed_at?.getTime(), h.clock.now().getTime());
    const [audit] = await auditRows(h, org.orgId, "PASSWORD_CHANGE");
    assert.equal(audit!.actor_email, "carol@acme.test");
    assert.deepEqual(audit!.details, { reason: "INVITATION_ACCEPTED" });

    // Single use.
    const again = await setPassword(h, token, "Sixteen-Chars-Ok-2");
    assert.equal(again.statusCode, 401);
    assert.equal(again.json().error, "UNAUTHORIZED");
  });

  test("when the organization requires MFA, accepting leads straight into enrolment", async () => {
    const org = await registerOrg(h);
    assert.equal((await call(h, org.accessToken, "PATCH", "/api/v1/organization/settings", { mfaRequired: true })).statusCode, 200);
    const { token } = await invite(h, org.accessToken, { email: "dave@acme.test" });
    const res = await setPassword(h, token, STRONG_PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), LOGIN_KEYS);
    assert.equal(body.mfaSetupRequired, true);
    assert.match(body.mfaSetupToken, /^mfa_setup_/);
    assert.equal(body.accessToken, null);
    assert.equal(body.refreshToken, null);
    assert.equal(body.user, null);
    // The setup token is no access token.
    assert.equal((await call(h, body.mfaSetupToken, "GET", "/api/v1/auth/me")).statusCode, 401);
  });

  test("concurrent acceptances of one link: exactly one wins", async () => {
    const org = await registerOrg(h);
    const { token } = await invite(h, org.accessToken, { email: "race@acme.test" });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => setPassword(h, token, `${STRONG_PASSWORD}-${i}`)));
    assert.equal(results.filter((r) => r.statusCode === 200).length, 1);
    assert.ok(results.every((r) => r.statusCode === 200 || r.statusCode === 401));
  });

  test("an expired, unknown or empty token is a 401; expiry is 7 days", async () => {
    const org = await registerOrg(h);
    const { token } = await invite(h, org.accessToken, { email: "late@acme.test" });
    h.clock.advance(7 * 86_400_000 + 1000);
    try {
      assert.equal((await setPassword(h, token, STRONG_PASSWORD)).statusCode, 401);
    } finally {
      h.clock.advance(-(7 * 86_400_000 + 1000));
    }
    assert.equal((await setPassword(h, "ghi_not-a-real-token", STRONG_PASSWORD)).statusCode, 401);
    const empty = await setPassword(h, "", STRONG_PASSWORD);
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().error, "VALIDATION_ERROR");
    // Just inside the window it still works.
    h.clock.advance(7 * 86_400_000 - 1000);
    try {
      assert.equal((await setPassword(h, token, STRONG_PASSWORD)).statusCode, 200);
    } finally {
      h.clock.advance(-(7 * 86_400_000 - 1000));
    }
  });

  test("resend-invitation replaces the link; 400 once accepted; deactivation kills the link for good", async () => {
    const org = await registerOrg(h);
    const { user, token: first } = await invite(h, org.accessToken, { email: "eve@acme.test", isOrgAdmin: true });
    const { result: res, mails } = await mailsDuring(h, () => call(h, org.accessToken, "POST", `/api/v1/users/${user.id}/resend-invitation`));
    assert.equal(res.statusCode, 204);
    assert.equal(mails.length, 1);
    const second = decodeURIComponent(/token=([^&\s]+)/.exec(mails[0]!.text)![1]!);
    assert.notEqual(second, first);
    assert.equal((await setPassword(h, first, STRONG_PASSWORD)).statusCode, 401, "the older link is dead");

    // Deactivated: no resend, and the live link does nothing.
    await call(h, org.accessToken, "PATCH", `/api/v1/users/${user.id}`, { isActive: false });
    assert.equal((await call(h, org.accessToken, "POST", `/api/v1/users/${user.id}/resend-invitation`)).statusCode, 400);
    assert.equal((await setPassword(h, decodeURIComponent(second), STRONG_PASSWORD)).statusCode, 401);
    await call(h, org.accessToken, "PATCH", `/api/v1/users/${user.id}`, { isActive: true });
    // Reactivated, the link mailed before is still dead: only a new one works.
    assert.equal((await setPassword(h, decodeURIComponent(second), STRONG_PASSWORD)).statusCode, 401);
    const { mails: again } = await mailsDuring(h, () => call(h, org.accessToken, "POST", `/api/v1/users/${user.id}/resend-invitation`));
    const third = decodeURIComponent(/token=([^&\s]+)/.exec(again[0]!.text)![1]!);

    const accepted = await setPassword(h, third, STRONG_PASSWORD);
    assert.equal(accepted.statusCode, 200);
    assert.equal(accepted.json().user.isOrgAdmin, true);
    const conflict = await call(h, org.accessToken, "POST", `/api/v1/users/${user.id}/resend-invitation`);
    assert.equal(conflict.statusCode, 400);
    assert.equal(conflict.json().error, "BAD_REQUEST");
    assert.equal(conflict.json().message, "User has already accepted the invitation");
    const member = await createMember(h, org.orgId);
    assert.equal((await call(h, org.accessToken, "POST", `/api/v1/users/${member.id}/resend-invitation`)).statusCode, 400);

    const resent = (await auditRows(h, org.orgId, "USER_UPDATE")).filter((r) => (r.details as { invitation?: string }).invitation === "RESENT");
    assert.equal(resent.length, 2);
  });

  test("re-inviting the EntryGuard way (delete, create again) kills the old link", async () => {
    const org = await registerOrg(h);
    const { user, token: old } = await invite(h, org.accessToken, { email: "frank@acme.test" });
    assert.equal((await call(h, org.accessToken, "DELETE", `/api/v1/users/${user.id}`)).statusCode, 204);
    const { token: fresh } = await invite(h, org.accessToken, { email: "frank@acme.test" });
    assert.equal((await setPassword(h, old, STRONG_PASSWORD)).statusCode, 401);
    assert.equal((await setPassword(h, fresh, STRONG_PASSWORD)).statusCode, 200);
  });

  test("no invitation token or password reaches the audit trail", async () => {
    const org = await registerOrg(h, { password: "Owner-Secret-Pa55-Q" });
    const { token } = await invite(h, org.accessToken, { email: "grace@acme.test" });
    await setPassword(h, token, "weak");
    await setPassword(h, token, "Invitee-Secret-Pa55-Q");
    const dump = JSON.stringify(await h.runtime.database.db.selectFrom("audit_logs").selectAll().execute());
    for (const secret of [token, "Owner-Secret-Pa55-Q", "Invitee-Secret-Pa55-Q", "weak\""]) assert.ok(!dump.includes(secret), secret);
  });
});

// Nothing listens on port 1: every mail fails to leave, as when the mail server is down.
describeEachDatabase("invitations while the mail server is down", (h) => {
  test("inviting and resending answer as usual while no mail can leave; the member waits for a resend", async () => {
    const org = await registerOrg(h);
    const email = `late-${org.slug}@example.test`;
    const { result: res } = await mailsDuring(h, () => call(h, org.accessToken, "POST", "/api/v1/users", { email }));
    assert.equal(res.statusCode, 201, res.body);
    const userId = res.json().id as string;
    const listed = await call(h, org.accessToken, "GET", `/api/v1/users/${userId}`);
    assert.equal(listed.statusCode, 200, "the member exists");
    assert.equal((await auditRows(h, org.orgId, "USER_CREATE")).length, 1);
    const { result: resent } = await mailsDuring(h, () => call(h, org.accessToken, "POST", `/api/v1/users/${userId}/resend-invitation`));
    assert.equal(resent.statusCode, 204, resent.body);
  });

  test("reset links and security notices fail to leave without failing their requests", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const { result: forgot } = await mailsDuring(h, () => call(h, null, "POST", "/api/v1/auth/forgot-password", { organizationSlug: org.slug, email: member.email }));
    assert.equal(forgot.statusCode, 204, forgot.body);
    const { result: adminReset } = await mailsDuring(h, () => call(h, org.accessToken, "POST", `/api/v1/users/${member.id}/reset-password`));
    assert.ok(adminReset.statusCode < 300, adminReset.body);
    const session = (await login(h, org.slug, member.email, member.password)).json();
    const { result: changed } = await mailsDuring(h, () =>
      call(h, session.accessToken, "POST", "/api/v1/auth/change-password", { currentPassword: member.password, newPassword: STRONG_PASSWORD + "-2" }));
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await login(h, org.slug, member.email, STRONG_PASSWORD + "-2")).statusCode, 200, "the change was made");
  });
}, { env: { SMTP_URL: "smtp://127.0.0.1:1" } });
