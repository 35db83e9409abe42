import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import { createHash } from "node:crypto";
import type { SecretBox } from "./secretbox.js";
import { randomString } from "./tokens.js";

/** RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 s. */
const PERIOD = 30;
const DIGITS = 6;
/** RFC 4226 section 4: a shared secret of at least 128 bits; 160 is the recommended size. */
const SECRET_BYTES = 20;

export function generateTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

export function totpUri(secret: string, issuer: string, label: string): string {
  return new TOTP({ issuer, label, algorithm: "SHA1", digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) }).toString();
}

export async function qrPngBase64(text: string): Promise<string> {
  const dataUrl = await QRCode.toDataURL(text, { errorCorrectionLevel: "M", margin: 2, width: 256 });
  return dataUrl.replace(/^data:image\/png;base64,/, "");
}

export function currentTimeStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / PERIOD);
}

/**
 * The RFC 6238 time step a code matches, allowing one step of clock drift either
 * way, or null. Callers must still refuse steps at or before the last one used.
 */
export function matchTotpStep(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new TOTP({ algorithm: "SHA1", digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : currentTimeStep(now) + delta;
}

/** The code for a time (tests and the CLI compute codes the way an authenticator app does). */
export function totpCode(secret: string, now: Date): string {
  return new TOTP({ algorithm: "SHA1", digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) }).generate({ timestamp: now.getTime() });
}

/** EntryGuard's format: 8 codes of 8 lowercase alphanumerics (~41 bits each), single use. */
export const RECOVERY_CODE_COUNT = 8;
const RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => randomString(8, RECOVERY_ALPHABET));
}

/** Case-insensitive, and forgiving of the spaces or dashes people type. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, "");
}

/**
 * A recovery code at rest: a digest keyed with the master key and salted with its user's
 * id (OWASP ASVS 2.6.2, 2.6.3). An unkeyed hash of a ~41-bit code falls to a brute force
 * of a stolen database in hours; this one cannot be searched without the master key.
 */
export function recoveryCodeDigest(box: SecretBox, userId: string, code: string): string {
  return box.digest(recoveryCodeMessage(userId, code));
}

/**
 * What a stored code may equal: its digest under each master key (rotation), and the
 * plain SHA-256 that codes issued before keyed digests were stored as, until used or
 * replaced.
 */
export function recoveryCodeCandidates(box: SecretBox, userId: string, code: string): string[] {
  return [...box.digests(recoveryCodeMessage(userId, code)), createHash("sha256").update(normalizeRecoveryCode(code)).digest("base64url")];
}

function recoveryCodeMessage(userId: string, code: string): string {
  return `recovery-code\0${userId}\0${normalizeRecoveryCode(code)}`;
}
