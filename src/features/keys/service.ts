import { sql, type Kysely } from "kysely";
import type { DB } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";
import { generateSigningKey, type StoredSigningKey, type TokenSigner } from "../../crypto/jwt.js";
import type { JWK } from "jose";
import type { SecretBox } from "../../crypto/secretbox.js";

/** Arbitrary constant (beside migrate.ts's): instances starting together create one first key, not one each. */
const FIRST_KEY_LOCK = 7_342_902;

export async function loadSigningKeys(db: Queryable): Promise<StoredSigningKey[]> {
  const rows = await db.selectFrom("signing_keys").selectAll().orderBy("created_at", "desc").execute();
  return rows.map((r) => ({
    kid: r.kid,
    publicJwk: r.public_jwk as JWK,
    privateKeyEnc: r.private_key_enc,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
  }));
}

async function insertSigningKey(db: Queryable, key: StoredSigningKey): Promise<void> {
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
  const fresh = await generateSigningKey(box, now);
  return db.transaction().execute(async (tx) => {
    // Without the lock, N instances on an empty database would each insert a key and sign with their own.
    await sql`SELECT pg_advisory_xact_lock(${FIRST_KEY_LOCK})`.execute(tx);
    const current = await loadSigningKeys(tx);
    if (current.some((k) => !k.retiredAt)) return current;
    await insertSigningKey(tx, fresh);
    return loadSigningKeys(tx);
  });
}

/** Adds a new signing key; older keys stay published so their tokens verify until they expire. */
export async function rotateSigningKey(db: Kysely<DB>, box: SecretBox, now: Date): Promise<StoredSigningKey[]> {
  await insertSigningKey(db, await generateSigningKey(box, now));
  return loadSigningKeys(db);
}

/**
 * Keeps a running signer's key set equal to the database's when other hosts rotate
 * (`gatehouse keys rotate`): reloaded on NOTIFY, periodically, and once for a token
 * with an unknown kid. Reloads run one at a time; a request made while one runs
 * gets a fresh one after it, so a NOTIFY is never answered by an older read.
 */
export function createKeyReloader({ db, signer, loaded = [], minUnknownKidIntervalMs = 5_000 }: {
  db: Queryable;
  signer: TokenSigner;
  /** The keys the signer was started with. */
  loaded?: StoredSigningKey[];
  /** Anyone can send a made-up kid: at most one reload per this interval on their account. */
  minUnknownKidIntervalMs?: number;
}) {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let lastUnknownKidReload = -Infinity;
  const fingerprintOf = (keys: StoredSigningKey[]) => keys.map((k) => `${k.kid}:${k.retiredAt?.getTime() ?? ""}`).join(",");
  let fingerprint = fingerprintOf(loaded);

  function run(): Promise<void> {
    running = (async () => {
      const keys = await loadSigningKeys(db);
      const next = fingerprintOf(keys);
      // Unchanged keys: keep the signer's verified-token cache warm.
      if (next === fingerprint) return;
      await signer.load(keys);
      fingerprint = next;
    })().finally(() => {
      running = null;
    });
    return running;
  }

  function reload(): Promise<void> {
    if (queued) return queued;
    if (!running) return run();
    queued = running.catch(() => {}).then(() => {
      queued = null;
      return run();
    });
    return queued;
  }

  return {
    reload,
    /** Answers whether the key set was re-read (the caller then looks at the token again). */
    async reloadForUnknownKid(): Promise<boolean> {
      if (running || queued) {
        await (queued ?? running);
        return true;
      }
      if (performance.now() - lastUnknownKidReload < minUnknownKidIntervalMs) return false;
      lastUnknownKidReload = performance.now();
      await reload();
      return true;
    },
  };
}
export type KeyReloader = ReturnType<typeof createKeyReloader>;

/**
 * After a rotation: every key but the newest is retired (it no longer signs, but still
 * verifies), and keys retired longer than `retainSeconds` ago are deleted. Pass at least
 * ACCESS_TOKEN_TTL plus a margin for instances that have not reloaded yet: by then every
 * token a deleted key signed has expired. Answers the kids retired and deleted.
 */
export async function retireOldSigningKeys(db: Kysely<DB>, now: Date, retainSeconds: number): Promise<{ retired: string[]; deleted: string[] }> {
  return db.transaction().execute(async (tx) => {
    const keys = await loadSigningKeys(tx);
    const newest = keys.find((k) => !k.retiredAt);
    const toRetire = keys.filter((k) => !k.retiredAt && k !== newest).map((k) => k.kid);
    if (toRetire.length > 0) await tx.updateTable("signing_keys").set({ retired_at: now }).where("kid", "in", toRetire).execute();
    const cutoff = new Date(now.getTime() - retainSeconds * 1000);
    const deleted = await tx.deleteFrom("signing_keys").where("retired_at", "<", cutoff).returning("kid").execute();
    return { retired: toRetire, deleted: deleted.map((d) => d.kid) };
  });
}
