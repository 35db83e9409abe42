import { test } from "node:test";
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { describeEachDatabase } from "../helpers/harness.js";
import { bearer, login, registerOrg } from "../helpers/api.js";
import { enrolTotp } from "../helpers/mfa.js";
import { HSTS_VALUE } from "../../src/http/security-headers.js";

/** Every answer that carries or refuses a credential: none may be stored by a browser or a proxy (ASVS 8.2.1). */
async function authAnswers(h: Parameters<Parameters<typeof describeEachDatabase>[1]>[0]) {
  const org = await registerOrg(h);
  const answers: Record<string, LightMyRequestResponse> = {};
  answers["login 200"] = await login(h, org.slug, org.email, org.password);
  answers["login 401"] = await login(h, org.slug, org.email, "Wrong-password-1");
  answers["login 400"] = await h.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email: 1 } });
  answers["refresh 200"] = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: org.refreshToken } });
  answers["refresh 401"] = await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: "ghr_nope" } });
  answers["me 200"] = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) });
  answers["me 401"] = await h.inject({ method: "GET", url: "/api/v1/auth/me" });
  answers["settings 200"] = await h.inject({ method: "GET", url: "/api/v1/organization/settings", headers: bearer(org.accessToken) });
  answers["mfa setup 200"] = await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) });
  answers["flashback status 200"] = await h.inject({ method: "GET", url: "/mfa/status", headers: bearer(org.accessToken) });
  await enrolTotp(h, (answers["refresh 200"].json() as { accessToken: string }).accessToken);
  const challenge = await login(h, org.slug, org.email, org.password);
  answers["verify-mfa 401"] = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: challenge.json().mfaChallengeToken, code: "000000" } });
  return answers;
}

describeEachDatabase("security headers over plain http", (h) => {
  test("every auth answer, success or error, is Cache-Control: no-store and names no framework", async () => {
    for (const [name, res] of Object.entries(await authAnswers(h))) {
      assert.equal(res.headers["cache-control"], "no-store", name);
      assert.equal(res.headers["x-powered-by"], undefined, name);
      assert.equal(res.headers["x-content-type-options"], "nosniff", name);
      assert.equal(res.headers["strict-transport-security"], undefined, `${name}: no HSTS when PUBLIC_URL is http`);
    }
  });
});

describeEachDatabase("security headers behind TLS", (h) => {
  test("with an https PUBLIC_URL every answer carries HSTS for a year, subdomains included", async () => {
    assert.equal(HSTS_VALUE, "max-age=31536000; includeSubDomains");
    const answers = await authAnswers(h);
    answers["healthz"] = await h.inject({ method: "GET", url: "/healthz" });
    answers["404"] = await h.inject({ method: "GET", url: "/api/v1/nowhere" });
    for (const [name, res] of Object.entries(answers)) {
      assert.equal(res.headers["strict-transport-security"], HSTS_VALUE, name);
      assert.equal(res.headers["x-powered-by"], undefined, name);
    }
    assert.equal(answers["login 200"]!.headers["cache-control"], "no-store");
  });
}, { env: { PUBLIC_URL: "https://id.example.test" } });
