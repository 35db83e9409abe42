import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg } from "./helpers/api.js";
import { codeNow, nextStep } from "./helpers/mfa.js";
import { fb, fbEnrol, GOOGLE_AUTH, mfaSignIn } from "./helpers/flashback.js";

const INVALID_TYPE = '{"success":false,"error":"Invalid MFA type specified"}';
const VERIFY_FAILED = '{"success":false,"error":"MFA setup verification failed"}';
const NOT_CONFIGURED = '{"success":false,"error":"MFA method is not configured"}';
const RECENT_MFA = '{"success":false,"error":"Recent MFA verification required: sign in again with an MFA code or a backup code, then retry within 5 minutes"}';

describeEachDatabase("Flashback GET /mfa/status and /mfa/methods", (h) => {
  test("status answers the exact envelope before and after enrolment", async () => {
    const org = await registerOrg(h);
    const before = await fb(h, "GET", "/mfa/status", org.accessToken);
    assert.equal(before.statusCode, 200);
    assert.equal(before.body, '{"success":true,"data":{"isEnabled":false,"isRequired":false,"isEnforced":false,"enabledMethods":[],"primaryMethod":null}}');
    await fbEnrol(h, org.accessToken);
    const after = await fb(h, "GET", "/mfa/status", org.accessToken);
    assert.equal(after.body, '{"success":true,"data":{"isEnabled":true,"isRequired":false,"isEnforced":false,"enabledMethods":["GOOGLE_AUTH"],"primaryMethod":"GOOGLE_AUTH"}}');
    assert.equal(after.headers["cache-control"], "no-store");
  });

  test("methods lists Flashback's three methods with their exact names; only GOOGLE_AUTH is available", async () => {
    const org = await registerOrg(h);
    const methods = (configured: boolean) =>
      '{"success":true,"data":[' +
      `{"type":"GOOGLE_AUTH","name":"Google Authenticator","description":"Time-based one-time password using Google Authenticator app","isAvailable":true,"isConfigured":${configured},"isEnabled":${configured}},` +
      '{"type":"MAGIC_LINK","name":"Magic Link","description":"Email-based authentication using secure links","isAvailable":false,"isConfigured":false,"isEnabled":false},' +
      '{"type":"PASSKEY","name":"Passkey","description":"WebAuthn-based biometric or hardware key authentication","isAvailable":false,"isConfigured":false,"isEnabled":false}]}';
    assert.equal((await fb(h, "GET", "/mfa/methods", org.accessToken)).body, methods(false));
    // A pending (unconfirmed) setup is not a configured method.
    await fb(h, "POST", "/mfa/setup", org.accessToken, GOOGLE_AUTH);
    assert.equal((await fb(h, "GET", "/mfa/methods", org.accessToken)).body, methods(false));
    await fbEnrol(h, org.accessToken);
    assert.equal((await fb(h, "GET", "/mfa/methods", org.accessToken)).body, methods(true));
  });
});

