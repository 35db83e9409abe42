import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg, STRONG_PASSWORD, uniqueSlug } from "./helpers/api.js";

const LOGIN_KEYS = [
  "mfaRequired", "mfaChallengeToken", "mfaChallengeExpiresIn", "passwordExpired", "passwordChangeToken",
  "mfaSetupRequired", "mfaSetupToken", "accessToken", "refreshToken", "expiresIn", "tokenType", "user", "passwordExpiresAt",
];
const AUTH_USER_KEYS = ["id", "email", "name", "isOrgAdmin", "organizationId", "organizationName", "organizationSlug", "subscriptionTier", "mfaEnabled"];

describeEachDatabase("registration", (h) => {
  test("register creates the organization with EntryGuard's defaults and its first admin", async () => {
    const slug = uniqueSlug();
    const res = await h.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { organizationName: "Acme Corporation", organizationSlug: slug, email: "john@acme.test", name: "John Doe", password: STRONG_PASSWORD },
    });
    assert.equal(res.statusCode, 201);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ["accessToken", "refreshToken", "expiresIn", "tokenType", "user"]);
    assert.equal(body.tokenType, "Bearer");
    assert.equal(body.expiresIn, 900);
    assert.deepEqual(Object.keys(body.user), AUTH_USER_KEYS);
    assert.equal(body.user.isOrgAdmin, true);
    assert.equal(body.user.subscriptionTier, "FREE");
    assert.equal(body.user.organizationSlug, slug);
    assert.equal(body.user.name, "John Doe");

    const settings = await h.inject({ method: "GET", url: "/api/v1/organization/settings", headers: bearer(body.accessToken) });
    assert.deepEqual(
      { ...(settings.json() as object), id: undefined },
      {
        id: undefined, name: "Acme Corporation", subscriptionTier: "FREE", mfaRequired: false, passwordMinLength: 8,
        passwordRequireUppercase: true, passwordRequireLowercase: true, passwordRequireDigit: true,
        passwordRequireSpecialChar: false, passwordExpirationDays: null,
      },
    );
  });

  test("the slug is derived from the organization name when not given", async () => {
    const name = `Ünïcode Sóftware ${uniqueSlug("x")}`;
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/register", payload: { organizationName: name, email: "a@b.test", password: STRONG_PASSWORD } });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.json().user.organizationSlug, /^unicode-software-x-[0-9a-f]{8}$/);
  });

  test("a slug that is already taken is a 400 BAD_REQUEST (EntryGuard: 409 only for MFA) and creates nothing", async () => {
    const first = await registerOrg(h);
    const res = await h.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { organizationName: "Copycat", organizationSlug: first.slug, email: "other@x.test", password: STRONG_PASSWORD },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, "BAD_REQUEST");
    assert.equal(res.json().message, `Organization slug "${first.slug}" is already taken`);
    assert.equal((await login(h, first.slug, "other@x.test", STRONG_PASSWORD)).statusCode, 401);
  });

  test("the password must satisfy the default policy", async () => {
    const res = await h.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { organizationName: "Weak", organizationSlug: uniqueSlug(), email: "a@weak.test", password: "alllowercase" },
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.error, "PASSWORD_POLICY_VIOLATION");
    assert.deepEqual(body.details.map((d: { rule: string }) => d.rule), ["REQUIRE_UPPERCASE", "REQUIRE_DIGIT"]);
  });

  test("missing and malformed fields are reported per field", async () => {
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/register", payload: { email: "not-an-email", organizationSlug: "Bad Slug!" } });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.error, "VALIDATION_ERROR");
    assert.equal(body.validationErrors.organizationName, "is required");
    assert.equal(body.validationErrors.password, "is required");
    assert.equal(body.validationErrors.email, "must be a valid email address");
    assert.equal(body.validationErrors.organizationSlug, "has an invalid format");
  });
});

describeEachDatabase("closed sign-up", (h) => {
  test("SIGNUP=closed turns registration off with 403", async () => {
    const res = await h.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { organizationName: "Nope", email: "a@nope.test", password: STRONG_PASSWORD },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, "FORBIDDEN");
  });
}, { env: { SIGNUP: "closed" } });

