import { STATUS_CODES } from "node:http";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";

/**
 * The OpenAPI 3.1 document is generated from the route schemas (STYLE.md: no
 * hand-written JSON beside the handlers). Each route declares its operationId,
 * body, parameters and a response per status, errors included; this module adds
 * what belongs to the document as a whole. `sdk/types.gen.ts` is generated from
 * the result (scripts/generate-sdk-types.ts), and test/sdk-drift.test.ts fails
 * when the two disagree.
 */
const DESCRIPTION = [
  "Multi-tenant identity service with organization security policy.",
  "",
  "Two dialects act on one state: EntryGuard's under `/api/v1` (errors as `ErrorBody`, with `error` holding a code of the",
  "catalogue) and Flashback's MFA routes at the root (`{\"success\": ...}` envelope, errors as `FlashbackError`).",
  "",
  "Sign-in is a state machine: `POST /api/v1/auth/login` answers a `LoginResponse` naming the next step (MFA challenge,",
  "expired password, MFA enrolment) until it holds tokens. Send the access token as `Authorization: Bearer`.",
].join("\n");

export const OPENAPI_TAGS = [
  { name: "auth", description: "Sign-up, the sign-in state machine, tokens and the caller's sessions" },
  { name: "passwords", description: "Password policy, changes, expiry and resets" },
  { name: "mfa", description: "TOTP enrolment, recovery codes (EntryGuard dialect)" },
  { name: "organization", description: "The organization's MFA and password policy (admin)" },
  { name: "users", description: "Members, invitations and their security state (admin)" },
  { name: "audit", description: "The append-only audit trail (admin)" },
  { name: "flashback", description: "Flashback's MFA dialect at the root, `{success, ...}` envelope" },
  { name: "keys", description: "Public keys that verify access tokens" },
];

/** JWKS (RFC 7517): the public keys, old ones included until their tokens have expired. */
export const JWKS_ROUTE_SCHEMA = {
  operationId: "getJwks",
  tags: ["keys"],
  summary: "The JSON Web Key Set that verifies access tokens (EdDSA, Ed25519)",
  response: {
    200: Type.Object(
      // Optional as jose types them; every key here is an Ed25519 public key with all six.
      { keys: Type.Array(Type.Partial(Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String() }))) },
      { title: "Jwks" },
    ),
  },
};

type OpenApiDocument = {
  paths?: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
};

/** @fastify/swagger describes a response without its own description as "Default Response": use the status text. */
function polish<T extends OpenApiDocument>(doc: T): T {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.description === "Default Response") response.description = STATUS_CODES[Number(status)] ?? "Response";
      }
    }
  }
  return doc;
}

/** Registers the document generator; call before the routes. `GET /openapi.json` serves `app.swagger()`. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Gatehouse", version: "0.1.0", description: DESCRIPTION },
      tags: OPENAPI_TAGS,
      components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
    // Shared schemas keep their $id as their component name, so every $ref is #/components/schemas/<$id>.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) ?? `def-${i}` },
    transformObject: (input) => ("openapiObject" in input ? polish(input.openapiObject as OpenApiDocument) : input.swaggerObject) as never,
  });
}

/** Swagger UI at /docs, from the package's own static files (no CDN), reading the same document. */
export async function registerDocsUi(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { docExpansion: "list", deepLinking: true, persistAuthorization: false },
  });
}
