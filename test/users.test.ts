import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { createMember, login, loginTokens, registerOrg } from "./helpers/api.js";
import { auditRows, call, insertMembers, invite, USER_KEYS, type MemberSeed } from "./helpers/admin.js";

type UserJson = { id: string; email: string; name: string | null; isOrgAdmin: boolean; isActive: boolean; mfaEnabled: boolean; createdAt: string };

/** Follows Link rel="next" from `url` to the end; answers every page. */
async function allPages(h: Harness, token: string, url: string): Promise<UserJson[][]> {
  const pages: UserJson[][] = [];
  let next: string | null = url;
  while (next) {
    const res = await call(h, token, "GET", next);
    assert.equal(res.statusCode, 200, res.body);
    pages.push(res.json());
    const link = res.headers.link as string | undefined;
    if (!link) break;
    const m = /^<http:\/\/gatehouse\.test(\/api\/v1\/users\?[^>]+)>; rel="next"$/.exec(link);
    assert.ok(m, `unexpected Link header: ${link}`);
    next = m[1]!;
    assert.ok(pages.length < 1000, "pagination does not end");
  }
  return pages;
}

describeEachDatabase("members: listing", (h) => {
  test("GET /users answers EntryGuard's UserResponse objects, keys in order", async () => {
    const org = await registerOrg(h);
    h.clock.advance(1000);
    await invite(h, org.accessToken, { email: "bob@acme.test", name: "Robert Developer" });
    const res = await call(h, org.accessToken, "GET", "/api/v1/users");
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    const list = res.json();
    assert.equal(list.length, 2);
    for (const u of list) assert.deepEqual(Object.keys(u), USER_KEYS);
    const [admin, bob] = list;
    assert.equal(admin.email, org.email);
    assert.equal(admin.isOrgAdmin, true);
    assert.match(admin.lastLoginAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual({ ...bob, id: undefined, createdAt: undefined, updatedAt: undefined }, {
      id: undefined, email: "bob@acme.test", name: "Robert Developer", isOrgAdmin: false, platformRole: "CUSTOMER", isActive: true,
      mfaEnabled: false, lastLoginAt: null, roleNames: [], createdAt: undefined, updatedAt: undefined,
    });
    const one = await call(h, org.accessToken, "GET", `/api/v1/users/${bob.id}`);
    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json(), bob);
  });

  test("an unknown id is a 404 in EntryGuard's words; a malformed one is a 400, never a 500", async () => {
    const org = await registerOrg(h);
    const id = "770e8400-e29b-41d4-a716-446655440004";
    const res = await call(h, org.accessToken, "GET", `/api/v1/users/${id}`);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error, "NOT_FOUND");
    assert.equal(res.json().message, `User not found with id: ${id}`);
    for (const bad of ["nope", `urn:uuid:${id}`, `${id}x`, "%27%20or%201%3D1"]) {
      const r = await call(h, org.accessToken, "GET", `/api/v1/users/${bad}`);
      assert.equal(r.statusCode, 400, bad);
      assert.equal(r.json().error, "VALIDATION_ERROR");
      assert.deepEqual(Object.keys(r.json().validationErrors), ["params.id"]);
    }
  });

  test("500 members: filters, search and pages that tile the unpaged list exactly", async () => {
    const org = await registerOrg(h);
    // Five members per timestamp, timestamps a microsecond apart: every page boundary
    // falls inside a tie or inside one JS millisecond, where a rounded cursor would fail.
    const seeds: MemberSeed[] = Array.from({ length: 500 }, (_, i) => ({
      email: `Member${String(i).padStart(3, "0")}@Example.test`,
      name: i % 50 === 0 ? `Zed Percent_${i}%` : `Member ${i}`,
      is_org_admin: i % 10 === 0,
      is_active: i % 7 !== 0,
      mfa_enabled: i % 3 === 0,
      created_at: `2025-06-01T12:00:00.${String(Math.floor(i / 5)).padStart(6, "0")}Z`,
    }));
    await insertMembers(h, org.orgId, seeds);

    const all: UserJson[] = (await call(h, org.accessToken, "GET", "/api/v1/users")).json();
    assert.equal(all.length, 501);
    assert.equal(new Set(all.map((u) => u.id)).size, 501);
    // Ordered by created_at at full (microsecond) precision, then id.
    const key = (u: UserJson) => {
      const seed = /^Member(\d{3})@/.exec(u.email);
      return seed ? [Math.floor(Number(seed[1]) / 5), u.id] as const : [Infinity, u.id] as const;
    };
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [key(all[i - 1]!), key(all[i]!)];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `ordered by created_at, then id (at ${i})`);
    }
    assert.equal(all[500]!.email, org.email, "the admin registered last");

    for (const limit of [1, 37, 100, 501, 1000]) {
      const pages = await allPages(h, org.accessToken, `/api/v1/users?limit=${limit}`);
      assert.equal(pages.length, Math.ceil(501 / limit));
      assert.ok(pages.every((p) => p.length <= limit));
      assert.deepEqual(pages.flat(), all, `limit=${limit}: no duplicate, no gap, same order`);
    }

    const expectCount = async (query: string, expected: number) => {
      const list: UserJson[] = (await call(h, org.accessToken, "GET", `/api/v1/users?${query}`)).json();
      assert.equal(list.length, expected, query);
      const paged = (await allPages(h, org.accessToken, `/api/v1/users?${query}&limit=9`)).flat();
      assert.deepEqual(paged, list, `${query}: paged equals unpaged (filters carry over in the Link)`);
      return list;
    };
    const count = (pred: (s: MemberSeed, i: number) => boolean) => seeds.filter(pred).length;
    await expectCount("mfaEnabled=true", count((s) => s.mfa_enabled!));
    await expectCount("mfaEnabled=false", count((s) => !s.mfa_enabled) + 1);
    await expectCount("isOrgAdmin=true", count((s) => s.is_org_admin!) + 1);
    await expectCount("isActive=false", count((s) => !s.is_active));
    await expectCount("isActive=false&mfaEnabled=true", count((s) => !s.is_active && s.mfa_enabled!));
    await expectCount("q=ZED", 10);
    await expectCount("q=member007%40example", 1);
    // LIKE wildcards in the search are literal: "_0%" is only in "Zed Percent_0%".
    const literal = await expectCount(`q=${encodeURIComponent("_0%")}`, 1);
    assert.equal(literal[0]!.name, "Zed Percent_0%");
    await expectCount("q=nobody-has-this", 0);
  });

  test("bad listing parameters are 400 VALIDATION_ERROR", async () => {
    const org = await registerOrg(h);
    const forged = Buffer.from(JSON.stringify(["2025-01-01T00:00:00.000000Z", "x"])).toString("base64url");
    for (const query of ["limit=0", "limit=1001", "limit=ten", "isActive=maybe", "q=", `cursor=${forged}&limit=5`, "cursor=***"]) {
      const res = await call(h, org.accessToken, "GET", `/api/v1/users?${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error, "VALIDATION_ERROR");
    }
    // Unknown parameters are ignored: EntryGuard's list takes none, and clients may add their own.
    assert.equal((await call(h, org.accessToken, "GET", "/api/v1/users?_=123")).statusCode, 200);
  });

  test("members who are not admins get 403 on every /users route", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const { accessToken } = await loginTokens(h, org.slug, member.email, member.password);
    const id = org.userId;
    const routes: Array<[method: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown]> = [
      ["GET", "/api/v1/users"], ["GET", `/api/v1/users/${id}`], ["POST", "/api/v1/users", { email: "x@y.test" }],
      ["PATCH", `/api/v1/users/${id}`, { isActive: false }], ["DELETE", `/api/v1/users/${id}`],
      ["POST", `/api/v1/users/${id}/resend-invitation`], ["POST", `/api/v1/users/${id}/revoke-sessions`],
    ];
    for (const [method, url, body] of routes) {
      const res = await call(h, accessToken, method, url, body);
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.equal(res.json().message, "Organization admin role required");
    }
    assert.equal((await call(h, org.accessToken, "GET", `/api/v1/users/${id}`)).json().isActive, true);
  });
});

describeEachDatabase("members: changes", (h) => {
  test("PATCH renames and promotes, strictly, and audits what changed", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const res = await call(h, org.accessToken, "PATCH", `/api/v1/users/${member.id}`, { name: "  Ada  ", isOrgAdmin: true });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(Object.keys(res.json()), USER_KEYS);
    assert.equal(res.json().name, "Ada");
    assert.equal(res.json().isOrgAdmin, true);
    const [row] = await auditRows(h, org.orgId, "USER_UPDATE");
    assert.equal(row!.actor_email, org.email);
    assert.equal(row!.actor_type, "USER");
    assert.equal(row!.resource_id, member.id);
    assert.equal(row!.resource_name, member.email);
    assert.deepEqual(row!.details, { changes: { name: { before: null, after: "Ada" }, isOrgAdmin: { before: false, after: true } } });

    // The same values again change nothing and write nothing.
    assert.equal((await call(h, org.accessToken, "PATCH", `/api/v1/users/${member.id}`, { name: "Ada" })).statusCode, 200);
    assert.equal((await auditRows(h, org.orgId, "USER_UPDATE")).length, 1);

    const invalid: Array<[unknown, string]> = [
      [{}, "body"], [{ isAdmin: true }, "isAdmin"], [{ isActive: "false" }, "isActive"], [{ name: 5 }, "name"], [{ email: "new@x.test" }, "email"],
    ];
    for (const [body, field] of invalid) {
      const r = await call(h, org.accessToken, "PATCH", `/api/v1/users/${member.id}`, body);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      assert.ok(field in r.json().validationErrors, r.body);
    }
  });

  test("deactivation refuses the member's access and refresh tokens at once, and sign-in", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/auth/me")).statusCode, 200);

    const res = await call(h, org.accessToken, "PATCH", `/api/v1/users/${member.id}`, { isActive: false });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().isActive, false);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: session.refreshToken } })).statusCode, 401);
    const denied = await login(h, org.slug, member.email, member.password);
    assert.equal(denied.statusCode, 401);
    assert.equal(denied.json().error, "INVALID_CREDENTIALS");

    const [row] = await auditRows(h, org.orgId, "USER_DEACTIVATE");
    assert.equal(row!.actor_email, org.email);
    assert.equal(row!.result, "SUCCESS");
    assert.deepEqual(row!.details, { changes: { isActive: { before: true, after: false } }, sessionsRevoked: 1 });

    // Reactivation lets them sign in again (old sessions stay ended).
    assert.equal((await call(h, org.accessToken, "PATCH", `/api/v1/users/${member.id}`, { isActive: true })).statusCode, 200);
    assert.equal((await login(h, org.slug, member.email, member.password)).statusCode, 200);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);
  });

  test("a demoted admin's token gets 403 on admin routes at once", async () => {
    const org = await registerOrg(h);
    const second = await createMember(h, org.orgId, { isOrgAdmin: true });
    const session = await loginTokens(h, org.slug, second.email, second.password);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/users")).statusCode, 200);
    assert.equal((await call(h, org.accessToken, "PATCH", `/api/v1/users/${second.id}`, { isOrgAdmin: false })).statusCode, 200);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/users")).statusCode, 403);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/organization/settings")).statusCode, 403);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/auth/me")).statusCode, 200, "still signed in, as a member");
    // And a promotion takes effect at once too.
    assert.equal((await call(h, org.accessToken, "PATCH", `/api/v1/users/${second.id}`, { isOrgAdmin: true })).statusCode, 200);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/users")).statusCode, 200);
  });

  test("the last active admin can be neither demoted, deactivated nor deleted", async () => {
    const org = await registerOrg(h);
    // Neither a pending invitee nor a deactivated admin can sign in: they do not count.
    await invite(h, org.accessToken, { email: "pending-admin@x.test", isOrgAdmin: true });
    const inactive = await createMember(h, org.orgId, { isOrgAdmin: true });
    await call(h, org.accessToken, "PATCH", `/api/v1/users/${inactive.id}`, { isActive: false });
    const attempts: Array<["PATCH" | "DELETE", unknown, string]> = [
      ["PATCH", { isOrgAdmin: false }, "Cannot demote the last organization admin"],
      ["PATCH", { isActive: false }, "Cannot deactivate the last organization admin"],
      ["DELETE", undefined, "Cannot delete the last organization admin"],
    ];
    for (const [method, body, message] of attempts) {
      const res = await call(h, org.accessToken, method, `/api/v1/users/${org.userId}`, body);
      // EntryGuard's status (reference §5: "400 last admin"), with its messages.
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error, "BAD_REQUEST");
      assert.equal(res.json().message, message);
    }
    const me = (await call(h, org.accessToken, "GET", `/api/v1/users/${org.userId}`)).json();
    assert.equal(me.isOrgAdmin, true);
    assert.equal(me.isActive, true);
    assert.equal((await auditRows(h, org.orgId, "USER_DELETE")).length, 0);

    // With another admin who can sign in, the first may step down.
    await createMember(h, org.orgId, { isOrgAdmin: true });
    assert.equal((await call(h, org.accessToken, "PATCH", `/api/v1/users/${org.userId}`, { name: "Renamed" })).statusCode, 200);
    assert.equal((await call(h, org.accessToken, "PATCH", `/api/v1/users/${org.userId}`, { isOrgAdmin: false })).statusCode, 200);
  });

  test("two admins removing each other at the same moment: exactly one succeeds", async () => {
    for (const action of ["demote", "deactivate", "delete"] as const) {
      const org = await registerOrg(h);
      const other = await createMember(h, org.orgId, { isOrgAdmin: true });
      const otherSession = await loginTokens(h, org.slug, other.email, other.password);
      const send = (token: string, id: string) =>
        action === "delete" ? call(h, token, "DELETE", `/api/v1/users/${id}`)
        : call(h, token, "PATCH", `/api/v1/users/${id}`, action === "demote" ? { isOrgAdmin: false } : { isActive: false });
      const results = await Promise.all([send(org.accessToken, other.id), send(otherSession.accessToken, org.userId)]);
      const codes = results.map((r) => r.statusCode).sort();
      // The loser is refused either by the rule (400) or because the winner already removed its rights (401/403).
      assert.equal(codes.filter((c) => c === 200 || c === 204).length, 1, `${action}: ${codes}`);
      const admins = await h.runtime.database.db.selectFrom("users").select("id")
        .where("organization_id", "=", org.orgId).where("is_org_admin", "=", true).where("is_active", "=", true).execute();
      assert.equal(admins.length, 1, `${action}: one admin remains`);
    }
  });

  test("DELETE removes the member and their sessions; the email can be invited again", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId, { email: "leaver@x.test" });
    const session = await loginTokens(h, org.slug, member.email, member.password);
    const res = await call(h, org.accessToken, "DELETE", `/api/v1/users/${member.id}`);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, "");
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);
    assert.equal((await call(h, org.accessToken, "GET", `/api/v1/users/${member.id}`)).statusCode, 404);
    assert.equal((await call(h, org.accessToken, "DELETE", `/api/v1/users/${member.id}`)).statusCode, 404);
    const [row] = await auditRows(h, org.orgId, "USER_DELETE");
    assert.equal(row!.actor_email, org.email);
    assert.equal(row!.resource_id, member.id);
    assert.deepEqual(row!.details, { email: "leaver@x.test", name: null, isOrgAdmin: false, isActive: true, sessionsRevoked: 1 });
    await invite(h, org.accessToken, { email: "LEAVER@x.test" });
  });
});
