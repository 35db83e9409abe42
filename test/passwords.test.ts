import { test } from "node:test";
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { createPasswordHasher } from "../src/crypto/passwords.js";
import { createSecretBox, generateMasterKey } from "../src/crypto/secretbox.js";
import type { LightMyRequestResponse } from "fastify";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg, STRONG_PASSWORD, uniqueSlug } from "./helpers/api.js";

const DAY = 86_400_000;
const SEED_POLICY = { passwordMinLength: 12, passwordRequireUppercase: true, passwordRequireLowercase: true, passwordRequireDigit: true, passwordRequireSpecialChar: true };
const NEW_PASSWORD = "Fresh-Quilt-Zebra-42";

const rulesOf = (res: LightMyRequestResponse) => {
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error, "PASSWORD_POLICY_VIOLATION");
  return (res.json().details as { rule: string; message: string }[]).map((d) => d.rule);
};

const settings = (h: Harness, token: string, payload: object) =>
  h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(token), payload });

const changePassword = (h: Harness, token: string, currentPassword: string, newPassword: string) =>
  h.inject({ method: "POST", url: "/api/v1/auth/change-password", headers: bearer(token), payload: { currentPassword, newPassword } });

const changeExpired = (h: Harness, passwordChangeToken: string, newPassword: string) =>
  h.inject({ method: "POST", url: "/api/v1/auth/change-expired-password", payload: { passwordChangeToken, newPassword } });

const me = (h: Harness, token: string) => h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(token) });
const refresh = (h: Harness, refreshToken: string) => h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });

/** Moves the suite's clock and always moves it back, so later tests see the present. */
async function later<T>(h: Harness, ms: number, body: () => Promise<T>): Promise<T> {
  h.clock.advance(ms);
  try {
    return await body();
  } finally {
    h.clock.advance(-ms);
  }
}

