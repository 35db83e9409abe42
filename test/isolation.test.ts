import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { createMember, loginTokens, registerOrg } from "./helpers/api.js";
import { call, invite, setPassword } from "./helpers/admin.js";

type Method = "GET" | "POST" | "PATCH" | "DELETE";
interface IdRoute {
  method: Method;
  /** With `:id` where the target goes. */
  path: string;
  body?: unknown;
  /** Ours answer EntryGuard's exact message; other features' routes are held to status and code. */
  ours: boolean;
}

/** Every admin route that takes a user id, including other features' when they are registered. */
function idRoutes(h: Harness): IdRoute[] {
  const routes: IdRoute[] = [
    { method: "GET", path: "/api/v1/users/:id", ours: true },
    { method: "PATCH", path: "/api/v1/users/:id", body: { isActive: false }, ours: true },
    { method: "PATCH", path: "/api/v1/users/:id", body: { isOrgAdmin: true, name: "Pwned" }, ours: true },
    { method: "DELETE", path: "/api/v1/users/:id", ours: true },
    { method: "POST", path: "/api/v1/users/:id/resend-invitation", ours: true },
    { method: "POST", path: "/api/v1/users/:id/revoke-sessions", ours: true },
  ];
  for (const action of ["reset-mfa", "expire-password", "reset-password"]) {
    const path = `/api/v1/users/:id/${action}`;
    if (h.app.hasRoute({ method: "POST", url: path })) routes.push({ method: "POST", path, ours: false });
  }
  return routes;
}

/** Everything of an organization an admin route could change, for before/after comparison. */
async function snapshot(h: Harness, orgId: string) {
  const db = h.runtime.database.db;
  const userIds = (await db.selectFrom("users").select("id").where("organization_id", "=", orgId).execute()).map((u) => u.id);
  return {
    users: await db.selectFrom("users").selectAll().where("organization_id", "=", orgId).orderBy("id").execute(),
    sessions: await db.selectFrom("sessions").selectAll().where("organization_id", "=", orgId).orderBy("id").execute(),
    invitations: await db.selectFrom("invitations").selectAll().where("user_id", "in", userIds).orderBy("token_hash").execute(),
    resets: await db.selectFrom("password_resets").selectAll().where("user_id", "in", userIds).orderBy("token_hash").execute(),
    audit: await db.selectFrom("audit_logs").selectAll().where("organization_id", "=", orgId).orderBy("seq").execute(),
  };
}

describeEachDatabase("tenant isolation", (h) => {
  test("another organization's admin gets 404 from every admin route, and nothing changes", async () => {
    const attacker = await registerOrg(h);
    const victim = await registerOrg(h);
    const member = await createMember(h, victim.orgId);
    // A target each route would act on if it crossed the boundary: MFA on, a live session, a pending invitation.
    const memberSession = await loginTokens(h, victim.slug, member.email, member.password);
    await h.runtime.database.db.updateTable("users").set({ mfa_enabled: true }).where("id", "=", member.id).execute();
    const { user: invitee, token: inviteToken } = await invite(h, victim.accessToken, { email: "invitee@victim.test" });
    const sessionId = (await call(h, victim.accessToken, "GET", "/api/v1/auth/sessions")).json()[0].id;
    const before = await snapshot(h, victim.orgId);

    const targets = [member.id, victim.userId, invitee.id, member.id.toUpperCase()];
    for (const route of idRoutes(h)) {
      for (const id of targets) {
        const url = route.path.replace(":id", id);
        const res = await call(h, attacker.accessToken, route.method, url, route.body);
        assert.equal(res.statusCode, 404, `${route.method} ${url}: ${res.body}`);
        assert.equal(res.json().error, "NOT_FOUND");
        if (route.ours) assert.equal(res.json().message, `User not found with id: ${id}`);
      }
    }
    const foreignSession = await call(h, attacker.accessToken, "DELETE", `/api/v1/auth/sessions/${sessionId}`);
    assert.equal(foreignSession.statusCode, 404);

    // Lists and searches show only the caller's organization.
    const users = (await call(h, attacker.accessToken, "GET", "/api/v1/users")).json();
    assert.deepEqual(users.map((u: { id: string }) => u.id), [attacker.userId]);
    assert.deepEqual((await call(h, attacker.accessToken, "GET", `/api/v1/users?q=${encodeURIComponent(member.email)}`)).json(), []);
    assert.deepEqual((await call(h, attacker.accessToken, "GET", `/api/v1/users?limit=1000&isOrgAdmin=true`)).json().length, 1);
    const audit = (await call(h, attacker.accessToken, "GET", "/api/v1/audit-logs?size=200")).json();
    assert.ok(audit.content.every((e: { organizationName: string }) => e.organizationName === `Org ${attacker.slug}`));
    assert.equal((await call(h, attacker.accessToken, "GET", `/api/v1/audit-logs?actorEmail=${encodeURIComponent(victim.email)}`)).json().totalElements, 0);
    const ndjson = (await call(h, attacker.accessToken, "GET", "/api/v1/audit-logs?format=ndjson")).body;
    assert.ok(!ndjson.includes(victim.orgId) && !ndjson.includes(victim.slug) && !ndjson.includes(member.id));
    // An email that exists in another organization is free in this one (and stays untouched there).
    assert.equal((await call(h, attacker.accessToken, "POST", "/api/v1/users", { email: member.email })).statusCode, 201);

    assert.deepEqual(await snapshot(h, victim.orgId), before, "the victim organization is unchanged");
    assert.equal((await call(h, memberSession.accessToken, "GET", "/api/v1/auth/me")).statusCode, 200);
    assert.equal((await call(h, victim.accessToken, "GET", "/api/v1/users")).json().length, 3);
    assert.equal((await setPassword(h, inviteToken, "Fresh-Pa55-Otter")).statusCode, 200, "the victim's invitation still works");
  });

  test("a malformed id is a 400 VALIDATION_ERROR on every route that takes one, never a 500", async () => {
    const org = await registerOrg(h);
    const bad = [
      "not-a-uuid", "urn:uuid:123e4567-e89b-12d3-a456-426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
      "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g", "1%27%20OR%20%271%27%3D%271", "x".repeat(99),
    ];
    const routes = [...idRoutes(h), { method: "DELETE" as const, path: "/api/v1/auth/sessions/:id", ours: true }];
    for (const route of routes) {
      for (const id of bad) {
        const url = route.path.replace(":id", id);
        const res = await call(h, org.accessToken, route.method, url, route.body);
        assert.equal(res.statusCode, 400, `${route.method} ${url}: ${res.body}`);
        assert.equal(res.json().error, "VALIDATION_ERROR");
      }
    }
  });
});
