import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, createMember, loginTokens, registerOrg } from "./helpers/api.js";

const URL = "/api/v1/organization/settings";

describeEachDatabase("organization settings", (h) => {
  const patch = (token: string, payload: unknown) =>
    h.inject({ method: "PATCH", url: URL, headers: { ...bearer(token), "content-type": "application/json" }, payload: JSON.stringify(payload) });

  test("the EntryGuard enforcement PATCH answers the full settings object", async () => {
    const org = await registerOrg(h);
    const res = await patch(org.accessToken, { mfaRequired: true });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(Object.keys(res.json()), [
      "id", "name", "subscriptionTier", "mfaRequired", "passwordMinLength", "passwordRequireUppercase",
      "passwordRequireLowercase", "passwordRequireDigit", "passwordRequireSpecialChar", "passwordExpirationDays",
    ]);
    assert.equal(res.json().mfaRequired, true);
    assert.equal(res.json().id, org.orgId);
    const get = await h.inject({ method: "GET", url: URL, headers: bearer(org.accessToken) });
    assert.equal(get.json().mfaRequired, true);
  });

  test("the seed example (min 12, every class, 90 days) round-trips", async () => {
    const org = await registerOrg(h);
    const seed = {
      mfaRequired: true, passwordMinLength: 12, passwordRequireUppercase: true, passwordRequireLowercase: true,
      passwordRequireDigit: true, passwordRequireSpecialChar: true, passwordExpirationDays: 90,
    };
    const res = await patch(org.accessToken, seed);
    assert.equal(res.statusCode, 200);
    const { id: _id, name: _n, subscriptionTier: _s, ...settings } = res.json();
    assert.deepEqual(settings, seed);
    const cleared = await patch(org.accessToken, { passwordExpirationDays: null });
    assert.equal(cleared.json().passwordExpirationDays, null);
    assert.equal(cleared.json().passwordMinLength, 12, "a partial PATCH leaves other fields alone");
  });

  test("anonymous and bad tokens get 401 UNAUTHORIZED", async () => {
    for (const headers of [{}, bearer("nonsense"), { authorization: "Basic abc" }]) {
      const res = await h.inject({ method: "GET", url: URL, headers });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error, "UNAUTHORIZED");
      assert.equal(res.json().path, URL);
    }
    const p = await h.inject({ method: "PATCH", url: URL, payload: { mfaRequired: true } });
    assert.equal(p.statusCode, 401);
  });

  test("a member who is not an admin gets 403 FORBIDDEN and changes nothing", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const tokens = await loginTokens(h, org.slug, member.email, member.password);
    const get = await h.inject({ method: "GET", url: URL, headers: bearer(tokens.accessToken) });
    assert.equal(get.statusCode, 403);
    const { timestamp: _t, ...body } = get.json();
    assert.deepEqual(body, { status: 403, error: "FORBIDDEN", message: "Organization admin role required", path: URL });
    const res = await patch(tokens.accessToken, { mfaRequired: true });
    assert.equal(res.statusCode, 403);
    const settings = await h.inject({ method: "GET", url: URL, headers: bearer(org.accessToken) });
    assert.equal(settings.json().mfaRequired, false);
  });

  test("an admin sees and changes only their own organization", async () => {
    const a = await registerOrg(h);
    const b = await registerOrg(h);
    await patch(a.accessToken, { passwordMinLength: 20 });
    const bSettings = await h.inject({ method: "GET", url: URL, headers: bearer(b.accessToken) });
    assert.equal(bSettings.json().id, b.orgId);
    assert.equal(bSettings.json().passwordMinLength, 8);
  });

  const invalid: Array<[string, unknown, Record<string, string>]> = [
    ["an empty body", {}, { body: "must contain at least one field" }],
    ["an unknown field", { mfaRequired: true, colour: "red" }, { colour: "is not a recognized field" }],
    ["a string for a boolean", { mfaRequired: "true" }, { mfaRequired: "must be a boolean" }],
    ["a number for a boolean", { passwordRequireDigit: 1 }, { passwordRequireDigit: "must be a boolean" }],
    ["null for a boolean", { passwordRequireUppercase: null }, { passwordRequireUppercase: "must be a boolean" }],
    ["min length 7", { passwordMinLength: 7 }, { passwordMinLength: "must be between 8 and 128" }],
    ["min length 129", { passwordMinLength: 129 }, { passwordMinLength: "must be between 8 and 128" }],
    ["a fractional min length", { passwordMinLength: 8.5 }, { passwordMinLength: "must be an integer" }],
    ["a string min length", { passwordMinLength: "12" }, { passwordMinLength: "must be an integer" }],
    ["expiration 0", { passwordExpirationDays: 0 }, { passwordExpirationDays: "must be between 1 and 365" }],
    ["expiration 366", { passwordExpirationDays: 366 }, { passwordExpirationDays: "must be between 1 and 365" }],
    ["a string expiration", { passwordExpirationDays: "30" }, { passwordExpirationDays: "must be an integer or null" }],
    ["an array body", [{ mfaRequired: true }], { body: "must be an object" }],
    ["a null body", null, { body: "must be an object" }],
  ];
  for (const [what, payload, validationErrors] of invalid) {
    test(`PATCH rejects ${what} with 400 VALIDATION_ERROR and changes nothing`, async () => {
      const org = await registerOrg(h);
      const before = (await h.inject({ method: "GET", url: URL, headers: bearer(org.accessToken) })).json();
      const res = await patch(org.accessToken, payload);
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json();
      assert.equal(body.error, "VALIDATION_ERROR");
      assert.equal(body.status, 400);
      assert.deepEqual(body.validationErrors, validationErrors);
      const after = (await h.inject({ method: "GET", url: URL, headers: bearer(org.accessToken) })).json();
      assert.deepEqual(after, before);
    });
  }

  test("a valid field beside an invalid one is not applied either", async () => {
    const org = await registerOrg(h);
    const res = await patch(org.accessToken, { mfaRequired: true, passwordMinLength: 3 });
    assert.equal(res.statusCode, 400);
    const after = (await h.inject({ method: "GET", url: URL, headers: bearer(org.accessToken) })).json();
    assert.equal(after.mfaRequired, false);
  });

  test("each change writes ORGANIZATION_SETTINGS_UPDATE with before and after of the changed fields", async () => {
    const org = await registerOrg(h);
    await patch(org.accessToken, { mfaRequired: true, passwordMinLength: 8, passwordExpirationDays: 30 });
    const rows = await h.runtime.database.db.selectFrom("audit_logs").selectAll()
      .where("organization_id", "=", org.orgId).where("event_type", "=", "ORGANIZATION_SETTINGS_UPDATE").execute();
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row.actor_email, org.email);
    assert.equal(row.actor_type, "USER");
    assert.equal(row.result, "SUCCESS");
    assert.equal(row.resource_id, org.orgId);
    assert.deepEqual(row.details, {
      changes: { mfaRequired: { before: false, after: true }, passwordExpirationDays: { before: null, after: 30 } },
    });
  });

  test("20 concurrent PATCHes: the final state is one of them and all 20 are audited", async () => {
    const org = await registerOrg(h);
    const lengths = Array.from({ length: 20 }, (_, i) => 10 + i);
    const results = await Promise.all(lengths.map((n) => patch(org.accessToken, { passwordMinLength: n })));
    assert.ok(results.every((r) => r.statusCode === 200));
    const final = (await h.inject({ method: "GET", url: URL, headers: bearer(org.accessToken) })).json();
    assert.ok(lengths.includes(final.passwordMinLength));
    const rows = await h.runtime.database.db.selectFrom("audit_logs").select("details")
      .where("organization_id", "=", org.orgId).where("event_type", "=", "ORGANIZATION_SETTINGS_UPDATE").orderBy("seq").execute();
    assert.equal(rows.length, 20);
    // Row locks serialize the updates: each audit "before" is the previous "after".
    const last = rows[rows.length - 1]!.details as { changes: { passwordMinLength: { after: number } } };
    assert.equal(last.changes.passwordMinLength.after, final.passwordMinLength);
  });
});