describeEachDatabase("password policy on every route that sets a password", (h) => {
  test("the public policy endpoint answers the organization's rules without authentication", async () => {
    const org = await registerOrg(h);
    const before = await h.inject({ method: "GET", url: `/api/v1/organizations/${org.slug}/password-policy` });
    assert.equal(before.statusCode, 200);
    assert.deepEqual(before.json(), {
      minLength: 8, maxLength: 128, requireUppercase: true, requireLowercase: true, requireDigit: true, requireSpecialChar: false, expirationDays: null,
    });
    assert.equal((await settings(h, org.accessToken, { ...SEED_POLICY, passwordExpirationDays: 90 })).statusCode, 200);
    const after = await h.inject({ method: "GET", url: `/api/v1/organizations/${org.slug.toUpperCase()}/password-policy` });
    assert.deepEqual(after.json(), {
      minLength: 12, maxLength: 128, requireUppercase: true, requireLowercase: true, requireDigit: true, requireSpecialChar: true, expirationDays: 90,
    });
    const missing = await h.inject({ method: "GET", url: `/api/v1/organizations/${uniqueSlug("missing")}/password-policy` });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, "NOT_FOUND");
  });

  test("register refuses a common password and one holding the email name or slug, and creates nothing", async () => {
    const slug = uniqueSlug("reg");
    const register = (email: string, password: string) =>
      h.inject({ method: "POST", url: "/api/v1/auth/register", payload: { organizationName: "Reg", organizationSlug: slug, email, password } });
    assert.deepEqual(rulesOf(await register("someone@reg.test", "Password1")), ["COMMON_PASSWORD"]);
    assert.deepEqual(rulesOf(await register("zebra.quilt@reg.test", "My-Zebra.Quilt-7")), ["CONTAINS_USER_INFO"]);
    assert.deepEqual(rulesOf(await register("someone@reg.test", `Xx9-${slug}`)), ["CONTAINS_USER_INFO"]);
    assert.deepEqual(rulesOf(await register("someone@reg.test", "zqxwvb")), ["MIN_LENGTH", "REQUIRE_UPPERCASE", "REQUIRE_DIGIT"]);
    // Nothing was created: the slug is still free.
    assert.equal((await register("someone@reg.test", STRONG_PASSWORD)).statusCode, 201);
  });

  test("change-password reports one detail per broken rule of the organization's policy and changes nothing", async () => {
    const org = await registerOrg(h);
    assert.equal((await settings(h, org.accessToken, SEED_POLICY)).statusCode, 200);
    const res = await changePassword(h, org.accessToken, org.password, "zqxwvb");
    const body = res.json();
    assert.deepEqual(rulesOf(res), ["MIN_LENGTH", "REQUIRE_UPPERCASE", "REQUIRE_DIGIT", "REQUIRE_SPECIAL_CHAR"]);
    assert.equal(body.message, "Password does not meet policy requirements");
    assert.equal(body.path, "/api/v1/auth/change-password");
    assert.ok(body.details.every((d: { message: string }) => typeof d.message === "string" && d.message.length > 0));
    assert.deepEqual(rulesOf(await changePassword(h, org.accessToken, org.password, "P@ssw0rd")), ["MIN_LENGTH", "COMMON_PASSWORD"]);
    assert.deepEqual(rulesOf(await changePassword(h, org.accessToken, org.password, `${org.email}-X1`)), ["CONTAINS_USER_INFO"]);
    assert.equal((await me(h, org.accessToken)).statusCode, 200, "a refused change ends no session");
    await loginTokens(h, org.slug, org.email, org.password);
  });

  test("the new password may not be the current one (REUSED_PASSWORD)", async () => {
    const org = await registerOrg(h);
    const res = await changePassword(h, org.accessToken, org.password, org.password);
    assert.deepEqual(rulesOf(res), ["REUSED_PASSWORD"]);
  });

  test("a wrong current password is a 401 and is audited as a failure", async () => {
    const org = await registerOrg(h);
    const res = await changePassword(h, org.accessToken, "Not-The-Password-1", NEW_PASSWORD);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error, "INVALID_CREDENTIALS");
    assert.equal((await login(h, org.slug, org.email, NEW_PASSWORD)).statusCode, 401);
    const failure = await h.runtime.database.db.selectFrom("audit_logs").selectAll()
      .where("organization_id", "=", org.orgId).where("event_type", "=", "PASSWORD_CHANGE").executeTakeFirst();
    assert.equal(failure?.result, "FAILURE");
  });

  test("a successful change answers {}, ends the other sessions at once and keeps this one", async () => {
    const org = await registerOrg(h);
    const other = await loginTokens(h, org.slug, org.email, org.password);
    assert.equal((await me(h, other.accessToken)).statusCode, 200);
    const res = await changePassword(h, org.accessToken, org.password, NEW_PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.body, "{}");
    assert.equal((await me(h, other.accessToken)).statusCode, 401, "the other session's access token dies at once");
    assert.equal((await refresh(h, other.refreshToken)).statusCode, 401);
    assert.equal((await me(h, org.accessToken)).statusCode, 200, "the session that changed it goes on");
    assert.equal((await refresh(h, org.refreshToken)).statusCode, 200);
    assert.equal((await login(h, org.slug, org.email, org.password)).statusCode, 401);
    await loginTokens(h, org.slug, org.email, NEW_PASSWORD);

    const db = h.runtime.database.db;
    const user = await db.selectFrom("users").selectAll().where("id", "=", org.userId).executeTakeFirstOrThrow();
    assert.equal(user.password_changed_at?.getTime(), h.clock.now().getTime());
    const rows = await db.selectFrom("audit_logs").selectAll().where("organization_id", "=", org.orgId).where("event_type", "=", "PASSWORD_CHANGE").execute();
    assert.deepEqual(rows.map((r) => r.result), ["SUCCESS"]);
    assert.deepEqual(rows[0]!.details, { sessionsRevoked: 1 });
    const dump = JSON.stringify(await db.selectFrom("audit_logs").selectAll().execute());
    assert.ok(!dump.includes(NEW_PASSWORD) && !dump.includes(org.password), "no password in the audit trail");
  });

  test("change-password needs a signed-in user and a well-formed body", async () => {
    const org = await registerOrg(h);
    const anonymous = await h.inject({ method: "POST", url: "/api/v1/auth/change-password", payload: { currentPassword: "a", newPassword: "b" } });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error, "UNAUTHORIZED");
    const missing = await h.inject({ method: "POST", url: "/api/v1/auth/change-password", headers: bearer(org.accessToken), payload: { newPassword: NEW_PASSWORD } });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().validationErrors.currentPassword, "is required");
    const extra = await h.inject({
      method: "POST", url: "/api/v1/auth/change-password", headers: bearer(org.accessToken),
      payload: { currentPassword: org.password, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD },
    });
    assert.equal(extra.statusCode, 400);
    assert.equal(extra.json().error, "VALIDATION_ERROR");
    const wrongType = await h.inject({ method: "POST", url: "/api/v1/auth/change-password", headers: bearer(org.accessToken), payload: { currentPassword: 1, newPassword: null } });
    assert.equal(wrongType.statusCode, 400);
    await loginTokens(h, org.slug, org.email, org.password);
  });

  test("a stricter policy does not re-validate existing passwords", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId, { password: "Short-Pw1" });
    assert.equal((await settings(h, org.accessToken, { ...SEED_POLICY, passwordMinLength: 20 })).statusCode, 200);
    const res = (await login(h, org.slug, member.email, member.password)).json();
    assert.ok(res.accessToken);
    assert.equal(res.passwordExpired, false);
  });
});

