import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, loginTokens, registerOrg } from "./helpers/api.js";

describeEachDatabase("restart persistence", (h) => {
  test("settings, users and sessions survive a restart on the same data", async () => {
    const org = await registerOrg(h);
    const res = await h.inject({
      method: "PATCH",
      url: "/api/v1/organization/settings",
      headers: bearer(org.accessToken),
      payload: { passwordMinLength: 14, passwordExpirationDays: 45 },
    });
    assert.equal(res.statusCode, 200);
    await h.restart();
    const settings = await h.inject({ method: "GET", url: "/api/v1/organization/settings", headers: bearer(org.accessToken) });
    assert.equal(settings.statusCode, 200, "the access token is still valid: signing keys persisted");
    assert.equal(settings.json().passwordMinLength, 14);
    assert.equal(settings.json().passwordExpirationDays, 45);
    await loginTokens(h, org.slug, org.email, org.password);
  });
}, { persistent: true });
