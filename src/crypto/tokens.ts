import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 256-bit random opaque token with a readable purpose prefix (e.g. `mfa_challenge_`). */
export function newOpaqueToken(prefix = ""): string {
  return prefix + randomBytes(32).toString("base64url");
}

/** Tokens and codes are stored as SHA-256: they are high-entropy, so a slow hash adds nothing. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

export function constantTimeEquals(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Uniformly random string over `alphabet` (rejection sampling avoids modulo bias). */
export function randomString(length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
