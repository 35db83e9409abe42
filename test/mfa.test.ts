import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { createSecretBox, generateMasterKey } from "../src/crypto/secretbox.js";
import { recoveryCodeDigest } from "../src/crypto/totp.js";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg } from "./helpers/api.js";
import { codeNow, enrolTotp, nextStep } from "./helpers/mfa.js";

describeEachDatabase("TOTP enrolment", (h) => {
  test("setup answers a base64 PNG QR code, the secret and an RFC 6238 otpauth URL", async () => {
    const org = await registerOrg(h, { name: "Acme Security" });
    const res = await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ["qrCodeBase64", "secret", "otpauthUrl"]);
    assert.ok(Buffer.from(body.qrCodeBase64, "base64").subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])));
    assert.match(body.secret, /^[A-Z2-7]{32}$/);
    const url = new URL(body.otpauthUrl);
    assert.equal(url.protocol, "otpauth:");
    assert.equal(url.host, "totp");
    assert.equal(decodeURIComponent(url.pathname), `/Acme Security:${org.email}`);
    assert.equal(url.searchParams.get("issuer"), "Acme Security");
    assert.equal(url.searchParams.get("algorithm"), "SHA1");
    assert.equal(url.searchParams.get("digits"), "6");
    assert.equal(url.searchParams.get("period"), "30");
    assert.equal(url.searchParams.get("secret"), body.secret);
  });

  test("the secret is stored encrypted, never in the clear", async () => {
    const org = await registerOrg(h);
    const { secret } = (await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) })).json();
    const row = await h.runtime.database.db.selectFrom("mfa_totp").selectAll().where("user_id", "=", org.userId).executeTakeFirstOrThrow();
    assert.ok(!row.secret_enc.includes(secret));
    assert.match(row.secret_enc, /^v1\.[0-9a-f]{8}\./);
  });

  test("setup again before confirming replaces the pending secret", async () => {
    const org = await registerOrg(h);
    const first = (await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) })).json();
    const second = (await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) })).json();
    assert.notEqual(first.secret, second.secret);
    const stale = await h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(org.accessToken), payload: { code: codeNow(h, first.secret) } });
    assert.equal(stale.statusCode, 400);
    const ok = await h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(org.accessToken), payload: { code: codeNow(h, second.secret), secret: second.secret } });
    assert.equal(ok.statusCode, 200);
  });

  test("confirm returns 8 recovery codes of 8 characters, sets mfaEnabled, and setup is then a 409", async () => {
    const org = await registerOrg(h);
    const { recoveryCodes } = await enrolTotp(h, org.accessToken);
    assert.equal(recoveryCodes.length, 8);
    for (const c of recoveryCodes) assert.match(c, /^[a-z0-9]{8}$/);
    assert.equal(new Set(recoveryCodes).size, 8);
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).json();
    assert.equal(me.mfaEnabled, true);
    const again = await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error, "CONFLICT");
    const stored = await h.runtime.database.db.selectFrom("recovery_codes").select("code_hash").where("user_id", "=", org.userId).execute();
    assert.equal(stored.length, 8);
    for (const row of stored) assert.ok(!recoveryCodes.includes(row.code_hash), "codes are stored hashed");
  });

  test("a secret that does not match the pending one, or a wrong code, is refused and enables nothing", async () => {
    const org = await registerOrg(h);
    const { secret } = (await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) })).json();
    const mismatch = await h.inject({
      method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(org.accessToken),
      payload: { code: codeNow(h, secret), secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" },
    });
    assert.equal(mismatch.statusCode, 400);
    assert.equal(mismatch.json().validationErrors.secret, "does not match the pending MFA setup");
    const wrong = await h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(org.accessToken), payload: { code: "000000" } });
    assert.equal(wrong.statusCode, 400);
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).json();
    assert.equal(me.mfaEnabled, false);
  });

  test("confirm without a pending setup is a 400", async () => {
    const org = await registerOrg(h);
    const res = await h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(org.accessToken), payload: { code: "123456" } });
    assert.equal(res.statusCode, 400);
  });
});