describeEachDatabase("Flashback POST /mfa/setup and /mfa/verify-setup", (h) => {
  test("setup with the page's example body answers secret, a PNG data URL and the backup codes", async () => {
    const org = await registerOrg(h);
    const res = await fb(h, "POST", "/mfa/setup", org.accessToken, { mfaType: "GOOGLE_AUTH", email: "user@example.com", deviceInfo: { name: "iPhone 12", type: "mobile" } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ["success", "data"]);
    assert.equal(body.success, true);
    assert.deepEqual(Object.keys(body.data), ["secret", "qrCode", "backupCodes"]);
    assert.match(body.data.secret, /^[A-Z2-7]{32}$/);
    assert.match(body.data.qrCode, /^data:image\/png;base64,iVBORw0KGgo[A-Za-z0-9+/=]+$/);
    assert.equal(body.data.backupCodes.length, 8);
    for (const c of body.data.backupCodes) assert.match(c, /^[a-z0-9]{8}$/);
  });

  test("an unknown, unavailable or missing mfaType is a 400 with the page's exact body", async () => {
    const org = await registerOrg(h);
    const payloads = [{ mfaType: "MAGIC_LINK" }, { mfaType: "PASSKEY" }, { mfaType: "google_auth" }, { mfaType: "SMS" }, { mfaType: 1 }, {}, { mfaType: "GOOGLE_AUTH", extra: 1 }];
    for (const payload of payloads) {
      const res = await fb(h, "POST", "/mfa/setup", org.accessToken, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.body, INVALID_TYPE, JSON.stringify(payload));
    }
    const bodyless = await h.inject({ method: "POST", url: "/mfa/setup", headers: bearer(org.accessToken) });
    assert.equal(bodyless.body, INVALID_TYPE);
    const rows = await h.runtime.database.db.selectFrom("mfa_totp").select("user_id").where("user_id", "=", org.userId).execute();
    assert.equal(rows.length, 0, "nothing was set up");
  });

  test("verify-setup with a current code answers the page's exact body and enables MFA", async () => {
    const org = await registerOrg(h);
    const { secret } = (await fb(h, "POST", "/mfa/setup", org.accessToken, GOOGLE_AUTH)).json().data;
    const res = await fb(h, "POST", "/mfa/verify-setup", org.accessToken, { mfaType: "GOOGLE_AUTH", code: codeNow(h, secret) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"success":true,"message":"MFA setup verified and enabled"}');
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).json();
    assert.equal(me.mfaEnabled, true);
  });

  test("a wrong code, no pending setup, a bad mfaType or a missing code is a 400 'MFA setup verification failed'", async () => {
    const org = await registerOrg(h);
    const noPending = await fb(h, "POST", "/mfa/verify-setup", org.accessToken, { ...GOOGLE_AUTH, code: "123456" });
    assert.equal(noPending.statusCode, 400);
    assert.equal(noPending.body, VERIFY_FAILED);
    const { secret } = (await fb(h, "POST", "/mfa/setup", org.accessToken, GOOGLE_AUTH)).json().data;
    const wrong = codeNow(h, secret) === "000000" ? "111111" : "000000";
    const bad = [
      { ...GOOGLE_AUTH, code: wrong },
      { ...GOOGLE_AUTH, code: "abc" },
      { ...GOOGLE_AUTH },
      { mfaType: "PASSKEY", code: codeNow(h, secret) },
      { mfaType: "PASSKEY", credential: { id: "credential-id", type: "public-key" } },
      { code: codeNow(h, secret) },
      { ...GOOGLE_AUTH, code: 123456 },
    ];
    for (const payload of bad) {
      const res = await fb(h, "POST", "/mfa/verify-setup", org.accessToken, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.body, VERIFY_FAILED, JSON.stringify(payload));
    }
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).json();
    assert.equal(me.mfaEnabled, false);
  });

  test("once MFA is on, setup and verify-setup are a 400 'MFA is already enabled' (the pages show no 409)", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    const setup = await fb(h, "POST", "/mfa/setup", org.accessToken, GOOGLE_AUTH);
    assert.equal(setup.statusCode, 400);
    assert.equal(setup.body, '{"success":false,"error":"MFA is already enabled"}');
    const verify = await fb(h, "POST", "/mfa/verify-setup", org.accessToken, { ...GOOGLE_AUTH, code: codeNow(h, secret) });
    assert.equal(verify.statusCode, 400);
    assert.equal(verify.body, '{"success":false,"error":"MFA is already enabled"}');
    // An unavailable type is still the type error, not the conflict.
    assert.equal((await fb(h, "POST", "/mfa/setup", org.accessToken, { mfaType: "PASSKEY" })).body, INVALID_TYPE);
  });
});