describeEachDatabase("password expiry", (h) => {
  test("a password expires passwordExpirationDays after the user's own last change", async () => {
    const org = await registerOrg(h);
    assert.equal((await settings(h, org.accessToken, { passwordExpirationDays: 30 })).statusCode, 200);
    const member = await createMember(h, org.orgId);
    await later(h, 30 * DAY - 1000, async () => {
      const res = (await login(h, org.slug, member.email, member.password)).json();
      assert.ok(res.accessToken, "still valid a second before");
    });
    await later(h, 30 * DAY, async () => {
      const res = await login(h, org.slug, member.email, member.password);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.passwordExpired, true);
      assert.match(body.passwordChangeToken, /^pwd_change_/);
      for (const key of ["accessToken", "refreshToken", "expiresIn", "tokenType", "user", "mfaChallengeToken", "mfaSetupToken"]) {
        assert.equal(body[key], null, key);
      }
    });
  });

  test("a session outlives its password only until its next refresh, which ends it", async () => {
    const org = await registerOrg(h);
    assert.equal((await settings(h, org.accessToken, { passwordExpirationDays: 30 })).statusCode, 200);
    const member = await createMember(h, org.orgId);
    await later(h, 30 * DAY - 1000, async () => {
      const tokens = await loginTokens(h, org.slug, member.email, member.password);
      const renewed = await refresh(h, tokens.refreshToken);
      assert.equal(renewed.statusCode, 200, "a second before expiry the session renews");
      await later(h, 2000, async () => {
        const res = await refresh(h, renewed.json().refreshToken);
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().message, "Your password has expired: sign in again to change it");
        assert.equal((await me(h, renewed.json().accessToken)).statusCode, 401, "the session is over");
        assert.equal((await login(h, org.slug, member.email, member.password)).json().passwordExpired, true);
      });
    });
  });

  test("the login response warns with passwordExpiresAt only within 14 days of expiry", async () => {
    const org = await registerOrg(h);
    assert.equal((await settings(h, org.accessToken, { passwordExpirationDays: 30 })).statusCode, 200);
    const member = await createMember(h, org.orgId);
    const expiresAt = new Date(h.clock.now().getTime() + 30 * DAY).toISOString();
    assert.equal((await loginTokens(h, org.slug, member.email, member.password) as { passwordExpiresAt?: string }).passwordExpiresAt, null);
    await later(h, 15 * DAY, async () => {
      assert.equal((await login(h, org.slug, member.email, member.password)).json().passwordExpiresAt, null, "16 days left");
    });
    await later(h, 17 * DAY, async () => {
      const body = (await login(h, org.slug, member.email, member.password)).json();
      assert.ok(body.accessToken);
      assert.equal(body.passwordExpiresAt, expiresAt);
    });
  });

  test("change-expired-password refuses bad passwords without burning the token, then signs in", async () => {
    const org = await registerOrg(h);
    assert.equal((await settings(h, org.accessToken, { ...SEED_POLICY, passwordExpirationDays: 30 })).statusCode, 200);
    const member = await createMember(h, org.orgId, { password: "Old-Pass-word-1" });
    const session = await loginTokens(h, org.slug, member.email, member.password);
    await later(h, 31 * DAY, async () => {
      const { passwordChangeToken } = (await login(h, org.slug, member.email, member.password)).json();
      assert.deepEqual(rulesOf(await changeExpired(h, passwordChangeToken, "weak")), ["MIN_LENGTH", "REQUIRE_UPPERCASE", "REQUIRE_DIGIT", "REQUIRE_SPECIAL_CHAR"]);
      assert.deepEqual(rulesOf(await changeExpired(h, passwordChangeToken, "P@ssw0rd")), ["MIN_LENGTH", "COMMON_PASSWORD"]);
      assert.deepEqual(rulesOf(await changeExpired(h, passwordChangeToken, `X1-${member.email}`)), ["CONTAINS_USER_INFO"]);
      assert.deepEqual(rulesOf(await changeExpired(h, passwordChangeToken, member.password)), ["REUSED_PASSWORD"]);

      const res = await changeExpired(h, passwordChangeToken, NEW_PASSWORD);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.passwordExpired, false);
      assert.equal(body.passwordChangeToken, null);
      assert.ok(body.accessToken);
      assert.equal(body.user.email, member.email);
      assert.equal(body.passwordExpiresAt, null, "a fresh password is 30 days from expiry");
      assert.equal((await me(h, body.accessToken)).statusCode, 200);

      const again = await changeExpired(h, passwordChangeToken, "Another-Fresh-Pass-9");
      assert.equal(again.statusCode, 401, "the token is single-use");
      assert.equal(again.json().error, "UNAUTHORIZED");
      assert.equal((await refresh(h, session.refreshToken)).statusCode, 401, "older sessions end");
      assert.equal((await login(h, org.slug, member.email, member.password)).statusCode, 401);
      assert.ok((await login(h, org.slug, member.email, NEW_PASSWORD)).json().accessToken);
    });
  });

  test("after five refused passwords the change token is gone", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    assert.equal((await h.inject({ method: "POST", url: `/api/v1/users/${member.id}/expire-password`, headers: bearer(org.accessToken) })).statusCode, 204);
    const { passwordChangeToken } = (await login(h, org.slug, member.email, member.password)).json();
    for (let i = 0; i < 5; i++) assert.equal((await changeExpired(h, passwordChangeToken, "weak")).statusCode, 400);
    assert.equal((await changeExpired(h, passwordChangeToken, NEW_PASSWORD)).statusCode, 401);
  });

  test("an unknown or expired change token is a 401; malformed bodies are a 400", async () => {
    assert.equal((await changeExpired(h, "pwd_change_nonsense", NEW_PASSWORD)).statusCode, 401);
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await h.inject({ method: "POST", url: `/api/v1/users/${member.id}/expire-password`, headers: bearer(org.accessToken) });
    const { passwordChangeToken } = (await login(h, org.slug, member.email, member.password)).json();
    await later(h, 600_001, async () => {
      const res = await changeExpired(h, passwordChangeToken, NEW_PASSWORD);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error, "UNAUTHORIZED");
    });
    const bad = await h.inject({ method: "POST", url: "/api/v1/auth/change-expired-password", payload: { passwordChangeToken, newPassword: 5 } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, "VALIDATION_ERROR");
  });

  test("change-expired-password goes on to MFA enrolment when the organization enforces MFA", async () => {
    const org = await registerOrg(h);
    assert.equal((await settings(h, org.accessToken, { mfaRequired: true })).statusCode, 200);
    const member = await createMember(h, org.orgId);
    assert.equal((await h.inject({ method: "POST", url: `/api/v1/users/${member.id}/expire-password`, headers: bearer(org.accessToken) })).statusCode, 204);
    const step = (await login(h, org.slug, member.email, member.password)).json();
    assert.equal(step.passwordExpired, true, "the password change comes before enrolment");
    assert.equal(step.mfaSetupRequired, false);
    const res = await changeExpired(h, step.passwordChangeToken, NEW_PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.passwordExpired, false);
    assert.equal(body.mfaSetupRequired, true);
    assert.match(body.mfaSetupToken, /^mfa_setup_/);
    assert.equal(body.accessToken, null);
    assert.equal(body.user, null);
  });
});

