import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { createMember, loginTokens, registerOrg } from "./helpers/api.js";
import { call, invite, setPassword } from "./helpers/admin.js";

const ENTRY_KEYS = [
  "id", "eventType", "actorEmail", "actorType", "resourceType", "resourceId", "resourceName",
  "result", "ipAddress", "errorMessage", "details", "organizationName", "createdAt",
];
const URL = "/api/v1/audit-logs";

/** `count` rows in one INSERT … SELECT; row n has resource_id n, so its order is known. */
async function insertAuditRows(h: Harness, orgId: string, count: number, opts: { eventType?: string; createdAt?: (n: string) => ReturnType<typeof sql> } = {}) {
  const createdAt = opts.createdAt ? opts.createdAt("g") : sql`clock_timestamp()`;
  await sql`
    INSERT INTO audit_logs (organization_id, organization_name, event_type, actor_email, actor_type, resource_type, resource_id, result, details, created_at)
    SELECT ${orgId}::uuid, 'Bulk Org', ${opts.eventType ?? "USER_LOGIN"}, 'bulk' || g || '@x.test', 'USER', 'USER', g::text, 'SUCCESS',
           jsonb_build_object('n', g), ${createdAt}
    FROM generate_series(1, ${count}::int) AS g`.execute(h.runtime.database.db);
}

