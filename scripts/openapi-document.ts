import { randomBytes } from "node:crypto";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createTokenSigner } from "../src/crypto/jwt.js";
import { createPasswordHasher } from "../src/crypto/passwords.js";
import { createSecretBox } from "../src/crypto/secretbox.js";
import type { DB } from "../src/db/schema.js";

/** A route as Fastify registered it: what the document must describe. */
export interface RegisteredRoute {
  method: string;
  url: string;
  hidden: boolean;
  /** The auth guard's mode (src/http/auth-guard.ts); "none" for public routes. */
  auth: string;
}

/**
 * Builds the real app (same composition root, same plugins, no listen) over a
 * database driver that never connects: building registers routes and schemas
 * only, so the document comes out in well under a second, with no data dir.
 */
export async function buildDocumentApp(): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const config = loadConfig({
    DATA_DIR: "/nonexistent/gatehouse-openapi",
    PUBLIC_URL: "http://localhost:3000",
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "silent",
  });
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const box = createSecretBox([randomBytes(32)]);
  const signer = createTokenSigner({ box, issuer: config.issuer, audience: config.audience });
  const routes: RegisteredRoute[] = [];
  const app = await buildApp({
    database: { db, kind: "pglite", close: () => db.destroy() },
    config,
    box,
    hasher: createPasswordHasher(null),
    signer,
    dummyHash: "unused",
    onRoute: (route) => {
      for (const method of [route.method].flat()) {
        if (method === "HEAD") continue;
        routes.push({
          method,
          url: route.url,
          hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide),
          auth: String((route.config as { auth?: string } | undefined)?.auth ?? "none"),
        });
      }
    },
  });
  await app.ready();
  return { app, routes };
}

/** The OpenAPI document `GET /openapi.json` serves. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const { app } = await buildDocumentApp();
  try {
    return structuredClone(app.swagger()) as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