describeEachDatabase("login", (h) => {
  test("a correct login answers every key of the login shape, tokens filled in", async () => {
    const org = await registerOrg(h);
    const res = await login(h, org.slug, org.email.toUpperCase(), org.password);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body), LOGIN_KEYS);
    assert.equal(body.mfaRequired, false);
    assert.equal(body.mfaChallengeToken, null);
    assert.equal(body.passwordExpired, false);
    assert.equal(body.mfaSetupRequired, false);
    assert.equal(body.tokenType, "Bearer");
    assert.deepEqual(Object.keys(body.user), AUTH_USER_KEYS);
    const me = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(body.accessToken) });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(Object.keys(me.json()), [
      "id", "email", "name", "isOrgAdmin", "platformRole", "organizationId", "organizationName", "organizationSlug",
      "subscriptionTier", "maxUsers", "maxResources", "mfaEnabled", "organizationMfaRequired",
    ]);
    assert.equal(me.json().organizationMfaRequired, false);
  });

  test("wrong organization, wrong email, wrong password and inactive user get one identical 401 body", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await h.runtime.database.db.updateTable("users").set({ is_active: false }).where("id", "=", member.id).execute();
    const attempts = [
      await login(h, uniqueSlug("missing"), org.email, org.password),
      await login(h, org.slug, "nobody@x.test", org.password),
      await login(h, org.slug, org.email, "Wrong-Password-1"),
      await login(h, org.slug, member.email, member.password),
    ];
    for (const res of attempts) {
      assert.equal(res.statusCode, 401);
      const { timestamp: _t, ...rest } = res.json();
      assert.deepEqual(rest, { status: 401, error: "INVALID_CREDENTIALS", message: "Invalid organization, email or password", path: "/api/v1/auth/login" });
    }
    const failures = await h.runtime.database.db.selectFrom("audit_logs").select(["event_type", "result", "error_message"])
      .where("organization_id", "=", org.orgId).where("result", "=", "FAILURE").execute();
    assert.deepEqual(failures.map((f) => f.error_message).sort(), ["Unknown user", "User is deactivated", "Wrong password"]);
  });

  test("a password never appears in the audit trail", async () => {
    const org = await registerOrg(h, { password: "Unique-Pa55word-Zebra" });
    await login(h, org.slug, org.email, "Typo-Pa55word-Zebra");
    const rows = await h.runtime.database.db.selectFrom("audit_logs").selectAll().execute();
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes("Unique-Pa55word-Zebra"));
    assert.ok(!dump.includes("Typo-Pa55word-Zebra"));
  });
});

