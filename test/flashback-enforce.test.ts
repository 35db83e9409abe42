import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg } from "./helpers/api.js";

describeEachDatabase("Flashback POST /mfa/organization/enforce", (h) => {
  for (const url of ["/mfa/organization/enforce", "/api/v1/mfa/organization/enforce"]) {
    test(`${url}: true and false answer Flashback's exact bodies and change the shared setting`, async () => {
      const org = await registerOrg(h);
      const on = await h.inject({ method: "POST", url, headers: { ...bearer(org.accessToken), "content-type": "application/json" }, payload: '{\n"enforced": true\n}' });
      assert.equal(on.statusCode, 200);
      assert.equal(on.body, '{"success":true,"message":"MFA enforcement enabled for organization"}');
      const settings = (await h.inject({ method: "GET", url: "/api/v1/organization/settings", headers: bearer(org.accessToken) })).json();
      assert.equal(settings.mfaRequired, true);
      const off = await h.inject({ method: "POST", url, headers: bearer(org.accessToken), payload: { enforced: false } });
      assert.equal(off.body, '{"success":true,"message":"MFA enforcement disabled for organization"}');
      const audit = await h.runtime.database.db.selectFrom("audit_logs").select(["event_type", "details"])
        .where("organization_id", "=", org.orgId).where("event_type", "=", "ORGANIZATION_SETTINGS_UPDATE").orderBy("seq").execute();
      assert.deepEqual(audit.map((a) => a.details), [
        { changes: { mfaRequired: { before: false, after: true } } },
        { changes: { mfaRequired: { before: true, after: false } } },
      ]);
    });
  }

  test("enforcing through Flashback sends members without MFA to enrolment at EntryGuard's login", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await h.inject({ method: "POST", url: "/mfa/organization/enforce", headers: bearer(org.accessToken), payload: { enforced: true } });
    assert.equal((await login(h, org.slug, member.email, member.password)).json().mfaSetupRequired, true);
  });

  test("a missing or non-boolean enforced is a 400 in the {success, error} shape", async () => {
    const org = await registerOrg(h);
    for (const payload of [{}, { enforced: "true" }, { enforced: 1 }, { enforced: null }, { enforced: true, extra: 1 }]) {
      const res = await h.inject({ method: "POST", url: "/mfa/organization/enforce", headers: bearer(org.accessToken), payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.deepEqual(Object.keys(res.json()), ["success", "error"]);
      assert.equal(res.json().success, false);
    }
    const malformed = await h.inject({ method: "POST", url: "/mfa/organization/enforce", headers: { ...bearer(org.accessToken), "content-type": "application/json" }, payload: "{enforced" });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().success, false);
  });

  test("no or bad token is a 401, a member a 403, both in the {success, error} shape", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const mt = await loginTokens(h, org.slug, member.email, member.password);
    const none = await h.inject({ method: "POST", url: "/mfa/organization/enforce", payload: { enforced: true } });
    assert.equal(none.statusCode, 401);
    assert.deepEqual(none.json(), { success: false, error: "Missing bearer token" });
    const bad = await h.inject({ method: "POST", url: "/mfa/organization/enforce", headers: bearer("eyJhbGciOiJub25lIn0.e30."), payload: { enforced: true } });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().success, false);
    const forbidden = await h.inject({ method: "POST", url: "/mfa/organization/enforce", headers: bearer(mt.accessToken), payload: { enforced: true } });
    assert.equal(forbidden.statusCode, 403);
    assert.deepEqual(forbidden.json(), { success: false, error: "Organization admin role required" });
    const settings = (await h.inject({ method: "GET", url: "/api/v1/organization/settings", headers: bearer(org.accessToken) })).json();
    assert.equal(settings.mfaRequired, false);
  });

  test("a storage failure is a 500 with Flashback's message and no detail", async () => {
    const org = await registerOrg(h);
    // Warm the session cache so the failure hits the update itself.
    await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) });
    const db = h.runtime.database.db;
    await sql`ALTER TABLE organizations RENAME TO organizations_away`.execute(db);
    try {
      const res = await h.inject({ method: "POST", url: "/mfa/organization/enforce", headers: bearer(org.accessToken), payload: { enforced: true } });
      assert.equal(res.statusCode, 500);
      assert.equal(res.body, '{"success":false,"error":"Failed to update organization MFA enforcement"}');
    } finally {
      await sql`ALTER TABLE organizations_away RENAME TO organizations`.execute(db);
    }
  });
});
