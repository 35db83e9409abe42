import { sql, type Kysely } from "kysely";
import type { DB } from "../../db/schema.js";
import { masterKeyIdOfParam } from "../../crypto/passwords.js";
import type { SecretBox } from "../../crypto/secretbox.js";

/**
 * What still depends on each master key. TOTP secrets and signing keys are sealed under
 * one (`v1.<keyId>.…`) and can be re-sealed under the current key (`reseal`); password
 * hashes (`keyid=` in the PHC string) and recovery codes (`d1.<keyId>.…`) are one-way and
 * move only when their holder signs in or gets new codes. An older master key can leave
 * GATEHOUSE_SECRET_KEY once nothing depends on it, or once the operator accepts that the
 * users still counted under it reset their password or MFA.
 */
export interface MasterKeyUsage {
  /** null: password hashes without a pepper and recovery codes stored as plain SHA-256 (made before either existed). */
  keyId: string | null;
  /** `current`, `older` (listed after it), `missing` (not listed: what depends on it no longer works), or null for the keyless row. */
  state: "current" | "older" | "missing" | null;
  totpSecrets: number;
  signingKeys: number;
  passwordHashes: number;
  /** Unused codes only: a used one is never looked up again. */
  recoveryCodes: number;
}

type Counted = Exclude<keyof MasterKeyUsage, "keyId" | "state">;

const totpSecretsByKey = (db: Kysely<DB>) =>
  sql<{ key_id: string; n: number }>`SELECT split_part(secret_enc, '.', 2) AS key_id, count(*)::int AS n FROM mfa_totp GROUP BY 1`.execute(db);

/**
 * TOTP secrets sealed under master keys that are not listed: their holders' code step
 * fails until the key is listed again. Checked at start-up, so the operator hears of it
 * before a member does (one scan of mfa_totp, whose rows are the enrolled members).
 */
export async function totpSecretsUnderUnlistedKeys(db: Kysely<DB>, box: SecretBox): Promise<{ keyId: string; totpSecrets: number }[]> {
  const { rows } = await totpSecretsByKey(db);
  return rows.filter((r) => !box.keyIds.includes(r.key_id)).map((r) => ({ keyId: r.key_id, totpSecrets: r.n }));
}

export async function masterKeyUsage(db: Kysely<DB>, box: SecretBox): Promise<MasterKeyUsage[]> {
  const [totp, signing, passwords, codes] = await Promise.all([
    totpSecretsByKey(db),
    sql<{ key_id: string; n: number }>`SELECT split_part(private_key_enc, '.', 2) AS key_id, count(*)::int AS n FROM signing_keys GROUP BY 1`.execute(db),
    sql<{ key_id: string | null; n: number }>`
      SELECT substring(password_hash FROM ',keyid=([A-Za-z0-9+/]+)') AS key_id, count(*)::int AS n
      FROM users WHERE password_hash IS NOT NULL GROUP BY 1`.execute(db),
    sql<{ key_id: string | null; n: number }>`
      SELECT CASE WHEN code_hash LIKE 'd1.%' THEN split_part(code_hash, '.', 2) END AS key_id, count(*)::int AS n
      FROM recovery_codes WHERE used_at IS NULL GROUP BY 1`.execute(db),
  ]);
  const rows = new Map<string | null, MasterKeyUsage>();
  const row = (keyId: string | null) => {
    let r = rows.get(keyId);
    if (!r) {
      const state = keyId === null ? null : keyId === box.currentKeyId ? "current" : box.keyIds.includes(keyId) ? "older" : "missing";
      r = { keyId, state, totpSecrets: 0, signingKeys: 0, passwordHashes: 0, recoveryCodes: 0 };
      rows.set(keyId, r);
    }
    return r;
  };
  for (const id of box.keyIds) row(id);
  const add = (field: Counted, result: { rows: { key_id: string | null; n: number }[] }, toId = (id: string) => id) => {
    for (const { key_id, n } of result.rows) row(key_id === null ? null : toId(key_id))[field] += n;
  };
  add("totpSecrets", totp);
  add("signingKeys", signing);
  add("passwordHashes", passwords, masterKeyIdOfParam);
  add("recoveryCodes", codes);
  return [...rows.values()];
}

/**
 * Re-seals every TOTP secret and signing key sealed under an older master key under the
 * current one. Each row is swapped only if it still holds what was read, so an enrolment
 * or rotation running meanwhile (servers on PostgreSQL keep serving) is never overwritten.
 * A row sealed under a key no longer listed cannot be opened; it is counted, not touched.
 */
export async function resealUnderCurrentKey(db: Kysely<DB>, box: SecretBox): Promise<{ totpSecrets: number; signingKeys: number; unreadable: number }> {
  const current = `v1.${box.currentKeyId}.%`;
  const totp = await db.selectFrom("mfa_totp").select(["user_id as id", "secret_enc as sealed"]).where("secret_enc", "not like", current).execute();
  const signing = await db.selectFrom("signing_keys").select(["kid as id", "private_key_enc as sealed"]).where("private_key_enc", "not like", current).execute();
  let unreadable = 0;
  /** Swaps each row's envelope for one under the current key; the number swapped. */
  const resealEach = async (rows: { id: string; sealed: string }[], swap: (id: string, sealed: string, fresh: string) => Promise<{ numUpdatedRows: bigint }>) => {
    let swapped = 0;
    for (const { id, sealed } of rows) {
      let fresh: string;
      try {
        fresh = box.seal(box.open(sealed));
      } catch {
        unreadable++;
        continue;
      }
      swapped += Number((await swap(id, sealed, fresh)).numUpdatedRows);
    }
    return swapped;
  };
  const totpSecrets = await resealEach(totp, (id, sealed, fresh) =>
    db.updateTable("mfa_totp").set({ secret_enc: fresh }).where("user_id", "=", id).where("secret_enc", "=", sealed).executeTakeFirst());
  const signingKeys = await resealEach(signing, (id, sealed, fresh) =>
    db.updateTable("signing_keys").set({ private_key_enc: fresh }).where("kid", "=", id).where("private_key_enc", "=", sealed).executeTakeFirst());
  return { totpSecrets, signingKeys, unreadable };
}
