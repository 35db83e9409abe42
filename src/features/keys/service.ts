import type { Kysely } from "kysely";
import type { DB } from "../../db/schema.js";
import { generateSigningKey, type StoredSigningKey } from "../../crypto/jwt.js";
import type { JWK } from "jose";
import type { SecretBox } from "../../crypto/secretbox.js";

async function loadSigningKeys(db: Kysely<DB>): Promise<StoredSigningKey[]> {
  const rows = await db.selectFrom("signing_keys").selectAll().orderBy("created_at", "desc").execute();
  return rows.map((r) => ({
    kid: r.kid,
    publicJwk: r.public_jwk as JWK,
    privateKeyEnc: r.private_key_enc,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
  }));
}

async function insertSigningKey(db: Kysely<DB>, key: StoredSigningKey): Promise<void> {
  await db
    .insertInto("signing_keys")
    .values({
      kid: key.kid,
      public_jwk: JSON.stringify(key.publicJwk),
      private_key_enc: key.privateKeyEnc,
      created_at: key.createdAt,
    })
    .execute();
}

/** The published key set, creating the first signing key on a fresh database. */
export async function ensureSigningKeys(db: Kysely<DB>, box: SecretBox, now: Date): Promise<StoredSigningKey[]> {
  const keys = await loadSigningKeys(db);
  if (keys.some((k) => !k.retiredAt)) return keys;
  await insertSigningKey(db, await generateSigningKey(box, now));
  return loadSigningKeys(db);
}

/** Adds a new signing key; older keys stay published so their tokens verify until they expire. */
export async function rotateSigningKey(db: Kysely<DB>, box: SecretBox, now: Date): Promise<StoredSigningKey[]> {
  await insertSigningKey(db, await generateSigningKey(box, now));
  return loadSigningKeys(db);
}
