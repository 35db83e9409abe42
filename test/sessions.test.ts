import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "./helpers/harness.js";
import { createMember, loginTokens, registerOrg } from "./helpers/api.js";
import { auditRows, call } from "./helpers/admin.js";

const SESSION_KEYS = ["id", "createdAt", "lastUsedAt", "expiresAt", "ipAddress", "userAgent", "current"];

describeEachDatabase("session control", (h) => {
  const signIn = async (slug: string, email: string, password: string, userAgent: string) => {
    const res = await h.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "user-agent": userAgent },
      payload: { organizationSlug: slug, email, password },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { accessToken: string; refreshToken: string };
  };

  test("GET /auth/sessions lists the caller's own live sessions and marks the current one", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    h.clock.advance(1000);
    const laptop = await signIn(org.slug, member.email, member.password, "Laptop/1.0");
    h.clock.advance(1000);
    const phone = await signIn(org.slug, member.email, member.password, "Phone/2.0");
    await loginTokens(h, org.slug, org.email, org.password); // someone else's session

    const res = await call(h, laptop.accessToken, "GET", "/api/v1/auth/sessions");
    assert.equal(res.statusCode, 200);
    const list = res.json();
    assert.equal(list.length, 2);
    for (const s of list) assert.deepEqual(Object.keys(s), SESSION_KEYS);
    assert.deepEqual(list.map((s: { userAgent: string }) => s.userAgent), ["Phone/2.0", "Laptop/1.0"], "most recently used first");
    assert.deepEqual(list.map((s: { current: boolean }) => s.current), [false, true]);
    assert.equal(list[1].ipAddress, "127.0.0.1");
    assert.ok(Date.parse(list[1].expiresAt) > Date.parse(list[1].createdAt));

    const fromPhone = (await call(h, phone.accessToken, "GET", "/api/v1/auth/sessions")).json();
    assert.deepEqual(fromPhone.map((s: { current: boolean }) => s.current), [true, false]);
    assert.equal((await call(h, null, "GET", "/api/v1/auth/sessions")).statusCode, 401);
  });

  test("DELETE /auth/sessions/{id} ends that session at once; someone else's id is a 404", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const laptop = await signIn(org.slug, member.email, member.password, "Laptop/1.0");
    const phone = await signIn(org.slug, member.email, member.password, "Phone/2.0");
    const list = (await call(h, laptop.accessToken, "GET", "/api/v1/auth/sessions")).json();
    const phoneId = list.find((s: { current: boolean }) => !s.current).id;

    // The admin of the same organization may not end a member's session through this route.
    const foreign = await call(h, org.accessToken, "DELETE", `/api/v1/auth/sessions/${phoneId}`);
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().message, `Session not found with id: ${phoneId}`);
    assert.equal((await call(h, phone.accessToken, "GET", "/api/v1/auth/me")).statusCode, 200);

    const res = await call(h, laptop.accessToken, "DELETE", `/api/v1/auth/sessions/${phoneId}`);
    assert.equal(res.statusCode, 204);
    assert.equal((await call(h, phone.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: phone.refreshToken } })).statusCode, 401);
    assert.equal((await call(h, laptop.accessToken, "GET", "/api/v1/auth/sessions")).json().length, 1);
    assert.equal((await call(h, laptop.accessToken, "DELETE", `/api/v1/auth/sessions/${phoneId}`)).statusCode, 404, "already ended");

    const [row] = await auditRows(h, org.orgId, "SESSION_REVOKE");
    assert.equal(row!.actor_email, member.email);
    assert.equal(row!.resource_type, "SESSION");
    assert.equal(row!.resource_id, phoneId);
    assert.deepEqual(row!.details, { reason: "USER_REVOKE", sessionsRevoked: 1 });

    // Ending the current session works too, and that token dies with it.
    const currentId = (await call(h, laptop.accessToken, "GET", "/api/v1/auth/sessions")).json()[0].id;
    assert.equal((await call(h, laptop.accessToken, "DELETE", `/api/v1/auth/sessions/${currentId}`)).statusCode, 204);
    assert.equal((await call(h, laptop.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);

    const malformed = await call(h, org.accessToken, "DELETE", "/api/v1/auth/sessions/not-a-uuid");
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error, "VALIDATION_ERROR");
  });

  test("POST /users/{id}/revoke-sessions ends every session of a member at once", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const a = await signIn(org.slug, member.email, member.password, "A");
    const b = await signIn(org.slug, member.email, member.password, "B");
    assert.equal((await call(h, a.accessToken, "GET", "/api/v1/auth/me")).statusCode, 200);

    const res = await call(h, org.accessToken, "POST", `/api/v1/users/${member.id}/revoke-sessions`);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, "");
    for (const s of [a, b]) {
      assert.equal((await call(h, s.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);
      assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: s.refreshToken } })).statusCode, 401);
    }
    assert.equal((await call(h, org.accessToken, "GET", "/api/v1/auth/me")).statusCode, 200, "the admin's own session is untouched");
    // They can sign in again: revocation ends sessions, not the account.
    await signIn(org.slug, member.email, member.password, "C");

    const [row] = await auditRows(h, org.orgId, "SESSION_REVOKE");
    assert.equal(row!.actor_email, org.email);
    assert.equal(row!.resource_type, "USER");
    assert.equal(row!.resource_id, member.id);
    assert.deepEqual(row!.details, { reason: "ADMIN_REVOKE_ALL", sessionsRevoked: 2 });
    assert.equal((await call(h, org.accessToken, "POST", "/api/v1/users/770e8400-e29b-41d4-a716-446655440004/revoke-sessions")).statusCode, 404);
  });
});
