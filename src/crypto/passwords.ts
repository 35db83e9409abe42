import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import bcrypt from "bcryptjs";
import pLimit from "p-limit";
import type { SecretBox } from "./secretbox.js";

/**
 * argon2id with OWASP Password Storage Cheat Sheet parameters (m=19 MiB, t=2, p=1).
 * @node-rs/argon2 runs on libuv's thread pool, so hashing never blocks the event loop.
 */
export const ARGON2_PARAMS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}$`;

/**
 * At most one argon2id per core at a time; the rest wait their turn in order. More hashes
 * than cores only time-slice (no more verifies per second), while each one in flight holds
 * its 19 MiB: on 2 cores, libuv's default 4 threads peaked 50 MiB higher under a sign-in
 * load. libuv's pool also stays free for file and DNS work.
 */
export const ARGON2_SLOTS = Math.max(1, availableParallelism());
const argon2Slot = pLimit(ARGON2_SLOTS);

/** Hashes running and waiting for a slot. */
export function argon2Load(): { active: number; waiting: number } {
  return { active: argon2Slot.activeCount, waiting: argon2Slot.pendingCount };
}

/**
 * The password hashes' secret key, a "pepper" (OWASP ASVS 2.4.5): argon2id's secret input
 * K, derived from the master key, which is kept apart from the database. A copy of the
 * users table alone cannot be attacked offline, however weak the passwords in it. The
 * PHC string names the master key it was made under (`keyid=`), so hashes of an older key
 * still verify during a rotation and are re-hashed under the current one at sign-in.
 */
const PEPPER_PURPOSE = "password pepper v1";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<boolean>;
  /** Made with other parameters, under another or no pepper, or with bcrypt: re-hash at the next sign-in. */
  needsRehash(storedHash: string): boolean;
}

/** bcrypt's modular-crypt prefixes: 2a (original), 2b (OpenBSD's 2014 length fix), 2y (crypt_blowfish's 2011 fix); one algorithm. */
const BCRYPT_PREFIX = /^\$2[aby]\$\d{2}\$/;
/** The `keyid=` parameter of a PHC string, in its own B64 (standard alphabet, no padding). */
const KEYID_PARAM = /^\$argon2id?\$v=\d+\$[^$]*?,keyid=([A-Za-z0-9+/]+)(?:,[^$]*)?\$/;

const keyIdParam = (id: string) => Buffer.from(id, "hex").toString("base64").replace(/=+$/, "");
/** The master key id (hex, as in sealed envelopes) a `keyid=` value names. */
export const masterKeyIdOfParam = (param: string) => Buffer.from(param, "base64").toString("hex");

/**
 * argon2id peppered under `box`'s master keys (null: no pepper, for hashes made outside a
 * server, as in tests). Verifies bcrypt hashes imported from other systems too (bcryptjs, pure
 * JavaScript: no native build); anything else never verifies.
 */
export function createPasswordHasher(box: SecretBox | null, options: { onUnlistedKey?: (masterKeyId: string) => void } = {}): PasswordHasher {
  const pepper = box?.derive(PEPPER_PURPOSE) ?? null;
  const currentPrefix = pepper ? `${CURRENT_PREFIX.slice(0, -1)},keyid=${keyIdParam(pepper.current.id)}$` : CURRENT_PREFIX;
  return {
    async hash(password) {
      if (!pepper) return argon2Slot(() => hash(password, ARGON2_PARAMS));
      const stored = await argon2Slot(() => hash(password, { ...ARGON2_PARAMS, secret: pepper.current.key }));
      // keyid is metadata only, not an input to argon2: naming the key cannot change the hash.
      return currentPrefix + stored.slice(CURRENT_PREFIX.length);
    },
    async verify(storedHash, password) {
      try {
        if (storedHash.startsWith("$argon2")) {
          const namedKey = KEYID_PARAM.exec(storedHash)?.[1];
          const masterKeyId = namedKey === undefined ? undefined : masterKeyIdOfParam(namedKey);
          const secret = masterKeyId === undefined ? undefined : pepper?.byId(masterKeyId);
          // Made under a master key no longer listed: it cannot be checked, and the password must be
          // reset. The verify still runs, so this answer takes as long as any other and does not
          // single out the account; its result is not trusted (it cannot succeed without the key).
          const unlisted = masterKeyId !== undefined && !secret;
          if (unlisted) options.onUnlistedKey?.(masterKeyId);
          const ok = await argon2Slot(() => verify(storedHash, password, secret ? { secret } : undefined));
          return ok && !unlisted;
        }
        if (BCRYPT_PREFIX.test(storedHash)) return await bcrypt.compare(password, storedHash);
        return false;
      } catch {
        return false;
      }
    },
    needsRehash: (storedHash) => !storedHash.startsWith(currentPrefix),
  };
}
