import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";
import { describeEachDatabase } from "../helpers/harness.js";
import { bearer, createMember, login, registerOrg } from "../helpers/api.js";
import { enrolTotp } from "../helpers/mfa.js";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describeEachDatabase("access token forgery and misuse", (h) => {
  const me = (token: string) => h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(token) });

  async function realClaims() {
    const org = await registerOrg(h);
    const [header, payload] = org.accessToken.split(".");
    return { org, header: JSON.parse(Buffer.from(header!, "base64url").toString()), payload: JSON.parse(Buffer.from(payload!, "base64url").toString()) };
  }

  test("the genuine token works (control)", async () => {
    const { org } = await realClaims();
    assert.equal((await me(org.accessToken)).statusCode, 200);
  });

  test("alg none is refused", async () => {
    const { payload } = await realClaims();
    for (const alg of ["none", "None", "NONE"]) {
      assert.equal((await me(`${b64({ alg, typ: "JWT" })}.${b64(payload)}.`)).statusCode, 401);
    }
  });

  test("HS256 signed with the published public key is refused (algorithm confusion)", async () => {
    const { header, payload } = await realClaims();
    const jwks = (await h.inject({ method: "GET", url: "/.well-known/jwks.json" })).json();
    const pub = jwks.keys.find((k: { kid: string }) => k.kid === header.kid);
    for (const secret of [JSON.stringify(pub), pub.x, Buffer.from(pub.x, "base64url")]) {
      const signingInput = `${b64({ alg: "HS256", typ: "JWT", kid: header.kid })}.${b64(payload)}`;
      const sig = createHmac("sha256", secret).update(signingInput).digest("base64url");
      assert.equal((await me(`${signingInput}.${sig}`)).statusCode, 401);
    }
  });

  test("a token signed by another key (another instance) is refused, with its kid or ours", async () => {
    const { header, payload } = await realClaims();
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    for (const kid of [header.kid, "foreign-kid"]) {
      const forged = await new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", kid }).sign(privateKey);
      assert.equal((await me(forged)).statusCode, 401);
    }
  });

  test("a tampered payload (another user, admin flag) is refused", async () => {
    const { org } = await realClaims();
    const [header, payload, sig] = org.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const tampered = `${header}.${b64({ ...claims, sub: "00000000-0000-0000-0000-000000000000" })}.${sig}`;
    assert.equal((await me(tampered)).statusCode, 401);
  });

  test("wrong issuer, wrong audience and expired tokens are refused even when properly signed", async () => {
    // Sign with the server's own keys but other claims: only the claim checks can refuse these.
    const { payload } = await realClaims();
    const { createTokenSigner } = await import("../../src/crypto/jwt.js");
    const { ensureSigningKeys } = await import("../../src/features/keys/service.js");
    const keys = await ensureSigningKeys(h.runtime.database.db, h.runtime.box, h.clock.now());
    const mk = async (issuer: string, audience: string) => {
      const s = createTokenSigner({ box: h.runtime.box, issuer, audience });
      await s.load(keys);
      return s;
    };
    const claims = { sub: payload.sub, org: payload.org, sid: payload.sid, adm: payload.adm };
    const wrongIss = await (await mk("http://evil.test", h.config.audience)).sign(claims, 900, h.clock.now());
    const wrongAud = await (await mk(h.config.issuer, "http://evil.test")).sign(claims, 900, h.clock.now());
    const expired = await (await mk(h.config.issuer, h.config.audience)).sign(claims, 900, new Date(h.clock.now().getTime() - 901_000));
    const good = await (await mk(h.config.issuer, h.config.audience)).sign(claims, 900, h.clock.now());
    assert.equal((await me(wrongIss)).statusCode, 401);
    assert.equal((await me(wrongAud)).statusCode, 401);
    assert.equal((await me(expired)).statusCode, 401);
    assert.equal((await me(good)).statusCode, 200, "control: the same signer with the right claims works");
  });

  test("intermediate tokens (challenge, setup) and refresh tokens are not access tokens", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    await h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(org.accessToken), payload: { mfaRequired: true } });
    const setup = (await login(h, org.slug, member.email, member.password)).json();
    assert.equal((await me(setup.mfaSetupToken)).statusCode, 401);
    await enrolTotp(h, org.accessToken);
    const challenge = (await login(h, org.slug, org.email, org.password)).json();
    assert.equal((await me(challenge.mfaChallengeToken)).statusCode, 401);
    assert.equal((await me(org.refreshToken)).statusCode, 401);
  });

  test("a password-change token is not an access token, nor a token of another step", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const expired = await h.inject({ method: "POST", url: `/api/v1/users/${member.id}/expire-password`, headers: bearer(org.accessToken) });
    assert.equal(expired.statusCode, 204);
    const step = (await login(h, org.slug, member.email, member.password)).json();
    assert.equal(step.passwordExpired, true);
    const token = step.passwordChangeToken as string;
    assert.equal((await me(token)).statusCode, 401);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(token) })).statusCode, 401);
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/organization/settings", headers: bearer(org.accessToken) })).statusCode, 200);
    const asChallenge = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: token, code: "123456" } });
    assert.equal(asChallenge.statusCode, 401, "bound to its purpose");
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: token } })).statusCode, 401);
    // Still good for what it is for, afterwards: misuse did not burn or unlock anything.
    const changed = await h.inject({ method: "POST", url: "/api/v1/auth/change-expired-password", payload: { passwordChangeToken: token, newPassword: "Fresh-Harbour-Lamp-42" } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.ok(changed.json().accessToken);
  });

  test("an MFA challenge token cannot change an expired password", async () => {
    const org = await registerOrg(h);
    await enrolTotp(h, org.accessToken);
    const challenge = (await login(h, org.slug, org.email, org.password)).json();
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/change-expired-password", payload: { passwordChangeToken: challenge.mfaChallengeToken, newPassword: "Fresh-Harbour-Lamp-42" } });
    assert.equal(res.statusCode, 401);
    assert.equal((await login(h, org.slug, org.email, org.password)).statusCode, 200, "the password did not change");
  });

  test("a deactivated user's access token is refused at once, and so is a deleted user's", async () => {
    const org = await registerOrg(h);
    const a = await createMember(h, org.orgId);
    const b = await createMember(h, org.orgId);
    const ta = (await login(h, org.slug, a.email, a.password)).json();
    const tb = (await login(h, org.slug, b.email, b.password)).json();
    assert.equal((await me(ta.accessToken)).statusCode, 200, "control: cached as live");
    assert.equal((await me(tb.accessToken)).statusCode, 200);
    const off = await h.inject({ method: "PATCH", url: `/api/v1/users/${a.id}`, headers: bearer(org.accessToken), payload: { isActive: false } });
    assert.equal(off.statusCode, 200);
    const gone = await h.inject({ method: "DELETE", url: `/api/v1/users/${b.id}`, headers: bearer(org.accessToken) });
    assert.equal(gone.statusCode, 204);
    assert.equal((await me(ta.accessToken)).statusCode, 401);
    assert.equal((await me(tb.accessToken)).statusCode, 401);
    for (const rt of [ta.refreshToken, tb.refreshToken]) {
      assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: rt } })).statusCode, 401);
    }
  });

  test("garbage in the Authorization header is a 401, never a 500", async () => {
    for (const value of ["Bearer", "Bearer ", "Bearer a.b", "Bearer ....", "Bearer " + "x".repeat(5000), "Token abc", "Bearer a b"]) {
      const res = await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: { authorization: value } });
      assert.equal(res.statusCode, 401, value.slice(0, 20));
    }
  });
});
