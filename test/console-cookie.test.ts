import { test } from "node:test";
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { bearer, createMember, login, registerOrg, STRONG_PASSWORD, uniqueSlug } from "./helpers/api.js";
import { call, invite, mailsDuring } from "./helpers/admin.js";
import { codeNow, enrolTotp, nextStep } from "./helpers/mfa.js";
import { LOOPBACK_REFRESH_COOKIE, REFRESH_COOKIE } from "../src/http/refresh-cookie.js";

const CONSOLE = { "x-gatehouse-client": "console" };
const LOGIN_KEYS = [
  "mfaRequired", "mfaChallengeToken", "mfaChallengeExpiresIn", "passwordExpired", "passwordChangeToken",
  "mfaSetupRequired", "mfaSetupToken", "accessToken", "refreshToken", "expiresIn", "tokenType", "user", "passwordExpiresAt",
];

/** The refresh cookie of an answer, under either name (the harness's requests go to http://localhost). */
function refreshCookie(res: LightMyRequestResponse) {
  return res.cookies.find((c) => c.name === REFRESH_COOKIE || c.name === LOOPBACK_REFRESH_COOKIE) as
    | { name: string; value: string; path?: string; httpOnly?: boolean; secure?: boolean; sameSite?: string; maxAge?: number; expires?: Date }
    | undefined;
}

/** Asserts the console variant: the token in an HttpOnly cookie, null in the JSON. Answers the cookie's value. */
function assertCookieVariant(res: LightMyRequestResponse): string {
  const body = res.json();
  assert.equal(body.refreshToken, null, "the refresh token is not in the JSON");
  assert.equal(typeof body.accessToken, "string");
  const cookie = refreshCookie(res);
  assert.ok(cookie, `a refresh cookie is set: ${JSON.stringify(res.headers["set-cookie"])}`);
  assert.equal(cookie.name, LOOPBACK_REFRESH_COOKIE);
  assert.match(cookie.value, /^ghr_/);
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(cookie.path, "/api/v1/auth");
  return cookie.value;
}