describeEachDatabase("admin expire-password", (h) => {
  const expire = (token: string, id: string) => h.inject({ method: "POST", url: `/api/v1/users/${id}/expire-password`, headers: bearer(token) });

  test("an admin forces a member's change at the next sign-in (204, audited); a session lasts until its next refresh", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);
    const res = await expire(org.accessToken, member.id);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, "");
    assert.equal((await me(h, session.accessToken)).statusCode, 200);
    const renewal = await refresh(h, session.refreshToken);
    assert.equal(renewal.statusCode, 401);
    assert.equal(renewal.json().message, "Your password has expired: sign in again to change it");
    assert.equal((await me(h, session.accessToken)).statusCode, 401);
    const step = (await login(h, org.slug, member.email, member.password)).json();
    assert.equal(step.passwordExpired, true);
    assert.equal(step.accessToken, null);
    const audit = await h.runtime.database.db.selectFrom("audit_logs").selectAll()
      .where("organization_id", "=", org.orgId).where("event_type", "=", "PASSWORD_EXPIRE").executeTakeFirstOrThrow();
    assert.equal(audit.resource_id, member.id);
    assert.equal(audit.actor_email, org.email);
    // The change clears the flag.
    assert.ok((await changeExpired(h, step.passwordChangeToken, NEW_PASSWORD)).json().accessToken);
    assert.ok((await login(h, org.slug, member.email, NEW_PASSWORD)).json().accessToken);
  });

  test("an admin may expire their own password", async () => {
    const org = await registerOrg(h);
    assert.equal((await expire(org.accessToken, org.userId)).statusCode, 204);
    assert.equal((await login(h, org.slug, org.email, org.password)).json().passwordExpired, true);
  });

  test("an invitee who has not accepted has no password to expire: 400, nothing changes", async () => {
    const org = await registerOrg(h);
    const invited = await h.inject({ method: "POST", url: "/api/v1/users", headers: bearer(org.accessToken), payload: { email: `new@${org.slug}.test` } });
    assert.equal(invited.statusCode, 201, invited.body);
    const res = await expire(org.accessToken, invited.json().id);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, "BAD_REQUEST");
    assert.equal(res.json().message, "User has not accepted the invitation yet");
    const row = await h.runtime.database.db.selectFrom("users").select("must_change_password").where("id", "=", invited.json().id).executeTakeFirstOrThrow();
    assert.equal(row.must_change_password, false);
    const audit = await h.runtime.database.db.selectFrom("audit_logs").select("id")
      .where("organization_id", "=", org.orgId).where("event_type", "=", "PASSWORD_EXPIRE").execute();
    assert.equal(audit.length, 0);
  });

  test("a member cannot expire anyone's password (403)", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);
    const res = await expire(session.accessToken, org.userId);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, "FORBIDDEN");
    assert.ok((await login(h, org.slug, org.email, org.password)).json().accessToken);
  });

  test("an admin of another organization gets 404 and changes nothing", async () => {
    const a = await registerOrg(h);
    const b = await registerOrg(h);
    const victim = await createMember(h, a.orgId);
    const res = await expire(b.accessToken, victim.id);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error, "NOT_FOUND");
    assert.equal((await expire(b.accessToken, a.userId)).statusCode, 404);
    assert.equal((await expire(b.accessToken, "00000000-0000-4000-8000-000000000000")).statusCode, 404);
    assert.equal((await expire(b.accessToken, "not-a-uuid")).statusCode, 400);
    assert.ok((await login(h, a.slug, victim.email, victim.password)).json().accessToken);
    const audits = await h.runtime.database.db.selectFrom("audit_logs").select("id").where("event_type", "=", "PASSWORD_EXPIRE")
      .where("organization_id", "in", [a.orgId, b.orgId]).execute();
    assert.equal(audits.length, 0);
  });
});