describeEachDatabase("refresh and logout", (h) => {
  test("refresh rotates the token; the old one no longer works", async () => {
    const org = await registerOrg(h);
    const first = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: org.refreshToken } });
    assert.equal(first.statusCode, 200);
    const body = first.json();
    assert.deepEqual(Object.keys(body), ["accessToken", "refreshToken", "expiresIn", "tokenType", "user"]);
    assert.notEqual(body.refreshToken, org.refreshToken);
    const me = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(body.accessToken) });
    assert.equal(me.statusCode, 200);
  });

  test("presenting a rotated refresh token revokes the whole family", async () => {
    const org = await registerOrg(h);
    const rotated = (await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: org.refreshToken } })).json();
    const replay = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: org.refreshToken } });
    assert.equal(replay.statusCode, 401);
    // The legitimate holder's newer tokens die with the family.
    const next = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: rotated.refreshToken } });
    assert.equal(next.statusCode, 401);
    const me = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(rotated.accessToken) });
    assert.equal(me.statusCode, 401);
    const me0 = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) });
    assert.equal(me0.statusCode, 401);
  });

  test("20 concurrent refreshes with one token: one success, then the family is revoked", async () => {
    const org = await registerOrg(h);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: org.refreshToken } })),
    );
    const ok = results.filter((r) => r.statusCode === 200);
    assert.equal(ok.length, 1);
    assert.ok(results.every((r) => r.statusCode === 200 || r.statusCode === 401));
    const me = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(ok[0]!.json().accessToken) });
    assert.equal(me.statusCode, 401);
  });

  test("an unknown refresh token is a 401", async () => {
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: "ghr_nonsense" } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error, "UNAUTHORIZED");
  });

  test("logout answers {} and ends the session at once, for both tokens", async () => {
    const org = await registerOrg(h);
    const session = await loginTokens(h, org.slug, org.email, org.password);
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/logout", payload: { refreshToken: session.refreshToken } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, "{}");
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(session.accessToken) })).statusCode, 401);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: session.refreshToken } })).statusCode, 401);
    // The registration session is a different one and still works.
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).statusCode, 200);
  });

  test("logout with only the access token, with nothing, and twice is fine", async () => {
    const org = await registerOrg(h);
    const byAccess = await h.inject({ method: "POST", url: "/api/v1/auth/logout", headers: bearer(org.accessToken) });
    assert.equal(byAccess.statusCode, 200);
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).statusCode, 401);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/logout" })).statusCode, 200);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/logout", payload: { refreshToken: org.refreshToken } })).statusCode, 200);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/logout", payload: { refreshToken: "junk" } })).statusCode, 200);
  });

  test("an access token stops working when it expires", async () => {
    const org = await registerOrg(h);
    h.clock.advance(901_000);
    try {
      assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).statusCode, 401);
      // The refresh token still works and yields a fresh access token.
      const r = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: org.refreshToken } });
      assert.equal(r.statusCode, 200);
      assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(r.json().accessToken) })).statusCode, 200);
    } finally {
      h.clock.advance(-901_000);
    }
  });

  test("the JWKS publishes the EdDSA key that signs access tokens", async () => {
    const org = await registerOrg(h);
    const jwks = (await h.inject({ method: "GET", url: "/.well-known/jwks.json" })).json();
    const header = JSON.parse(Buffer.from(org.accessToken.split(".")[0]!, "base64url").toString());
    assert.equal(header.alg, "EdDSA");
    const key = jwks.keys.find((k: { kid: string }) => k.kid === header.kid);
    assert.ok(key);
    assert.equal(key.crv, "Ed25519");
    assert.equal(key.d, undefined, "the private part is never published");
  });
});

describeEachDatabase("session lifetimes (REFRESH_TOKEN_TTL=1800, SESSION_MAX_LIFETIME=3600)", (h) => {
  const MINUTE = 60_000;
  const refresh = (refreshToken: string) => h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });

  test("an active session ends an hour after its sign-in, however often it refreshes", async () => {
    const org = await registerOrg(h);
    const signedIn = h.clock.now().getTime();
    let token = org.refreshToken;
    let access = org.accessToken;
    for (const step of [20, 20, 19]) {
      h.clock.advance(step * MINUTE);
      const res = await refresh(token);
      assert.equal(res.statusCode, 200, `refresh ${step} minutes later: ${res.body}`);
      ({ refreshToken: token, accessToken: access } = res.json());
    }
    const sessions = await h.inject({ method: "GET", url: "/api/v1/auth/sessions", headers: bearer(access) });
    assert.equal(sessions.statusCode, 200, sessions.body);
    const [listed] = sessions.json() as { expiresAt: string }[];
    assert.equal(Date.parse(listed!.expiresAt), signedIn + 60 * MINUTE, "the idle bound stops at the absolute one");
    h.clock.advance(2 * MINUTE);
    const late = await refresh(token);
    assert.equal(late.statusCode, 401, "61 minutes after sign-in, though idle only 2");
    assert.equal(late.json().error, "UNAUTHORIZED");
  });

  test("an idle session still ends REFRESH_TOKEN_TTL after its last refresh", async () => {
    const org = await registerOrg(h);
    h.clock.advance(29 * MINUTE);
    const res = await refresh(org.refreshToken);
    assert.equal(res.statusCode, 200, res.body);
    h.clock.advance(31 * MINUTE);
    assert.equal((await refresh(res.json().refreshToken)).statusCode, 401);
  });
}, { env: { REFRESH_TOKEN_TTL: "1800", SESSION_MAX_LIFETIME: "3600" } });