describeEachDatabase("Flashback POST /mfa/enable, /mfa/primary and /mfa/disable", (h) => {
  test("enable and primary: 400 until GOOGLE_AUTH is configured, then the pages' exact 200 bodies, idempotently", async () => {
    const org = await registerOrg(h);
    for (const url of ["/mfa/enable", "/mfa/primary"]) {
      const res = await fb(h, "POST", url, org.accessToken, GOOGLE_AUTH);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.body, NOT_CONFIGURED, url);
    }
    await fb(h, "POST", "/mfa/setup", org.accessToken, GOOGLE_AUTH);
    assert.equal((await fb(h, "POST", "/mfa/enable", org.accessToken, GOOGLE_AUTH)).body, NOT_CONFIGURED, "pending is not configured");
    await fbEnrol(h, org.accessToken);
    for (let i = 0; i < 2; i++) {
      const enable = await fb(h, "POST", "/mfa/enable", org.accessToken, GOOGLE_AUTH);
      assert.equal(enable.statusCode, 200);
      assert.equal(enable.body, '{"success":true,"message":"MFA method enabled"}');
      const primary = await fb(h, "POST", "/mfa/primary", org.accessToken, GOOGLE_AUTH);
      assert.equal(primary.statusCode, 200);
      assert.equal(primary.body, '{"success":true,"message":"Primary MFA method updated"}');
    }
  });

  test("enable, primary and disable refuse any type but GOOGLE_AUTH with 'Invalid MFA type specified'", async () => {
    const org = await registerOrg(h);
    await fbEnrol(h, org.accessToken);
    for (const url of ["/mfa/enable", "/mfa/primary", "/mfa/disable"]) {
      for (const mfaType of ["MAGIC_LINK", "PASSKEY", "TOTP"]) {
        const res = await fb(h, "POST", url, org.accessToken, { mfaType });
        assert.equal(res.statusCode, 400, `${url} ${mfaType}`);
        assert.equal(res.body, INVALID_TYPE, `${url} ${mfaType}`);
      }
      const missing = await fb(h, "POST", url, org.accessToken, {});
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.body, '{"success":false,"error":"mfaType is required"}');
    }
    assert.equal((await fb(h, "GET", "/mfa/status", org.accessToken)).json().data.isEnabled, true);
  });

  test("disable with a current code answers the page's exact body and turns MFA off", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    const res = await fb(h, "POST", "/mfa/disable", org.accessToken, { ...GOOGLE_AUTH, code: codeNow(h, secret) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"success":true,"message":"MFA method disabled"}');
    assert.equal((await fb(h, "GET", "/mfa/status", org.accessToken)).json().data.isEnabled, false);
    const again = await fb(h, "POST", "/mfa/disable", org.accessToken, GOOGLE_AUTH);
    assert.equal(again.statusCode, 400);
    assert.equal(again.body, '{"success":false,"error":"MFA is not enabled"}');
  });

  test("disable without a code needs a sign-in with MFA in the last 5 minutes", async () => {
    const org = await registerOrg(h);
    const other = await loginTokens(h, org.slug, org.email, org.password);
    const { secret } = await fbEnrol(h, org.accessToken);
    // A session opened with the password alone, before MFA was on, never passed MFA.
    const stale = await fb(h, "POST", "/mfa/disable", other.accessToken, GOOGLE_AUTH);
    assert.equal(stale.statusCode, 403);
    assert.equal(stale.body, RECENT_MFA);
    const fresh = await mfaSignIn(h, org.slug, org.email, org.password, codeNow(h, secret));
    h.clock.advance(5 * 60_000 + 1);
    assert.equal((await fb(h, "POST", "/mfa/disable", fresh.accessToken, GOOGLE_AUTH)).body, RECENT_MFA);
    const fresher = await mfaSignIn(h, org.slug, org.email, org.password, codeNow(h, secret));
    h.clock.advance(4 * 60_000);
    const ok = await fb(h, "POST", "/mfa/disable", fresher.accessToken, GOOGLE_AUTH);
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.body, '{"success":true,"message":"MFA method disabled"}');
  });

  test("disable with a wrong or replayed code is a 400 and leaves MFA on; repeated wrong codes lock (429)", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    const used = codeNow(h, secret);
    await mfaSignIn(h, org.slug, org.email, org.password, used);
    const replay = await fb(h, "POST", "/mfa/disable", org.accessToken, { ...GOOGLE_AUTH, code: used });
    assert.equal(replay.statusCode, 400);
    assert.equal(replay.body, '{"success":false,"error":"Invalid MFA code"}');
    const malformed = await fb(h, "POST", "/mfa/disable", org.accessToken, { ...GOOGLE_AUTH, code: "12ab56" });
    assert.equal(malformed.statusCode, 400);
    const wrong = used === "000000" ? "111111" : "000000";
    let last = replay;
    for (let i = 0; i < 10; i++) last = await fb(h, "POST", "/mfa/disable", org.accessToken, { ...GOOGLE_AUTH, code: wrong });
    assert.equal(last.statusCode, 429);
    assert.equal(last.json().success, false);
    assert.ok(last.headers["retry-after"]);
    assert.equal((await fb(h, "GET", "/mfa/status", org.accessToken)).json().data.isEnabled, true);
  });

  test("disable is a 403 with the page's exact body while the organization enforces MFA", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    await fb(h, "POST", "/mfa/organization/enforce", org.accessToken, { enforced: true });
    const res = await fb(h, "POST", "/mfa/disable", org.accessToken, { ...GOOGLE_AUTH, code: codeNow(h, secret) });
    assert.equal(res.statusCode, 403);
    assert.equal(res.body, '{"success":false,"error":"Cannot disable MFA when enforced by organization"}');
  });
});

