import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";

/**
 * What the master key protects at rest. Secrets read back (TOTP secrets, signing keys)
 * are sealed in an AES-256-GCM envelope, `v1.<keyId>.<iv>.<ciphertext+tag>` in
 * base64url. Secrets only ever compared (recovery codes) are kept as a keyed digest,
 * `d1.<keyId>.<HMAC-SHA256>`: without the master key, a copy of the database cannot be
 * searched for them however few their bits. The key id lets several master keys
 * coexist, so the master key can be rotated without a flag day.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  open(envelope: string): string;
  /** The keyed digest of `message` under the current master key. */
  digest(message: string): string;
  /** Its digest under every master key, current first: what a stored digest may be during a rotation. */
  digests(message: string): string[];
  /** Keys of their own for `purpose` (HKDF of each master key), so no master key serves two algorithms. */
  derive(purpose: string): DerivedKeys;
  readonly currentKeyId: string;
  /** Every listed master key's id, current first. */
  readonly keyIds: readonly string[];
}

/** One purpose's keys, one per master key under that key's id: the current one first. */
export interface DerivedKeys {
  readonly all: readonly DerivedKey[];
  readonly current: DerivedKey;
  byId(id: string): Buffer | undefined;
}

export interface DerivedKey {
  readonly id: string;
  readonly key: Buffer;
}

const IV_BYTES = 12; // NIST SP 800-38D recommends 96-bit IVs for GCM.
const TAG_BYTES = 16;

export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), `gatehouse ${purpose}`, 32));
}

export function createSecretBox(keys: Buffer[]): SecretBox {
  if (keys.length === 0) throw new Error("secretbox needs at least one key");
  const byId = new Map(keys.map((k) => [keyIdOf(k), k]));
  const current = keys[0]!;
  const currentKeyId = keyIdOf(current);
  const derive = (purpose: string): DerivedKeys => {
    const all = keys.map((k) => ({ id: keyIdOf(k), key: deriveKey(k, purpose) }));
    const byId = new Map(all.map((d) => [d.id, d.key]));
    return { all, current: all[0]!, byId: (id) => byId.get(id) };
  };
  const digestKeys = derive("digest v1");
  const digestWith = ({ id, key }: DerivedKey, message: string) =>
    `d1.${id}.${createHmac("sha256", key).update(message, "utf8").digest("base64url")}`;
  return {
    currentKeyId,
    keyIds: keys.map(keyIdOf),
    digest: (message) => digestWith(digestKeys.current, message),
    digests: (message) => digestKeys.all.map((k) => digestWith(k, message)),
    derive,
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current, iv);
      // The key id is authenticated data: an envelope cannot be moved to another key id.
      cipher.setAAD(Buffer.from(currentKeyId));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `v1.${currentKeyId}.${iv.toString("base64url")}.${body.toString("base64url")}`;
    },
    open(envelope) {
      const [version, keyId, ivText, bodyText] = envelope.split(".");
      if (version !== "v1" || !keyId || !ivText || !bodyText) throw new Error("not a secretbox envelope");
      const key = byId.get(keyId);
      // Logged by whoever catches it: tell the operator what to put back.
      if (!key) throw new Error(`secret sealed with unknown master key ${keyId}: GATEHOUSE_SECRET_KEY no longer lists it (see \`gatehouse keys master\`)`);
      const body = Buffer.from(bodyText, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(ivText, "base64url"));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    },
  };
}

export function generateMasterKey(): Buffer {
  return randomBytes(32);
}
