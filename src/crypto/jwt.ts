import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type KeyObject, type CryptoKey } from "jose";
import type { SecretBox } from "./secretbox.js";

/** Claims of a Gatehouse access token (DESIGN.md, "Tokens and sessions"). */
export interface AccessClaims {
  sub: string;
  org: string;
  sid: string;
  adm: boolean;
  iat: number;
  exp: number;
}

export interface StoredSigningKey {
  kid: string;
  publicJwk: JWK;
  privateKeyEnc: string;
  createdAt: Date;
  retiredAt: Date | null;
}

type Key = KeyObject | CryptoKey | Uint8Array;

export async function generateSigningKey(box: SecretBox, now: Date): Promise<StoredSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const privateJwk = await exportJWK(privateKey);
  return { kid, publicJwk, privateKeyEnc: box.seal(JSON.stringify(privateJwk)), createdAt: now, retiredAt: null };
}

export interface TokenSigner {
  sign(claims: Omit<AccessClaims, "iat" | "exp">, ttlSeconds: number, now: Date): Promise<string>;
  /** Returns the claims when signature, alg, kid, iss, aud and exp hold; null otherwise. */
  verify(token: string, now: Date): Promise<AccessClaims | null>;
  jwks(): { keys: JWK[] };
  /** Replaces the key set (rotation); the newest unretired key signs. */
  load(keys: StoredSigningKey[]): Promise<void>;
}

/** Verified tokens are remembered so a hot path pays the Ed25519 verify once per token, not per request. */
const VERIFIED_CACHE_MAX = 10_000;

export interface TokenSignerOptions {
  box: SecretBox;
  issuer: string;
  audience: string;
  /**
   * Asked when a token names a kid this signer does not know: another instance may
   * have rotated the keys (src/features/keys/service.ts). Answers whether the keys
   * were reloaded, so the token is looked at once more; the callee rate-limits,
   * since anyone can send a token with a made-up kid.
   */
  onUnknownKid?: (kid: string) => Promise<boolean>;
}

function kidOf(token: string): string | null {
  try {
    const header = decodeProtectedHeader(token);
    return header.alg === "EdDSA" && typeof header.kid === "string" ? header.kid : null;
  } catch {
    return null;
  }
}

export function createTokenSigner(opts: TokenSignerOptions): TokenSigner {
  let signingKey: { kid: string; key: Key } | null = null;
  let publicKeys = new Map<string, Key>();
  let published: JWK[] = [];
  const verified = new Map<string, AccessClaims>();

  return {
    async load(keys) {
      const active = keys.filter((k) => !k.retiredAt).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
      if (!active) throw new Error("no active signing key");
      const privateJwk = JSON.parse(opts.box.open(active.privateKeyEnc)) as JWK;
      signingKey = { kid: active.kid, key: await importJWK(privateJwk, "EdDSA") };
      const next = new Map<string, Key>();
      for (const k of keys) next.set(k.kid, await importJWK(k.publicJwk, "EdDSA"));
      publicKeys = next;
      published = keys.map((k) => k.publicJwk);
      verified.clear();
    },
    async sign(claims, ttlSeconds, now) {
      if (!signingKey) throw new Error("signing keys not loaded");
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ org: claims.org, sid: claims.sid, adm: claims.adm })
        .setProtectedHeader({ alg: "EdDSA", kid: signingKey.kid, typ: "JWT" })
        .setSubject(claims.sub)
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .sign(signingKey.key);
    },
    async verify(token, now) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const cached = verified.get(token);
      if (cached) return cached.exp > nowSeconds ? cached : null;
      const kid = opts.onUnknownKid ? kidOf(token) : null;
      if (kid && !publicKeys.has(kid) && !(await opts.onUnknownKid!(kid).catch(() => false))) return null;
      try {
        const { payload } = await jwtVerify(
          token,
          (header) => {
            const key = header.kid ? publicKeys.get(header.kid) : undefined;
            if (!key) throw new Error("unknown kid");
            return key;
          },
          { issuer: opts.issuer, audience: opts.audience, algorithms: ["EdDSA"], currentDate: now, clockTolerance: 0 },
        );
        if (
          typeof payload.sub !== "string" || typeof payload.org !== "string" || typeof payload.sid !== "string" ||
          typeof payload.adm !== "boolean" || typeof payload.exp !== "number" || typeof payload.iat !== "number"
        ) return null;
        const claims: AccessClaims = { sub: payload.sub, org: payload.org, sid: payload.sid, adm: payload.adm, iat: payload.iat, exp: payload.exp };
        if (verified.size >= VERIFIED_CACHE_MAX) verified.clear();
        verified.set(token, claims);
        return claims;
      } catch {
        return null;
      }
    },
    jwks() {
      return { keys: published };
    },
  };
}