describeEachDatabase("MFA challenge at sign-in", (h) => {
  test("enrol → log out → log in → challenge → verify → tokens", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    await h.inject({ method: "POST", url: "/api/v1/auth/logout", payload: { refreshToken: org.refreshToken } });
    const first = await login(h, org.slug, org.email, org.password);
    assert.equal(first.statusCode, 200);
    const challenge = first.json();
    assert.equal(challenge.mfaRequired, true);
    assert.match(challenge.mfaChallengeToken, /^mfa_challenge_/);
    assert.equal(challenge.mfaChallengeExpiresIn, 300);
    assert.equal(challenge.accessToken, null);
    assert.equal(challenge.refreshToken, null);
    assert.equal(challenge.user, null);
    const verified = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: challenge.mfaChallengeToken, code: codeNow(h, secret) } });
    assert.equal(verified.statusCode, 200, verified.body);
    const tokens = verified.json();
    assert.equal(tokens.mfaRequired, false);
    assert.ok(tokens.accessToken);
    assert.equal(tokens.user.mfaEnabled, true);
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(tokens.accessToken) })).statusCode, 200);
  });

  test("the code that confirmed enrolment cannot sign in, and an accepted code cannot be replayed", async () => {
    const org = await registerOrg(h);
    const setup = (await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(org.accessToken) })).json();
    const code = codeNow(h, setup.secret);
    await h.inject({ method: "POST", url: "/api/v1/mfa/setup/confirm", headers: bearer(org.accessToken), payload: { code } });
    const c1 = (await login(h, org.slug, org.email, org.password)).json();
    const replayEnrol = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c1.mfaChallengeToken, code } });
    assert.equal(replayEnrol.statusCode, 401);
    assert.equal(replayEnrol.json().error, "INVALID_MFA_CODE");
    nextStep(h);
    const fresh = codeNow(h, setup.secret);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c1.mfaChallengeToken, code: fresh } })).statusCode, 200);
    const c2 = (await login(h, org.slug, org.email, org.password)).json();
    const replay = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c2.mfaChallengeToken, code: fresh } });
    assert.equal(replay.statusCode, 401);
  });

  test("a code from the previous or next step is accepted (±1 step of drift), two steps away is not", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const { totpCode } = await import("../src/crypto/totp.js");
    const at = (ms: number) => totpCode(secret, new Date(h.clock.now().getTime() + ms));
    const c = (await login(h, org.slug, org.email, org.password)).json();
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: at(-60_000) } })).statusCode, 401);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: at(30_000) } })).statusCode, 200);
  });

  test("a recovery code works once, case-insensitively", async () => {
    const org = await registerOrg(h);
    const { recoveryCodes } = await enrolTotp(h, org.accessToken);
    const c1 = (await login(h, org.slug, org.email, org.password)).json();
    const ok = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c1.mfaChallengeToken, code: recoveryCodes[0]!.toUpperCase() } });
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.json().accessToken);
    const c2 = (await login(h, org.slug, org.email, org.password)).json();
    const again = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c2.mfaChallengeToken, code: recoveryCodes[0] } });
    assert.equal(again.statusCode, 401);
    assert.equal(again.json().error, "INVALID_MFA_CODE");
  });

  test("recovery codes are stored keyed with the master key and salted per user; plain SHA-256 ones from before still work once", async () => {
    const org = await registerOrg(h);
    const { recoveryCodes } = await enrolTotp(h, org.accessToken);
    const db = h.runtime.database.db;
    const stored = (await db.selectFrom("recovery_codes").select("code_hash").where("user_id", "=", org.userId).execute()).map((r) => r.code_hash);
    const box = h.runtime.box;
    for (const hash of stored) assert.match(hash, new RegExp(`^d1\\.${box.currentKeyId}\\.[A-Za-z0-9_-]{43}$`));
    const sha256 = (code: string) => createHash("sha256").update(code).digest("base64url");
    // What a copy of the database alone allows: an unkeyed hash, or a digest under a guessed key, matches nothing.
    const stranger = createSecretBox([generateMasterKey()]);
    for (const code of recoveryCodes) {
      assert.ok(!stored.includes(sha256(code)), "not an unkeyed hash");
      assert.ok(!stored.includes(stranger.digest(`recovery-code\0${org.userId}\0${code}`)), "keyed with this instance's master key");
      assert.ok(stored.includes(recoveryCodeDigest(box, org.userId, code)));
      assert.notEqual(recoveryCodeDigest(box, randomUUID(), code), recoveryCodeDigest(box, org.userId, code), "salted with the user's id");
    }

    // A code issued before keyed digests, stored as its plain SHA-256, still signs in, once.
    await db.updateTable("recovery_codes").set({ code_hash: sha256(recoveryCodes[1]!) }).where("code_hash", "=", recoveryCodeDigest(box, org.userId, recoveryCodes[1]!)).execute();
    const verify = async (code: string) => {
      const challenge = (await login(h, org.slug, org.email, org.password)).json();
      return h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: challenge.mfaChallengeToken, code } });
    };
    assert.equal((await verify(recoveryCodes[1]!)).statusCode, 200);
    assert.equal((await verify(recoveryCodes[1]!)).statusCode, 401);
    // Another user's code is no use here, though both are digests of the same kind.
    const other = await registerOrg(h);
    const otherCodes = (await enrolTotp(h, other.accessToken)).recoveryCodes;
    assert.equal((await verify(otherCodes[0]!)).statusCode, 401);
  });

  test("20 concurrent verifies with one code give exactly one success", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const challenges = await Promise.all(Array.from({ length: 20 }, () => login(h, org.slug, org.email, org.password)));
    const code = codeNow(h, secret);
    const results = await Promise.all(challenges.map((c) =>
      h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.json().mfaChallengeToken, code } })));
    assert.equal(results.filter((r) => r.statusCode === 200).length, 1);
    assert.equal(results.filter((r) => r.statusCode === 401).length, 19);
  });

  test("a challenge dies after 5 wrong codes", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const c = (await login(h, org.slug, org.email, org.password)).json();
    for (let i = 0; i < 5; i++) {
      const res = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: "00000" + i } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error, "INVALID_MFA_CODE");
    }
    const dead = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: codeNow(h, secret) } });
    assert.equal(dead.statusCode, 401);
    assert.equal(dead.json().error, "UNAUTHORIZED");
  });

  test("an expired challenge is refused", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const c = (await login(h, org.slug, org.email, org.password)).json();
    h.clock.advance(301_000);
    const res = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: codeNow(h, secret) } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error, "UNAUTHORIZED");
  });

  test("a challenge token is not an access token and a code shorter than 6 is a 400", async () => {
    const org = await registerOrg(h);
    await enrolTotp(h, org.accessToken);
    const c = (await login(h, org.slug, org.email, org.password)).json();
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(c.mfaChallengeToken) })).statusCode, 401);
    const short = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: "123" } });
    assert.equal(short.statusCode, 400);
    assert.equal(short.json().validationErrors.code, "size must be between 6 and 12");
  });
});

