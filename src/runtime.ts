import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import type { Config } from "./config.js";
import { openPGlite, openPostgres, type Database } from "./db/connection.js";
import { migrate } from "./db/migrate.js";
import { createTokenSigner } from "./crypto/jwt.js";
import { resolveMasterKeys } from "./crypto/master-key.js";
import { hashPassword } from "./crypto/passwords.js";
import { createSecretBox, type SecretBox } from "./crypto/secretbox.js";
import { ensureSigningKeys } from "./features/keys/service.js";

export interface Runtime {
  app: FastifyInstance;
  database: Database;
  box: SecretBox;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPGlite(join(config.dataDir, "pgdata"));
}

/** Everything `serve` needs: database migrated, keys ready, app built (not listening). */
export async function startRuntime(
  config: Config,
  options: { database?: Database; clock?: () => Date; logger?: boolean | object; onWarning?: (msg: string) => void } = {},
): Promise<Runtime> {
  const database = options.database ?? (await openDatabase(config));
  try {
    await migrate(database.db);
    const { keys, warning } = resolveMasterKeys(config.secretKeys, config.dataDir);
    if (warning) options.onWarning?.(warning);
    const box = createSecretBox(keys);
    const clock = options.clock ?? (() => new Date());
    const signer = createTokenSigner({ box, issuer: config.issuer, audience: config.audience });
    await signer.load(await ensureSigningKeys(database.db, box, clock()));
    const dummyHash = await hashPassword(randomBytes(16).toString("hex"));
    const app = await buildApp({ database, config, clock, box, signer, dummyHash, logger: options.logger });
    return {
      app,
      database,
      box,
      async close() {
        await app.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
