import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import type { DB } from "../db/schema.js";
import { hashToken } from "../crypto/tokens.js";
import { createLoginFlowRepo } from "../features/auth/login-flow-repo.js";
import type { SessionService } from "../features/sessions/service.js";
import { AppError } from "./errors.js";

/**
 * Who may call a route, declared in its `config.auth`:
 * - `none`: anyone;
 * - `user`: a live access token;
 * - `admin`: a live access token of an organization admin;
 * - `user-or-setup`: also an `mfaSetupToken` (MFA enrolment routes only).
 */
export type AuthMode = "none" | "user" | "admin" | "user-or-setup";

export type Principal =
  | { kind: "user"; userId: string; orgId: string; sessionId: string; email: string; isOrgAdmin: boolean }
  | { kind: "setup"; userId: string; orgId: string; setupTokenHash: string };

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const SETUP_PREFIX = "mfa_setup_";

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

export function registerAuthGuard(app: FastifyInstance, deps: { db: Kysely<DB>; sessions: SessionService; clock: () => Date }): void {
  app.decorateRequest("principal", null);
  // onRequest: refuse before the body is even parsed.
  app.addHook("onRequest", async (request, reply) => {
    const mode = request.routeOptions.config?.auth ?? "none";
    if (mode === "none") return;
    const token = bearerToken(request);
    if (!token) throw new AppError("UNAUTHORIZED", "Missing bearer token");
    if (token.startsWith(SETUP_PREFIX)) {
      if (mode !== "user-or-setup") throw new AppError("UNAUTHORIZED", "An MFA setup token is accepted only by the MFA setup routes");
      const hash = hashToken(token);
      const flow = await createLoginFlowRepo(deps.db).findLiveLoginFlow(hash, "mfa_setup", deps.clock());
      if (!flow) throw new AppError("UNAUTHORIZED", "Invalid or expired MFA setup token");
      request.principal = { kind: "setup", userId: flow.user_id, orgId: flow.organization_id, setupTokenHash: hash };
      return;
    }
    const principal = await deps.sessions.authenticate(token);
    if (!principal) {
      // RFC 6750 §3.1: tells a client (the SDK) that refreshing the access token may help, in both dialects.
      reply.header("www-authenticate", 'Bearer error="invalid_token"');
      throw new AppError("UNAUTHORIZED", "Invalid or expired access token");
    }
    if (mode === "admin" && !principal.isOrgAdmin) throw new AppError("FORBIDDEN", "Organization admin role required");
    request.principal = { kind: "user", ...principal };
  });
}

/** The caller of a `user`/`admin` route (the guard has run). */
export function userOf(request: FastifyRequest): Extract<Principal, { kind: "user" }> {
  const p = request.principal;
  if (!p || p.kind !== "user") throw new AppError("UNAUTHORIZED");
  return p;
}
