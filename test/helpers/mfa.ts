import assert from "node:assert/strict";
import { totpCode } from "../../src/crypto/totp.js";
import type { Harness } from "./harness.js";
import { bearer } from "./api.js";

/** The code an authenticator app shows now, on the suite's clock. */
export function codeNow(h: Harness, secret: string): string {
  return totpCode(secret, h.clock.now());
}

/** Moves to the next 30-second step, so a fresh code is not a replay of the last one. */
export function nextStep(h: Harness): void {
  h.clock.advance(30_000);
}

/** Enrols TOTP through the EntryGuard routes with a bearer (access or setup) token. */
export async function enrolTotp(h: Harness, token: string) {
  const setup = await h.inject({ method: "POST", url: "/api/v1/mfa/setup", headers: bearer(token) });
  assert.equal(setup.statusCode, 200, setup.body);
  const { secret } = setup.json();
  const confirm = await h.inject({
    method: "POST",
    url: "/api/v1/mfa/setup/confirm",
    headers: bearer(token),
    payload: { code: codeNow(h, secret), secret },
  });
  assert.equal(confirm.statusCode, 200, confirm.body);
  nextStep(h);
  return { secret: secret as string, ...(confirm.json() as { recoveryCodes: string[]; accessToken?: string; refreshToken?: string }) };
}