describeEachDatabase("audit log API", (h) => {
  test("entries have EntryGuard's shape, newest first, in Spring's page", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await call(h, org.accessToken, "PATCH", `/api/v1/users/${member.id}`, { name: "Ada" });
    const res = await call(h, org.accessToken, "GET", URL);
    assert.equal(res.statusCode, 200);
    const page = res.json();
    assert.deepEqual(Object.keys(page), ["content", "totalElements", "totalPages", "number", "size"]);
    assert.deepEqual([page.totalElements, page.totalPages, page.number, page.size], [2, 1, 0, 20]);
    for (const e of page.content) assert.deepEqual(Object.keys(e), ENTRY_KEYS);
    const [update, register] = page.content;
    assert.equal(register.eventType, "USER_REGISTER");
    assert.deepEqual({ ...update, id: undefined, createdAt: undefined }, {
      id: undefined, eventType: "USER_UPDATE", actorEmail: org.email, actorType: "USER", resourceType: "USER", resourceId: member.id,
      resourceName: member.email, result: "SUCCESS", ipAddress: "127.0.0.1", errorMessage: null,
      details: { changes: { name: { before: null, after: "Ada" } } }, organizationName: `Org ${org.slug}`, createdAt: undefined,
    });
    assert.match(update.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("every event of organization administration is recorded with its actor, result and details", async () => {
    const org = await registerOrg(h);
    const { user, token } = await invite(h, org.accessToken, { email: "ivy@acme.test", name: "Ivy" });
    await setPassword(h, token, "Strong-Pa55-Koala");
    const ivy = await loginTokens(h, org.slug, "ivy@acme.test", "Strong-Pa55-Koala");
    const sessionId = (await call(h, ivy.accessToken, "GET", "/api/v1/auth/sessions")).json()[0].id;
    await call(h, ivy.accessToken, "DELETE", `/api/v1/auth/sessions/${sessionId}`);
    await call(h, org.accessToken, "POST", `/api/v1/users/${user.id}/revoke-sessions`);
    await call(h, org.accessToken, "PATCH", `/api/v1/users/${user.id}`, { isOrgAdmin: true });
    await call(h, org.accessToken, "PATCH", `/api/v1/users/${user.id}`, { isActive: false });
    await call(h, org.accessToken, "DELETE", `/api/v1/users/${user.id}`);

    const expected: Array<[type: string, actor: string, details: (d: any) => boolean]> = [
      ["USER_CREATE", org.email, (d) => d.email === "ivy@acme.test" && d.isOrgAdmin === false],
      ["PASSWORD_CHANGE", "ivy@acme.test", (d) => d.reason === "INVITATION_ACCEPTED"],
      ["SESSION_REVOKE", "ivy@acme.test", (d) => d.reason === "USER_REVOKE"],
      ["SESSION_REVOKE", org.email, (d) => d.reason === "ADMIN_REVOKE_ALL"],
      ["USER_UPDATE", org.email, (d) => d.changes.isOrgAdmin.after === true],
      ["USER_DEACTIVATE", org.email, (d) => d.changes.isActive.after === false],
      ["USER_DELETE", org.email, (d) => d.email === "ivy@acme.test" && d.isOrgAdmin === true],
    ];
    for (const type of new Set(expected.map((e) => e[0]))) {
      const entries = (await call(h, org.accessToken, "GET", `${URL}?eventType=${type}`)).json().content.reverse();
      const want = expected.filter((e) => e[0] === type);
      assert.equal(entries.length, want.length, type);
      want.forEach(([, actor, check], i) => {
        const e = entries[i];
        assert.equal(e.actorEmail, actor, type);
        assert.equal(e.result, "SUCCESS");
        assert.equal(e.organizationName, `Org ${org.slug}`);
        assert.ok(check(e.details), `${type}: ${JSON.stringify(e.details)}`);
      });
    }
  });

  test("filters: eventType, actorEmail (any case), from (inclusive) and to (exclusive)", async () => {
    const org = await registerOrg(h);
    // Ten days of one entry at noon, 2026-01-01 … 2026-01-10.
    await insertAuditRows(h, org.orgId, 10, { createdAt: (g) => sql`timestamptz '2026-01-01 12:00:00+00' + (${sql.raw(g)} - 1) * interval '1 day'` });
    const get = async (query: string) => {
      const res = await call(h, org.accessToken, "GET", `${URL}?${query}`);
      assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
      return res.json();
    };
    const ids = (page: { content: Array<{ resourceId: string }> }) => page.content.map((e) => e.resourceId);
    assert.deepEqual(ids(await get("from=2026-01-03T12:00:00Z&to=2026-01-06T12:00:00Z")), ["5", "4", "3"]);
    assert.deepEqual(ids(await get("from=2026-01-03&to=2026-01-06")), ["5", "4", "3"]);
    assert.deepEqual(ids(await get(`from=${encodeURIComponent("2026-01-09T13:00:00+01:00")}&to=2026-02-01`)), ["10", "9"]);
    assert.deepEqual(ids(await get("from=2026-01-09T13:00:00 01:00&eventType=USER_LOGIN")), ["10", "9"], "an unencoded + arrives as a space");
    assert.deepEqual(ids(await get("to=2026-01-02T12:00:00.001")), ["2", "1"]);
    assert.equal((await get("eventType=USER_LOGIN")).totalElements, 10);
    assert.equal((await get("eventType=USER_REGISTER")).totalElements, 1);
    assert.equal((await get("eventType=NO_SUCH_EVENT")).totalElements, 0);
    assert.deepEqual(ids(await get("actorEmail=BULK7@X.TEST")), ["7"]);
    assert.equal((await get(`actorEmail=${encodeURIComponent(org.email)}`)).content[0].eventType, "USER_REGISTER");

    for (const [query, field] of [["from=yesterday", "querystring.from"], ["to=2026-02-30", "querystring.to"], ["from=1700000000", "querystring.from"]]) {
      const res = await call(h, org.accessToken, "GET", `${URL}?${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error, "VALIDATION_ERROR");
      assert.deepEqual(Object.keys(res.json().validationErrors), [field]);
    }
  });

  test("pages tile the trail newest first; size is capped at 200", async () => {
    const org = await registerOrg(h);
    await insertAuditRows(h, org.orgId, 44);
    const total = 45;
    const seen: string[] = [];
    for (let page = 0; page < 5; page++) {
      const body = (await call(h, org.accessToken, "GET", `${URL}?page=${page}&size=10`)).json();
      assert.deepEqual([body.totalElements, body.totalPages, body.number, body.size], [total, 5, page, 10]);
      assert.equal(body.content.length, page < 4 ? 10 : 5);
      seen.push(...body.content.map((e: { id: string }) => e.id));
    }
    assert.equal(new Set(seen).size, total);
    const all = (await call(h, org.accessToken, "GET", `${URL}?size=200`)).json();
    assert.deepEqual(all.content.map((e: { id: string }) => e.id), seen);
    assert.deepEqual(all.content.slice(0, 3).map((e: { resourceId: string }) => e.resourceId), ["44", "43", "42"]);
    assert.equal((await call(h, org.accessToken, "GET", `${URL}?page=9`)).json().content.length, 0);
    for (const query of ["size=201", "size=0", "page=-1", "page=x", "format=csv"]) {
      assert.equal((await call(h, org.accessToken, "GET", `${URL}?${query}`)).statusCode, 400, query);
    }
    // Unknown parameters (a Spring client's sort) are ignored.
    assert.equal((await call(h, org.accessToken, "GET", `${URL}?sort=createdAt,desc`)).statusCode, 200);
  });

  test("format=ndjson streams all 10,000 matching entries, one JSON object per line, newest first", async () => {
    const org = await registerOrg(h);
    const other = await registerOrg(h);
    await insertAuditRows(h, org.orgId, 10_000);
    await insertAuditRows(h, other.orgId, 50);
    const res = await call(h, org.accessToken, "GET", `${URL}?format=ndjson`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "application/x-ndjson");
    assert.equal(res.headers["transfer-encoding"], "chunked", "streamed, not buffered into one body");
    const lines = res.body.split("\n");
    assert.equal(lines.pop(), "", "every line ends with a newline");
    assert.equal(lines.length, 10_001);
    const entries = lines.map((l) => JSON.parse(l));
    assert.deepEqual(Object.keys(entries[0]), ENTRY_KEYS);
    assert.equal(entries[0].resourceId, "10000");
    assert.equal(entries[9_999].resourceId, "1");
    assert.equal(entries[10_000].eventType, "USER_REGISTER");
    assert.equal(new Set(entries.map((e) => e.id)).size, 10_001);
    assert.ok(entries.every((e) => e.organizationName !== `Org ${other.slug}`));

    const filtered = await call(h, org.accessToken, "GET", `${URL}?format=ndjson&eventType=USER_REGISTER`);
    assert.equal(filtered.body.trim().split("\n").length, 1);
    const bad = await call(h, org.accessToken, "GET", `${URL}?format=ndjson&from=nope`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, "VALIDATION_ERROR");
  });

  test("a password sign-in writes its session and its USER_LOGIN row in one statement: one row per session, details an object", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const db = h.runtime.database.db;
    for (let i = 0; i < 3; i++) await loginTokens(h, org.slug, member.email, member.password);
    const rows = await db.selectFrom("audit_logs").selectAll()
      .where("organization_id", "=", org.orgId).where("event_type", "=", "USER_LOGIN").where("actor_id", "=", member.id).execute();
    const sessions = await db.selectFrom("sessions").select("id").where("user_id", "=", member.id).execute();
    assert.equal(rows.length, 3);
    assert.equal(sessions.length, 3);
    for (const row of rows) {
      assert.deepEqual(row.details, { mfa: false }, "jsonb object, not a JSON string");
      assert.equal(row.result, "SUCCESS");
      assert.equal(row.resource_id, member.id);
      assert.equal(row.organization_name, `Org ${org.slug}`);
    }
    const res = await call(h, org.accessToken, "GET", `${URL}?eventType=USER_LOGIN&actorEmail=${encodeURIComponent(member.email)}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().content.map((e: { details: unknown }) => e.details), [{ mfa: false }, { mfa: false }, { mfa: false }]);
  });

  test("members who are not admins get 403", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const { accessToken } = await loginTokens(h, org.slug, member.email, member.password);
    assert.equal((await call(h, accessToken, "GET", URL)).statusCode, 403);
    assert.equal((await call(h, accessToken, "GET", `${URL}?format=ndjson`)).statusCode, 403);
  });

  test("the database refuses to update, delete or truncate audit rows", async () => {
    const org = await registerOrg(h);
    const db = h.runtime.database.db;
    const before = await db.selectFrom("audit_logs").selectAll().where("organization_id", "=", org.orgId).execute();
    assert.equal(before.length, 1);
    const attempts = [
      sql`UPDATE audit_logs SET event_type = 'FORGED' WHERE organization_id = ${org.orgId}::uuid`,
      sql`DELETE FROM audit_logs WHERE organization_id = ${org.orgId}::uuid`,
      sql`TRUNCATE audit_logs`,
    ];
    for (const statement of attempts) {
      await assert.rejects(statement.execute(db), /append-only/);
    }
    assert.deepEqual(await db.selectFrom("audit_logs").selectAll().where("organization_id", "=", org.orgId).execute(), before);
  });

  test("no password or token appears anywhere in the audit table", async () => {
    const adminPassword = "Owner-Unique-Pa55-Koala";
    const org = await registerOrg(h, { password: adminPassword });
    const { user, token } = await invite(h, org.accessToken, { email: "jo@acme.test" });
    await setPassword(h, token, "weakling");
    const accepted = (await setPassword(h, token, "Jo-Unique-Pa55-Wombat")).json();
    const refreshed = (await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: accepted.refreshToken } })).json();
    await call(h, org.accessToken, "POST", `/api/v1/users/${user.id}/revoke-sessions`);
    await call(h, org.accessToken, "PATCH", `/api/v1/users/${user.id}`, { isActive: false });
    const dump = JSON.stringify(await h.runtime.database.db.selectFrom("audit_logs").selectAll().execute());
    const secrets = [adminPassword, "weakling", "Jo-Unique-Pa55-Wombat", token, org.accessToken, org.refreshToken,
      accepted.accessToken, accepted.refreshToken, refreshed.accessToken, refreshed.refreshToken];
    for (const secret of secrets) {
      assert.ok(typeof secret === "string" && secret.length > 0);
      assert.ok(!dump.includes(secret), `secret found in audit_logs: ${secret.slice(0, 12)}…`);
    }
  });
});
