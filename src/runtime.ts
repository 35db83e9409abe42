import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { buildApp } from "./app.js";
import { createInvalidationHub, INVALIDATION_CHANNEL } from "./cluster/invalidation.js";
import { startPgListener, type PgListener } from "./cluster/pg-listener.js";
import { closeRedis, connectRedis, createRedisClient } from "./cluster/redis.js";
import type { Config } from "./config.js";
import { openPGlite, openReachablePostgres, type Database } from "./db/connection.js";
import { startEmbeddedVacuum } from "./db/embedded-vacuum.js";
import { runEvery } from "./db/periodic.js";
import { startPurge } from "./db/purge-expired.js";
import { migrate } from "./db/migrate.js";
import { createTokenSigner } from "./crypto/jwt.js";
import { resolveMasterKeys } from "./crypto/master-key.js";
import { createPasswordHasher, type PasswordHasher } from "./crypto/passwords.js";
import { createSecretBox, type SecretBox } from "./crypto/secretbox.js";
import { createKeyReloader, ensureSigningKeys } from "./features/keys/service.js";
import { totpSecretsUnderUnlistedKeys } from "./features/keys/master-keys.js";

/** A safety net under NOTIFY and the unknown-kid reload: keys are re-read this often (one small query). */
const KEY_RELOAD_INTERVAL_MS = 60_000;

export interface Runtime {
  app: FastifyInstance;
  database: Database;
  box: SecretBox;
  /** Password hashing under this instance's pepper (from the master key). */
  hasher: PasswordHasher;
  /** Migrations this start applied (empty when another instance, or an earlier start, had). */
  migrated: string[];
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  return config.databaseUrl ? openReachablePostgres(config.databaseUrl, config.databasePoolMax, { preparedStatements: config.databasePreparedStatements }) : openPGlite(join(config.dataDir, "pgdata"));
}

/** Everything `serve` needs: database migrated, keys ready, app built (not listening). */
export async function startRuntime(
  config: Config,
  options: { database?: Database; clock?: () => Date; logger?: boolean | object; onWarning?: (msg: string) => void } = {},
): Promise<Runtime> {
  const database = options.database ?? (await openDatabase(config));
  let redis: Redis | null = null;
  let listener: PgListener | null = null;
  let keyTimer: { stop(): Promise<void> } | undefined;
  let vacuum: { stop(): Promise<void> } | undefined;
  let purge: { stop(): Promise<void> } | undefined;
  let app: FastifyInstance | undefined;
  const closeAll = async () => {
    await keyTimer?.stop();
    await vacuum?.stop();
    await purge?.stop();
    // The app first: it stops accepting and lets in-flight requests finish on the pool and Redis.
    await app?.close();
    await listener?.close();
    if (redis) await closeRedis(redis);
    await database.close();
  };
  try {
    // Instances starting together queue on an advisory lock here: one applies, the rest find the schema current.
    const migrated = await migrate(database.db);
    const { keys, warning } = resolveMasterKeys(config.secretKeys, config.dataDir);
    if (warning) options.onWarning?.(warning);
    const box = createSecretBox(keys);
    const clock = options.clock ?? (() => new Date());
    const signer = createTokenSigner({
      box,
      issuer: config.issuer,
      audience: config.audience,
      onUnknownKid: () => keyReloader.reloadForUnknownKid(),
    });
    const signingKeys = await ensureSigningKeys(database.db, box, clock());
    await signer.load(signingKeys);
    const keyReloader = createKeyReloader({ db: database.db, signer, loaded: signingKeys });
    let passwordLog: FastifyBaseLogger | undefined; // the app's, once it is built (no sign-in comes before)
    const unlisted = new Set<string>();
    const hasher = createPasswordHasher(box, {
      onUnlistedKey: (masterKeyId) => {
        if (unlisted.has(masterKeyId)) return;
        unlisted.add(masterKeyId);
        passwordLog?.error({ masterKeyId }, "a password hash was made under a master key GATEHOUSE_SECRET_KEY no longer lists: its holder cannot sign in " +
          "until the key is listed again or the password is reset (`gatehouse keys master` counts them; logged once per key)");
      },
    });
    const dummyHash = await hasher.hash(randomBytes(16).toString("hex"));
    // Scaled out (PostgreSQL): other instances and the CLI write too; hear them through LISTEN.
    const invalidation = database.kind === "postgres" && database.url ? createInvalidationHub() : undefined;
    if (config.redisUrl) redis = createRedisClient(config.redisUrl);
    app = await buildApp({ database, config, clock, box, hasher, signer, dummyHash, logger: options.logger, invalidation, redis });
    const log = app.log;
    passwordLog = log;
    for (const { keyId, totpSecrets } of await totpSecretsUnderUnlistedKeys(database.db, box)) {
      log.error({ masterKeyId: keyId, totpSecrets }, "TOTP secrets are sealed under a master key GATEHOUSE_SECRET_KEY no longer lists: " +
        "their holders' code step fails until the key is listed again or an admin resets their MFA (`gatehouse keys master`)");
    }
    const reloadKeys = () => keyReloader.reload().catch((err: unknown) => log.warn({ err: (err as Error).message }, "could not reload signing keys"));
    purge = startPurge(database.db, {
      clock,
      onDone: (purged) => {
        if (Object.values(purged).some((n) => n > 0)) log.info({ purged }, "deleted ended sessions, login flows, failure counters and mailed links");
      },
      onError: (err) => log.warn({ err: (err as Error).message }, "purge of ended rows failed"),
    });
    // Embedded PostgreSQL has no autovacuum (PostgreSQL proper runs its own).
    if (database.kind === "pglite") {
      vacuum = startEmbeddedVacuum(database.db, { onError: (err) => log.warn({ err: (err as Error).message }, "embedded vacuum failed") });
    }
    if (redis) await connectRedis(redis, log);
    if (invalidation && database.url) {
      invalidation.subscribe((event) => {
        if (event.kind === "keys" || event.kind === "all") {
          void reloadKeys();
        }
      });
      listener = startPgListener({
        url: database.url,
        channel: INVALIDATION_CHANNEL,
        onNotify: (payload) => invalidation.deliver(payload),
        onState: (up) => invalidation.setListening(up),
        log,
      });
      keyTimer = runEvery(KEY_RELOAD_INTERVAL_MS, reloadKeys);
      await listener.whenUp(5_000);
    }
    return { app, database, box, hasher, migrated, close: closeAll };
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
}