describeEachDatabase("Flashback POST /mfa/reset", (h) => {
  test("an admin resets a member's MFA with the page's exact body; the member is signed out", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const mt = await loginTokens(h, org.slug, member.email, member.password);
    await fbEnrol(h, mt.accessToken);
    const res = await fb(h, "POST", "/mfa/reset", org.accessToken, { resetUserId: member.id });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"success":true,"message":"MFA reset successfully"}');
    assert.equal((await fb(h, "GET", "/mfa/status", mt.accessToken)).statusCode, 401);
    assert.ok((await loginTokens(h, org.slug, member.email, member.password)).accessToken, "no MFA challenge any more");
    const again = await fb(h, "POST", "/mfa/reset", org.accessToken, { resetUserId: member.id });
    assert.equal(again.statusCode, 400);
    assert.equal(again.body, '{"success":false,"error":"MFA is not enabled for this user"}');
  });

  test("a self-reset without a body (no content-type) needs a sign-in with MFA in the last 5 minutes", async () => {
    const org = await registerOrg(h);
    const other = await loginTokens(h, org.slug, org.email, org.password);
    const { secret } = await fbEnrol(h, org.accessToken);
    const stale = await h.inject({ method: "POST", url: "/mfa/reset", headers: bearer(other.accessToken) });
    assert.equal(stale.statusCode, 403);
    assert.equal(stale.body, RECENT_MFA);
    const fresh = await mfaSignIn(h, org.slug, org.email, org.password, codeNow(h, secret));
    h.clock.advance(5 * 60_000);
    const ok = await h.inject({ method: "POST", url: "/mfa/reset", headers: bearer(fresh.accessToken) });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.body, '{"success":true,"message":"MFA reset successfully"}');
    // Every session of the user ends, the caller's included.
    assert.equal((await fb(h, "GET", "/mfa/status", fresh.accessToken)).statusCode, 401);
    const tokens = await loginTokens(h, org.slug, org.email, org.password);
    const none = await h.inject({ method: "POST", url: "/mfa/reset", headers: bearer(tokens.accessToken) });
    assert.equal(none.statusCode, 400);
    assert.equal(none.body, '{"success":false,"error":"MFA is not enabled for this user"}');
  });

  test("a JSON content-type with an empty body is a self-reset too", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    // A route that needs a body still refuses an empty one.
    const other = await h.inject({ method: "POST", url: "/mfa/organization/enforce", headers: { ...bearer(org.accessToken), "content-type": "application/json" }, payload: "" });
    assert.equal(other.statusCode, 400);
    const fresh = await mfaSignIn(h, org.slug, org.email, org.password, codeNow(h, secret));
    const res = await h.inject({ method: "POST", url: "/mfa/reset", headers: { ...bearer(fresh.accessToken), "content-type": "application/json" }, payload: "" });
    assert.equal(res.statusCode, 200, res.body);
  });

  test("malformed JSON and unknown fields are 400s in the {success, error} shape", async () => {
    const org = await registerOrg(h);
    const malformed = await h.inject({ method: "POST", url: "/mfa/reset", headers: { ...bearer(org.accessToken), "content-type": "application/json" }, payload: "{resetUserId" });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.body, '{"success":false,"error":"Malformed JSON in request body"}');
    const unknown = await fb(h, "POST", "/mfa/reset", org.accessToken, { userId: org.userId });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.body, '{"success":false,"error":"userId is not a recognized field"}');
  });
});

