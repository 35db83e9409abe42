import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, createMember, loginTokens, registerOrg } from "./helpers/api.js";
import { enrolTotp } from "./helpers/mfa.js";

describeEachDatabase("error handling", (h) => {
  const expectErrorBody = (res: { statusCode: number; json: () => any; headers: Record<string, unknown> }, status: number, code: string) => {
    assert.equal(res.statusCode, status);
    const body = res.json();
    assert.equal(body.status, status);
    assert.equal(body.error, code);
    assert.match(body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(typeof body.message, "string");
    assert.equal(typeof body.path, "string");
    assert.ok(!JSON.stringify(body).includes("    at "), "no stack trace");
  };

  test("malformed JSON is a 400, not a 500", async () => {
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/login", headers: { "content-type": "application/json" }, payload: "{\"a\":" });
    expectErrorBody(res, 400, "VALIDATION_ERROR");
    assert.equal(res.json().message, "Malformed JSON in request body");
  });

  test("a body that is not JSON is a 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const res = await h.inject({ method: "POST", url: "/api/v1/auth/login", headers: { "content-type": type }, payload: "a=b" });
      expectErrorBody(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    }
  });

  test("a body over 64 KiB is a 413", async () => {
    const res = await h.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ organizationSlug: "x", email: "a@b.c", password: "x".repeat(70_000) }),
    });
    expectErrorBody(res, 413, "PAYLOAD_TOO_LARGE");
  });

  test("unknown routes are a JSON 404", async () => {
    const res = await h.inject({ method: "GET", url: "/api/v1/nothing-here?x=1" });
    expectErrorBody(res, 404, "NOT_FOUND");
    assert.equal(res.json().path, "/api/v1/nothing-here");
  });

  test("wrong types in a login body are field errors", async () => {
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: 5, email: ["x"], password: null, extra: true } });
    expectErrorBody(res, 400, "VALIDATION_ERROR");
    assert.deepEqual(res.json().validationErrors, {
      extra: "is not a recognized field",
      organizationSlug: "must be a string",
      email: "must be a string",
      password: "must be a string",
    });
  });

  test("one bad field is named in the message, as EntryGuard's examples; several say \"Validation failed\"", async () => {
    const one = await h.inject({ method: "POST", url: "/api/v1/auth/register", payload: { organizationName: "Beta", email: "not-an-email", password: "x" } });
    expectErrorBody(one, 400, "VALIDATION_ERROR");
    assert.equal(one.json().message, "Invalid email format");
    assert.deepEqual(one.json().validationErrors, { email: "must be a valid email address" });
    // (A "__proto__" key never gets this far: the JSON parser refuses it as prototype poisoning.)
    for (const name of ["constructor", "toString", "hasOwnProperty"]) {
      const odd = await h.inject({ method: "POST", url: "/api/v1/auth/login", headers: { "content-type": "application/json" }, payload: `{"${name}":1,"organizationSlug":"x","email":"a@b.cc","password":"x"}` });
      expectErrorBody(odd, 400, "VALIDATION_ERROR");
      assert.equal(odd.json().message, `${name} is not a recognized field`);
      assert.equal(odd.payload.includes(`"validationErrors":{"${name}":"is not a recognized field"}`), true, odd.payload);
    }
    const several = await h.inject({ method: "POST", url: "/api/v1/auth/register", payload: { email: "", password: "x" } });
    expectErrorBody(several, 400, "VALIDATION_ERROR");
    assert.equal(several.json().message, "Validation failed");
    assert.deepEqual(several.json().validationErrors, { organizationName: "is required", email: "must not be blank" });
  });

  test("text PostgreSQL cannot store (an unpaired surrogate) and names with line breaks are a 400 naming the field; nothing changes", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const json = { ...bearer(org.accessToken), "content-type": "application/json" };
    const users = h.runtime.database.db.selectFrom("users").select(["name", "updated_at"]).where("id", "=", member.id);
    const before = await users.executeTakeFirstOrThrow();
    const surrogate = await h.inject({ method: "PATCH", url: `/api/v1/users/${member.id}`, headers: json, payload: '{"name":"a\\ud800b"}' });
    expectErrorBody(surrogate, 400, "VALIDATION_ERROR");
    assert.deepEqual(surrogate.json().validationErrors, { name: "must be valid Unicode (no unpaired surrogate)" });
    const inKey = await h.inject({ method: "PATCH", url: `/api/v1/users/${member.id}`, headers: json, payload: '{"name":"Bob","\\udc00":1}' });
    assert.equal(inKey.statusCode, 400);

    for (const name of ["T\r\nBcc: spy@evil.test", "tab\there", "next\u0085line", "sep\u2028arator"]) {
      const invite = await h.inject({ method: "POST", url: "/api/v1/users", headers: json, payload: { email: `x-${Math.random().toString(36).slice(2)}@example.test`, name } });
      expectErrorBody(invite, 400, "VALIDATION_ERROR");
      assert.equal(invite.json().message, "name must not contain line breaks or other control characters", JSON.stringify(name));
      assert.equal((await h.inject({ method: "PATCH", url: `/api/v1/users/${member.id}`, headers: json, payload: { name } })).statusCode, 400);
    }
    const register = await h.inject({ method: "POST", url: "/api/v1/auth/register", payload: { organizationName: "Evil Corp\r\nX-Injected: yes", email: "boss@evil-corp.test", password: "Sup3r-Secret-Pass" } });
    expectErrorBody(register, 400, "VALIDATION_ERROR");
    assert.deepEqual(register.json().validationErrors, { organizationName: "must not contain line breaks or other control characters" });

    assert.deepEqual(await users.executeTakeFirstOrThrow(), before, "the member is unchanged");
    const created = await h.runtime.database.db.selectFrom("users").select("email").where("organization_id", "=", org.orgId).execute();
    assert.equal(created.length, 2, "no one was invited");
    assert.equal(await h.runtime.database.db.selectFrom("organizations").select("id").where("name", "like", "Evil Corp%").executeTakeFirst(), undefined);
    // Names with accents, emoji (a surrogate pair) and punctuation are fine.
    const ok = await h.inject({ method: "PATCH", url: `/api/v1/users/${member.id}`, headers: json, payload: { name: "Zoë O'Brien-Łukasz 🦊" } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().name, "Zoë O'Brien-Łukasz 🦊");
  });

  test("a body-less POST refuses a body with fields and changes nothing, and takes a JSON content-type with no body", async () => {
    const org = await registerOrg(h);
    const admin = await enrolTotp(h, org.accessToken);
    const member = await createMember(h, org.orgId);
    const memberTokens = await loginTokens(h, org.slug, member.email, member.password);
    await enrolTotp(h, memberTokens.accessToken);
    const auditCount = async () =>
      (await h.inject({ method: "GET", url: "/api/v1/audit-logs", headers: bearer(org.accessToken) })).json().totalElements as number;
    const routes = [
      { url: "/api/v1/mfa/recovery-codes/regenerate", ok: 200 },
      { url: `/api/v1/users/${member.id}/reset-mfa`, ok: 200 },
      { url: `/api/v1/users/${member.id}/revoke-sessions`, ok: 204 },
      { url: `/api/v1/users/${member.id}/expire-password`, ok: 204 },
      { url: `/api/v1/users/${member.id}/reset-password`, ok: 204 },
    ];
    const json = { ...bearer(org.accessToken), "content-type": "application/json" };

    const before = await auditCount();
    for (const { url } of routes) {
      const res = await h.inject({ method: "POST", url, headers: json, payload: '{"x":1}' });
      expectErrorBody(res, 400, "VALIDATION_ERROR");
      assert.deepEqual(res.json().validationErrors, { x: "is not a recognized field" }, url);
    }
    assert.equal(await auditCount(), before, "no refused call left an audit row");
    const seen = (await h.inject({ method: "GET", url: `/api/v1/users/${member.id}`, headers: bearer(org.accessToken) })).json();
    assert.equal(seen.mfaEnabled, true, "reset-mfa did not run");
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(memberTokens.accessToken) })).statusCode, 200, "revoke-sessions did not run");
    const challenge = (await h.inject({ method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: org.slug, email: org.email, password: org.password } })).json();
    const byCode = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: challenge.mfaChallengeToken, code: admin.recoveryCodes[0] } });
    assert.equal(byCode.statusCode, 200, "the recovery codes were not replaced");

    for (const { url, ok } of routes) {
      const res = await h.inject({ method: "POST", url, headers: json, payload: "" });
      assert.equal(res.statusCode, ok, `${url}: ${res.body}`);
    }
    const logout = await h.inject({ method: "POST", url: "/api/v1/auth/logout", headers: json, payload: "" });
    assert.equal(logout.statusCode, 200, logout.body);
    // A route that needs a body still says so.
    const login = await h.inject({ method: "POST", url: "/api/v1/auth/login", headers: { "content-type": "application/json" }, payload: "" });
    expectErrorBody(login, 400, "VALIDATION_ERROR");
  });

  test("what Node's HTTP parser refuses (headers over 16 KiB, a broken request line) is answered in the path's dialect", async () => {
    await h.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = h.app.server.address() as AddressInfo;
    const raw = (request: string) =>
      new Promise<{ head: string; body: string }>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => socket.write(request));
        let data = "";
        socket.on("data", (chunk) => (data += chunk.toString("latin1")));
        socket.on("error", reject);
        socket.on("close", () => {
          const at = data.indexOf("\r\n\r\n");
          resolve({ head: data.slice(0, at), body: data.slice(at + 4) });
        });
      });
    const huge = `X-Filler: ${"a".repeat(20_000)}\r\n`;

    const entryguard = await raw(`GET /api/v1/auth/me?x=1 HTTP/1.1\r\nHost: x\r\n${huge}\r\n`);
    assert.match(entryguard.head, /^HTTP\/1\.1 431 /);
    assert.match(entryguard.head, /cache-control: no-store/i);
    const body = JSON.parse(entryguard.body);
    assert.deepEqual(Object.keys(body), ["timestamp", "status", "error", "message", "path"]);
    assert.equal(body.status, 431);
    assert.equal(body.error, "HEADERS_TOO_LARGE");
    assert.equal(body.path, "/api/v1/auth/me");

    const flashback = await raw(`GET /mfa/status HTTP/1.1\r\nHost: x\r\n${huge}\r\n`);
    assert.match(flashback.head, /^HTTP\/1\.1 431 /);
    assert.equal(flashback.body, '{"success":false,"error":"Request headers are too large (limit 16 KiB)"}');

    const broken = await raw("NOT AN HTTP REQUEST\r\n\r\n");
    assert.match(broken.head, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(broken.body).error, "BAD_REQUEST");
    // The server is unharmed.
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  });

  test("auth responses are never cached and do not advertise the framework", async () => {
    const org = await registerOrg(h);
    const res = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) });
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(res.headers["x-powered-by"], undefined);
  });

  test("health and readiness", async () => {
    assert.deepEqual((await h.inject({ method: "GET", url: "/healthz" })).json(), { status: "ok" });
    assert.equal((await h.inject({ method: "GET", url: "/readyz" })).statusCode, 200);
  });
});