describeEachDatabase("disable and regenerate", (h) => {
  test("disable needs a current code, answers 200 with no body, then 404", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const wrong = await h.inject({ method: "POST", url: "/api/v1/mfa/disable", headers: bearer(org.accessToken), payload: { code: "000000" } });
    assert.equal(wrong.statusCode, 400);
    const res = await h.inject({ method: "POST", url: "/api/v1/mfa/disable", headers: bearer(org.accessToken), payload: { code: codeNow(h, secret) } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, "");
    const me = (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).json();
    assert.equal(me.mfaEnabled, false);
    nextStep(h);
    const again = await h.inject({ method: "POST", url: "/api/v1/mfa/disable", headers: bearer(org.accessToken), payload: { code: codeNow(h, secret) } });
    assert.equal(again.statusCode, 404);
    const rows = await h.runtime.database.db.selectFrom("recovery_codes").selectAll().where("user_id", "=", org.userId).execute();
    assert.equal(rows.length, 0, "recovery codes are removed with the secret");
    // Sign-in no longer asks for a code.
    assert.ok((await login(h, org.slug, org.email, org.password)).json().accessToken);
  });

  test("wrong codes to disable count against the MFA failure limit: guessing ends in 429, even with the right code", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const disable = (code: string) => h.inject({ method: "POST", url: "/api/v1/mfa/disable", headers: bearer(org.accessToken), payload: { code } });
    const right = codeNow(h, secret);
    const wrong = right === "000000" ? "111111" : "000000";
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) answers.push((await disable(wrong)).statusCode);
    assert.deepEqual(answers.slice(0, 10), Array(10).fill(400));
    assert.deepEqual(answers.slice(10), [429, 429]);
    const locked = await disable(right);
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers["retry-after"]) > 0);
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(org.accessToken) })).json().mfaEnabled, true);
  });

  test("disabling MFA is refused with 403 while the organization requires it", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    await h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(org.accessToken), payload: { mfaRequired: true } });
    const res = await h.inject({ method: "POST", url: "/api/v1/mfa/disable", headers: bearer(org.accessToken), payload: { code: codeNow(h, secret) } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, "FORBIDDEN");
  });

  test("regenerating replaces every recovery code; 404 without MFA", async () => {
    const org = await registerOrg(h);
    const none = await h.inject({ method: "POST", url: "/api/v1/mfa/recovery-codes/regenerate", headers: bearer(org.accessToken) });
    assert.equal(none.statusCode, 404);
    const { recoveryCodes: old } = await enrolTotp(h, org.accessToken);
    const res = await h.inject({ method: "POST", url: "/api/v1/mfa/recovery-codes/regenerate", headers: bearer(org.accessToken) });
    assert.equal(res.statusCode, 200);
    const fresh: string[] = res.json().recoveryCodes;
    assert.equal(fresh.length, 8);
    const c = (await login(h, org.slug, org.email, org.password)).json();
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: old[0] } })).statusCode, 401);
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: fresh[0] } })).statusCode, 200);
  });

  test("regenerating needs MFA proven in the last 5 minutes or a current code; a password-only session cannot mint codes", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const regenerate = (token: string, payload: object = {}) =>
      h.inject({ method: "POST", url: "/api/v1/mfa/recovery-codes/regenerate", headers: bearer(token), payload });
    // Two sessions opened with the password alone; MFA is then turned on in the first.
    const first = await loginTokens(h, org.slug, member.email, member.password);
    const second = await loginTokens(h, org.slug, member.email, member.password);
    const { secret, recoveryCodes } = await enrolTotp(h, first.accessToken);
    const stored = async () => (await h.runtime.database.db.selectFrom("recovery_codes").select("code_hash").where("user_id", "=", member.id).execute()).map((r) => r.code_hash).sort();
    const before = await stored();

    const refused = await regenerate(second.accessToken);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error, "FORBIDDEN");
    assert.match(refused.json().message, /^Recent MFA verification required/);
    const wrong = await regenerate(second.accessToken, { code: codeNow(h, secret) === "000000" ? "111111" : "000000" });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().validationErrors.code, "is not a valid current code");
    assert.deepEqual(await stored(), before, "nothing changed");
    // A current code is the proof; the same code again is a replay.
    const code = codeNow(h, secret);
    const ok = await regenerate(second.accessToken, { code });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().recoveryCodes.length, 8);
    assert.equal((await regenerate(second.accessToken, { code })).statusCode, 400);

    // The enrolling session proved the factor a moment ago: no code needed, until the window passes.
    assert.equal((await regenerate(first.accessToken)).statusCode, 200);
    h.clock.advance(5 * 60_000 + 1000);
    try {
      assert.equal((await regenerate(first.accessToken)).statusCode, 403);
      // A sign-in with MFA opens a new window.
      const c = (await login(h, org.slug, member.email, member.password)).json();
      const signedIn = (await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: codeNow(h, secret) } })).json();
      assert.equal((await regenerate(signedIn.accessToken)).statusCode, 200);
    } finally {
      h.clock.advance(-(5 * 60_000 + 1000));
    }
    const audit = await h.runtime.database.db.selectFrom("audit_logs").select(["result", "details"])
      .where("organization_id", "=", org.orgId).where("event_type", "=", "MFA_RECOVERY_CODES_REGENERATE").orderBy("seq").execute();
    assert.deepEqual(audit.map((a) => `${a.result}:${(a.details as { proof?: string } | null)?.proof ?? "-"}`), [
      "FAILURE:-", "SUCCESS:TOTP", "FAILURE:-", "SUCCESS:RECENT_MFA_SIGN_IN", "SUCCESS:RECENT_MFA_SIGN_IN",
    ]);
    assert.ok(!JSON.stringify(audit).includes(recoveryCodes[0]!));
  });

  test("enrol, verify, disable and regenerate are audited with no secret in the trail", async () => {
    const org = await registerOrg(h);
    const { secret, recoveryCodes } = await enrolTotp(h, org.accessToken);
    await h.inject({ method: "POST", url: "/api/v1/mfa/recovery-codes/regenerate", headers: bearer(org.accessToken) });
    const c = (await login(h, org.slug, org.email, org.password)).json();
    await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: "999999" } });
    await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: codeNow(h, secret) } });
    nextStep(h);
    await h.inject({ method: "POST", url: "/api/v1/mfa/disable", headers: bearer(org.accessToken), payload: { code: codeNow(h, secret) } });
    const rows = await h.runtime.database.db.selectFrom("audit_logs").selectAll().where("organization_id", "=", org.orgId).orderBy("seq").execute();
    const events = rows.map((r) => `${r.event_type}:${r.result}`);
    for (const e of ["MFA_ENABLE:SUCCESS", "MFA_RECOVERY_CODES_REGENERATE:SUCCESS", "MFA_CHALLENGE_VERIFY:FAILURE", "MFA_CHALLENGE_VERIFY:SUCCESS", "MFA_DISABLE:SUCCESS"]) {
      assert.ok(events.includes(e), `missing ${e} in ${events.join(", ")}`);
    }
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes(secret));
    for (const code of recoveryCodes) assert.ok(!dump.includes(code));
    assert.ok(!dump.includes(c.mfaChallengeToken));
  });
});