describeEachDatabase("legacy password hashes", (h) => {
  test("a user with a bcrypt hash signs in and their stored hash becomes argon2id", async () => {
    const org = await registerOrg(h);
    const db = h.runtime.database.db;
    const now = h.clock.now();
    for (const prefix of ["$2a$", "$2b$", "$2y$"]) {
      const email = `legacy-${prefix.slice(2, 3)}@${org.slug}.test`;
      const legacy = bcrypt.hashSync("Legacy-Pa55word", 4).replace("$2b$", prefix);
      await db.insertInto("users").values({
        organization_id: org.orgId, email, password_hash: legacy, password_changed_at: now, created_at: now, updated_at: now,
      }).execute();
      assert.equal((await login(h, org.slug, email, "Legacy-Pa55word!")).statusCode, 401, "a wrong password is still wrong");
      const stillLegacy = await db.selectFrom("users").select("password_hash").where("email", "=", email).executeTakeFirstOrThrow();
      assert.equal(stillLegacy.password_hash, legacy, "no rehash without a successful sign-in");
      await loginTokens(h, org.slug, email, "Legacy-Pa55word");
      const row = await db.selectFrom("users").select("password_hash").where("email", "=", email).executeTakeFirstOrThrow();
      assert.match(row.password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1,keyid=[A-Za-z0-9+/]{6}\$/);
      await loginTokens(h, org.slug, email, "Legacy-Pa55word");
    }
  });

  test("passwords are hashed under the instance's pepper; a hash from before it signs in and is re-hashed under it", async () => {
    const org = await registerOrg(h);
    const db = h.runtime.database.db;
    const stored = async (email: string) => (await db.selectFrom("users").select("password_hash").where("email", "=", email).executeTakeFirstOrThrow()).password_hash!;
    const registered = await stored(org.email);
    assert.ok(h.runtime.hasher.needsRehash(registered) === false && registered.includes(",keyid="), registered.slice(0, 40));
    // The database alone is not enough: without this instance's master key the hash checks nothing.
    const stranger = createPasswordHasher(createSecretBox([generateMasterKey()]));
    assert.equal(await stranger.verify(registered, org.password), false);
    assert.equal(await createPasswordHasher(null).verify(registered, org.password), false);

    const now = h.clock.now();
    const email = `before-pepper@${org.slug}.test`;
    const before = await createPasswordHasher(null).hash("Before-Pepper-2026");
    await db.insertInto("users").values({ organization_id: org.orgId, email, password_hash: before, password_changed_at: now, created_at: now, updated_at: now }).execute();
    assert.equal((await login(h, org.slug, email, "Before-Pepper-2026!")).statusCode, 401);
    assert.equal(await stored(email), before, "no rehash without a successful sign-in");
    await loginTokens(h, org.slug, email, "Before-Pepper-2026");
    const after = await stored(email);
    assert.notEqual(after, before);
    assert.equal(h.runtime.hasher.needsRehash(after), false);
    await loginTokens(h, org.slug, email, "Before-Pepper-2026");
    assert.equal(await stored(email), after, "re-hashed once");
  });
});