const post = (h: Harness, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.inject({ method: "POST", url, headers: { ...headers, "content-type": "application/json" }, payload: JSON.stringify(payload) });

const withCookie = (value: string, headers: Record<string, string> = CONSOLE, name = LOOPBACK_REFRESH_COOKIE) =>
  ({ ...headers, cookie: `${name}=${value}` });

describeEachDatabase("console refresh cookie", (h) => {
  test("login with the console header sets an HttpOnly, SameSite=Strict cookie and answers refreshToken null, every key kept", async () => {
    const org = await registerOrg(h);
    const res = await post(h, "/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: org.password }, CONSOLE);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(Object.keys(res.json()), LOGIN_KEYS);
    assertCookieVariant(res);
    const cookie = refreshCookie(res)!;
    assert.equal(cookie.maxAge, h.config.refreshTokenTtl, "the cookie lives as long as the session may idle");
    assert.equal(cookie.secure, undefined, "no Secure flag for http://localhost");
    assert.equal(res.headers["cache-control"], "no-store");
  });

  test("without the header nothing changes: the token is in the JSON and no cookie is set", async () => {
    const org = await registerOrg(h);
    const res = await login(h, org.slug, org.email, org.password);
    assert.match(res.json().refreshToken, /^ghr_/);
    assert.equal(res.headers["set-cookie"], undefined);
  });

  test("register with the header answers 201 with refreshToken null and the cookie", async () => {
    const slug = uniqueSlug();
    const res = await post(h, "/api/v1/auth/register", { organizationName: `Org ${slug}`, organizationSlug: slug, email: `a@${slug}.test`, password: STRONG_PASSWORD }, CONSOLE);
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(Object.keys(res.json()), ["accessToken", "refreshToken", "expiresIn", "tokenType", "user"]);
    assertCookieVariant(res);
  });

  test("refresh by cookie rotates it; the rotated cookie replayed ends the session and is cleared", async () => {
    const org = await registerOrg(h);
    const first = assertCookieVariant(await post(h, "/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: org.password }, CONSOLE));

    const refreshed = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", headers: withCookie(first) });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const second = assertCookieVariant(refreshed);
    assert.notEqual(second, first);
    const access = refreshed.json().accessToken as string;
    assert.equal((await call(h, access, "GET", "/api/v1/auth/me")).statusCode, 200);

    const replay = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", headers: withCookie(first) });
    assert.equal(replay.statusCode, 401);
    const cleared = refreshCookie(replay);
    assert.ok(cleared && cleared.value === "", "a refused cookie is cleared");
    assert.equal((await call(h, access, "GET", "/api/v1/auth/me")).statusCode, 401, "reuse revoked the family");
  });

  test("the cookie is refused without the console header (CSRF), and stays usable", async () => {
    const org = await registerOrg(h);
    const value = assertCookieVariant(await post(h, "/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: org.password }, CONSOLE));
    const bare = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", headers: withCookie(value, {}) });
    assert.equal(bare.statusCode, 403, bare.body);
    assert.equal(bare.json().error, "FORBIDDEN");
    assert.match(bare.json().message, /X-Gatehouse-Client: console/);
    const other = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", headers: withCookie(value, { "x-gatehouse-client": "other" }) });
    assert.equal(other.statusCode, 403);
    const ok = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", headers: withCookie(value) });
    assert.equal(ok.statusCode, 200, "the refused attempts did not rotate it");
  });

  test("refresh without a body token or a cookie is a 400 naming refreshToken", async () => {
    for (const headers of [{}, CONSOLE]) {
      const res = await post(h, "/api/v1/auth/refresh", {}, headers);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().validationErrors.refreshToken, "is required");
    }
  });

  test("a body token wins over the cookie, and clients without the header keep the body contract", async () => {
    const org = await registerOrg(h);
    const res = await post(h, "/api/v1/auth/refresh", { refreshToken: org.refreshToken });
    assert.equal(res.statusCode, 200);
    assert.match(res.json().refreshToken, /^ghr_/);
    assert.equal(res.headers["set-cookie"], undefined);
  });

  test("logout by cookie ends the session and clears the cookie; without the header the cookie is ignored", async () => {
    const org = await registerOrg(h);
    const loginRes = await post(h, "/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: org.password }, CONSOLE);
    const value = assertCookieVariant(loginRes);
    const access = loginRes.json().accessToken as string;

    const ignored = await h.inject({ method: "POST", url: "/api/v1/auth/logout", headers: withCookie(value, {}) });
    assert.equal(ignored.statusCode, 200);
    assert.equal(refreshCookie(ignored), undefined);
    assert.equal((await call(h, access, "GET", "/api/v1/auth/me")).statusCode, 200, "a header-less logout did not use the cookie");

    const out = await h.inject({ method: "POST", url: "/api/v1/auth/logout", headers: withCookie(value) });
    assert.equal(out.statusCode, 200);
    assert.deepEqual(out.json(), {});
    const cleared = refreshCookie(out);
    assert.ok(cleared, "logout sends a clearing cookie");
    assert.equal(cleared.value, "");
    assert.equal(cleared.path, "/api/v1/auth");
    assert.ok(cleared.expires && cleared.expires.getTime() <= Date.now(), "the clearing cookie is already expired");
    assert.equal((await call(h, access, "GET", "/api/v1/auth/me")).statusCode, 401, "the session ended");
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", headers: withCookie(value) })).statusCode, 401);
  });

  test("the cookie is __Host- prefixed, Secure and Path=/ except for plain http to localhost or 127.0.0.1", async () => {
    const org = await registerOrg(h);
    const body = { organizationSlug: org.slug, email: org.email, password: org.password };
    const cookieFor = async (host: string, extra: Record<string, string> = {}) => {
      const cookie = refreshCookie(await post(h, "/api/v1/auth/login", body, { ...CONSOLE, host, ...extra }));
      assert.ok(cookie, `a cookie for ${host}`);
      return `${cookie.name}; ${cookie.secure === true ? "Secure" : "not secure"}; Path=${cookie.path}`;
    };
    const hostOnly = `${REFRESH_COOKIE}; Secure; Path=/`;
    const loopback = `${LOOPBACK_REFRESH_COOKIE}; not secure; Path=/api/v1/auth`;
    assert.equal(await cookieFor("localhost:3000"), loopback);
    assert.equal(await cookieFor("127.0.0.1:3000"), loopback);
    assert.equal(await cookieFor("[::1]:3000"), loopback);
    assert.equal(await cookieFor("gatehouse.example.com"), hostOnly);
    assert.equal(await cookieFor("192.168.1.20:3000"), hostOnly);
    // Proxy headers are not trusted (trustProxy is off): they cannot drop the prefix or the flag.
    assert.equal(await cookieFor("gatehouse.example.com", { "x-forwarded-host": "localhost" }), hostOnly);
  });

  test("over TLS only the __Host- cookie is read: a planted cookie of the other name is ignored (cookie tossing)", async () => {
    const org = await registerOrg(h);
    const tls = { ...CONSOLE, host: "gatehouse.example.com" };
    const signIn = await post(h, "/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: org.password }, tls);
    const value = refreshCookie(signIn)!.value;

    // What a sibling subdomain could set: the unprefixed name, holding a session of its choosing.
    const attacker = await registerOrg(h);
    const planted = await post(h, "/api/v1/auth/refresh", {}, withCookie(attacker.refreshToken, tls));
    assert.equal(planted.statusCode, 400, "the planted cookie is not a refresh token here");
    assert.equal(planted.json().error, "VALIDATION_ERROR");

    const rotated = await post(h, "/api/v1/auth/refresh", {}, withCookie(value, tls, REFRESH_COOKIE));
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.equal(rotated.json().user.email, org.email);
    const next = refreshCookie(rotated)!;
    assert.equal(next.name, REFRESH_COOKIE);
    assert.notEqual(next.value, value);

    const out = await h.inject({ method: "POST", url: "/api/v1/auth/logout", headers: withCookie(next.value, tls, REFRESH_COOKIE) });
    const cleared = refreshCookie(out)!;
    assert.deepEqual([cleared.name, cleared.value, cleared.path, cleared.secure], [REFRESH_COOKIE, "", "/", true]);
    assert.equal((await post(h, "/api/v1/auth/refresh", {}, withCookie(next.value, tls, REFRESH_COOKIE))).statusCode, 401);
  });

  test("verify-mfa with the header moves the token into the cookie", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const step = await post(h, "/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: org.password }, CONSOLE);
    assert.equal(step.json().mfaRequired, true);
    assert.equal(refreshCookie(step), undefined, "no cookie before the sign-in completes");
    const res = await post(h, "/api/v1/auth/verify-mfa", { mfaChallengeToken: step.json().mfaChallengeToken, code: codeNow(h, secret) }, CONSOLE);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(Object.keys(res.json()), LOGIN_KEYS);
    assertCookieVariant(res);
    nextStep(h);
  });

  test("an invitee's set-password and enrolment confirm with the header end in the cookie", async () => {
    const org = await registerOrg(h);
    assert.equal((await call(h, org.accessToken, "PATCH", "/api/v1/organization/settings", { mfaRequired: true })).statusCode, 200);
    const { token } = await invite(h, org.accessToken, { email: `bob@${org.slug}.test` });
    const accepted = await post(h, "/api/v1/auth/set-password", { inviteToken: token, password: "Blue-Harbour-Lamp-7" }, CONSOLE);
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().mfaSetupRequired, true);
    assert.equal(refreshCookie(accepted), undefined);
    const setupToken = accepted.json().mfaSetupToken as string;
    const setup = await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(setupToken) });
    const { secret } = setup.json();
    const confirm = await post(h, "/api/v1/mfa/setup/confirm", { code: codeNow(h, secret), secret }, { ...CONSOLE, ...bearer(setupToken) });
    assert.equal(confirm.statusCode, 200, confirm.body);
    assert.equal(confirm.json().recoveryCodes.length, 8);
    assertCookieVariant(confirm);
    nextStep(h);
  });

  test("change-expired-password and reset-password with the header end in the cookie", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    assert.equal((await call(h, org.accessToken, "POST", `/api/v1/users/${member.id}/expire-password`, {})).statusCode, 204);
    const step = (await login(h, org.slug, member.email, member.password)).json();
    assert.equal(step.passwordExpired, true);
    const changed = await post(h, "/api/v1/auth/change-expired-password", { passwordChangeToken: step.passwordChangeToken, newPassword: "Violet-Canyon-Drum-58" }, CONSOLE);
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(Object.keys(changed.json()), LOGIN_KEYS);
    assertCookieVariant(changed);

    const { mails } = await mailsDuring(h, async () => {
      const res = await post(h, "/api/v1/auth/forgot-password", { organizationSlug: org.slug, email: member.email });
      // Mail leaves after the response (setImmediate): let the event loop turn.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      return res;
    });
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mails.at(-1)!.text)![1]!;
    const reset = await post(h, "/api/v1/auth/reset-password", { token, password: "Amber-Pillow-Fjord-93" }, CONSOLE);
    assert.equal(reset.statusCode, 200, reset.body);
    assert.deepEqual(Object.keys(reset.json()), LOGIN_KEYS);
    assertCookieVariant(reset);
  });

  test("error answers of token routes set no cookie", async () => {
    const org = await registerOrg(h);
    const res = await post(h, "/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: "wrong-password" }, CONSOLE);
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers["set-cookie"], undefined);
  });
});
