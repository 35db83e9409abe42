import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import bcrypt from "bcryptjs";
import pLimit from "p-limit";

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

export function hashPassword(password: string): Promise<string> {
  return argon2Slot(() => hash(password, ARGON2_PARAMS));
}

/** bcrypt's modular-crypt prefixes: 2a (original), 2b (OpenBSD's 2014 length fix), 2y (crypt_blowfish's 2011 fix); one algorithm. */
const BCRYPT_PREFIX = /^\$2[aby]\$\d{2}\$/;

/**
 * Verifies argon2 hashes, and bcrypt hashes imported from other systems (bcryptjs,
 * pure JavaScript: no native build). Anything else never verifies.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    if (storedHash.startsWith("$argon2")) return await argon2Slot(() => verify(storedHash, password));
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
