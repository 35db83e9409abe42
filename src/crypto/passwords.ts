import { hash, verify } from "@node-rs/argon2";
import bcrypt from "bcryptjs";

/**
 * argon2id with OWASP Password Storage Cheat Sheet parameters (m=19 MiB, t=2, p=1).
 * @node-rs/argon2 runs on libuv's thread pool, so hashing never blocks the event loop.
 */
export const ARGON2_PARAMS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}$`;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

/** bcrypt's modular-crypt prefixes: 2a (original), 2b (OpenBSD's 2014 length fix), 2y (crypt_blowfish's 2011 fix); one algorithm. */
const BCRYPT_PREFIX = /^\$2[aby]\$\d{2}\$/;

/**
 * Verifies argon2 hashes, and bcrypt hashes imported from other systems (bcryptjs,
 * pure JavaScript: no native build). Anything else never verifies.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    if (storedHash.startsWith("$argon2")) return await verify(storedHash, password);
    if (BCRYPT_PREFIX.test(storedHash)) return await bcrypt.compare(password, storedHash);
    return false;
  } catch {
    return false;
  }
}

/** A hash made with other parameters, or with bcrypt, is upgraded at the next successful sign-in. */
export function needsRehash(storedHash: string): boolean {
  return !storedHash.startsWith(CURRENT_PREFIX);
}