describeEachDatabase("Flashback MFA routes: authentication and failures", (h) => {
  const routes = [
    { method: "GET", url: "/mfa/status" },
    { method: "GET", url: "/mfa/methods" },
    { method: "POST", url: "/mfa/setup", payload: GOOGLE_AUTH },
    { method: "POST", url: "/mfa/verify-setup", payload: { ...GOOGLE_AUTH, code: "123456" } },
    { method: "POST", url: "/mfa/enable", payload: GOOGLE_AUTH },
    { method: "POST", url: "/mfa/disable", payload: GOOGLE_AUTH },
    { method: "POST", url: "/mfa/primary", payload: GOOGLE_AUTH },
    { method: "POST", url: "/mfa/reset", payload: {} },
  ] as const;

  test("no token or a bad token is a 401 in the {success, error} shape on every route", async () => {
    for (const r of routes) {
      const none = await h.inject({ ...r } as never);
      assert.equal(none.statusCode, 401, r.url);
      assert.equal(none.body, '{"success":false,"error":"Missing bearer token"}', r.url);
      const bad = await h.inject({ ...r, headers: bearer("eyJhbGciOiJub25lIn0.e30.") } as never);
      assert.equal(bad.statusCode, 401, r.url);
      assert.equal(bad.body, '{"success":false,"error":"Invalid or expired access token"}', r.url);
    }
  });

  test("an mfaSetupToken opens setup and verify-setup only", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId, { isOrgAdmin: true });
    await fb(h, "POST", "/mfa/organization/enforce", org.accessToken, { enforced: true });
    const { mfaSetupToken } = (await login(h, org.slug, member.email, member.password)).json();
    for (const r of routes.filter((x) => !["/mfa/setup", "/mfa/verify-setup"].includes(x.url))) {
      const res = await h.inject({ ...r, headers: bearer(mfaSetupToken) } as never);
      assert.equal(res.statusCode, 401, r.url);
      assert.equal(res.body, '{"success":false,"error":"An MFA setup token is accepted only by the MFA setup routes"}', r.url);
    }
    assert.equal((await fb(h, "POST", "/mfa/setup", mfaSetupToken, GOOGLE_AUTH)).statusCode, 200);
  });

  test("a storage failure is a 500 with each page's message and no detail", async () => {
    const org = await registerOrg(h);
    const { secret } = await fbEnrol(h, org.accessToken);
    const fresh = await mfaSignIn(h, org.slug, org.email, org.password, codeNow(h, secret));
    nextStep(h);
    const member = await createMember(h, org.orgId);
    const mt = await loginTokens(h, org.slug, member.email, member.password);
    await fb(h, "POST", "/mfa/setup", mt.accessToken, GOOGLE_AUTH);
    // Warm the session cache so the failure hits the MFA tables, not the token check.
    await fb(h, "GET", "/api/v1/auth/me", fresh.accessToken);
    await fb(h, "GET", "/api/v1/auth/me", mt.accessToken);
    const db = h.runtime.database.db;
    await sql`ALTER TABLE mfa_totp RENAME TO mfa_totp_away`.execute(db);
    try {
      const cases = [
        [() => fb(h, "GET", "/mfa/status", fresh.accessToken), "Failed to get MFA status"],
        [() => fb(h, "GET", "/mfa/methods", fresh.accessToken), "Failed to get MFA methods"],
        [() => fb(h, "POST", "/mfa/setup", mt.accessToken, GOOGLE_AUTH), "Failed to setup MFA"],
        [() => fb(h, "POST", "/mfa/verify-setup", mt.accessToken, { ...GOOGLE_AUTH, code: "123456" }), "Failed to verify MFA setup"],
        [() => fb(h, "POST", "/mfa/enable", fresh.accessToken, GOOGLE_AUTH), "Failed to enable MFA"],
        [() => fb(h, "POST", "/mfa/primary", fresh.accessToken, GOOGLE_AUTH), "Failed to set primary MFA"],
        [() => fb(h, "POST", "/mfa/disable", fresh.accessToken, { ...GOOGLE_AUTH, code: codeNow(h, secret) }), "Failed to disable MFA"],
        [() => fb(h, "POST", "/mfa/reset", fresh.accessToken), "Failed to reset MFA"],
      ] as const;
      for (const [call, message] of cases) {
        const res = await call();
        assert.equal(res.statusCode, 500, message);
        assert.equal(res.body, JSON.stringify({ success: false, error: message }));
      }
    } finally {
      await sql`ALTER TABLE mfa_totp_away RENAME TO mfa_totp`.execute(db);
    }
    assert.equal((await fb(h, "GET", "/mfa/status", fresh.accessToken)).json().data.isEnabled, true, "nothing changed");
  });
});
