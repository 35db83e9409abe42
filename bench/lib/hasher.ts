import { randomBytes } from "node:crypto";
import { createPasswordHasher, type PasswordHasher } from "../../src/crypto/passwords.js";
import { createSecretBox } from "../../src/crypto/secretbox.js";

/** The server's password hashing, pepper included, under `secretKey` (base64; a random one by default). */
export function benchHasher(secretKey?: string): PasswordHasher {
  const key = secretKey ? Buffer.from(secretKey, "base64") : randomBytes(32);
  return createPasswordHasher(createSecretBox([key]));
}
