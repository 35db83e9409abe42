import assert from "node:assert/strict";
import type { Harness } from "./harness.js";
import { bearer, login } from "./api.js";
import { codeNow, nextStep } from "./mfa.js";

export const GOOGLE_AUTH = { mfaType: "GOOGLE_AUTH" } as const;

/** A Flashback call with a bearer token and a JSON body (or none). */
export function fb(h: Harness, method: "GET" | "POST", url: string, token: string | null, payload?: object) {
  return h.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) });
}

/** Enrols TOTP through Flashback's /mfa/setup + /mfa/verify-setup; answers the secret and backup codes. */
export async function fbEnrol(h: Harness, token: string) {
  const setup = await fb(h, "POST", "/mfa/setup", token, GOOGLE_AUTH);
  assert.equal(setup.statusCode, 200, setup.body);
  const { secret, backupCodes } = setup.json().data as { secret: string; backupCodes: string[] };
  const verify = await fb(h, "POST", "/mfa/verify-setup", token, { ...GOOGLE_AUTH, code: codeNow(h, secret) });
  assert.equal(verify.statusCode, 200, verify.body);
  nextStep(h);
  return { secret, backupCodes, verify };
}

/** Signs in through EntryGuard's login and MFA challenge: a session that passed MFA just now. */
export async function mfaSignIn(h: Harness, slug: string, email: string, password: string, code: string) {
  const step = (await login(h, slug, email, password)).json();
  assert.equal(step.mfaRequired, true, JSON.stringify(step));
  const res = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: step.mfaChallengeToken, code } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { accessToken: string; refreshToken: string };
}
