import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Config } from "../../config.js";
import type { DB, Organization, User } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";
import type { TokenSigner } from "../../crypto/jwt.js";
import { hashToken, newOpaqueToken } from "../../crypto/tokens.js";
import { AppError } from "../../http/errors.js";
import { auditRow, recordAudit, type AuditEvent } from "../audit/audit.js";
import { decideLogin } from "../auth/login-decision.js";
import { toAuthUser, type TokenBundle } from "../auth/responses.js";
import { createSessionRepo, type SessionPrincipalRow } from "./repo.js";
import type { SessionCache } from "./session-cache.js";

export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
}

/**
 * When a session ends if nothing refreshes it again: REFRESH_TOKEN_TTL after its last use
 * (sliding), and never later than SESSION_MAX_LIFETIME after its sign-in when that is set,
 * so an active session still signs in again periodically (OWASP ASVS 3.3.2).
 */
export function sessionExpiry(createdAt: Date, now: Date, limits: Pick<Config, "refreshTokenTtl" | "sessionMaxLifetime">): Date {
  const idle = now.getTime() + limits.refreshTokenTtl * 1000;
  const absolute = limits.sessionMaxLifetime === null ? Infinity : createdAt.getTime() + limits.sessionMaxLifetime * 1000;
  return new Date(Math.min(idle, absolute));
}

export interface SessionDeps {
  db: Kysely<DB>;
  config: Config;
  clock: () => Date;
  signer: TokenSigner;
  cache: SessionCache;
}

const REFRESH_PREFIX = "ghr_";

const POLICY_REVOKE_REASON = { password_change: "password_expired", mfa_setup: "mfa_setup_required" } as const;
const POLICY_REVOKE_MESSAGE = {
  password_change: "Your password has expired: sign in again to change it",
  mfa_setup: "Your organization requires MFA: sign in again to set it up",
} as const;

export function createSessionService({ db, config, clock, signer, cache }: SessionDeps) {
  async function signAccess(user: User, sessionId: string, now: Date): Promise<string> {
    return signer.sign({ sub: user.id, org: user.organization_id, sid: sessionId, adm: user.is_org_admin }, config.accessTokenTtl, now);
  }

  return {
    /** Opens a sign-in session (a refresh-token family) inside the caller's transaction. */
    /** `audit`: the event that issues them, written in the same statement as the session. */
    async issueTokens(tx: Queryable, user: User, org: Organization, ctx: ClientContext & { mfaVerified: boolean }, audit?: AuditEvent): Promise<TokenBundle> {
      const now = clock();
      const repo = createSessionRepo(tx);
      const refreshToken = newOpaqueToken(REFRESH_PREFIX);
      // The session id is ours (a random UUID, like the column's default), so the access
      // token is signed while the session is written: one wait, not two.
      const sessionId = randomUUID();
      const [, accessToken] = await Promise.all([
        repo.openSession({
          id: sessionId,
          user_id: user.id,
          organization_id: org.id,
          ip_address: ctx.ip,
          user_agent: ctx.userAgent?.slice(0, 512) ?? null,
          mfa_verified_at: ctx.mfaVerified ? now : null,
          expires_at: sessionExpiry(now, now, config),
          created_at: now,
        }, hashToken(refreshToken), audit && auditRow(audit)),
        signAccess(user, sessionId, now),
      ]);
      return {
        accessToken,
        refreshToken,
        expiresIn: config.accessTokenTtl,
        tokenType: "Bearer",
        user: toAuthUser({ ...user, last_login_at: now }, org),
      };
    },

    /**
     * Rotates a refresh token. Presenting a token that was already rotated means it
     * leaked (or raced): the whole family is revoked (OAuth 2.0 Security BCP 4.14).
     */
    async refresh(refreshToken: string, ctx: ClientContext): Promise<TokenBundle> {
      const now = clock();
      const outcome = await db.transaction().execute(async (tx) => {
        const repo = createSessionRepo(tx);
        const rotated = await repo.rotateRefreshToken(hashToken(refreshToken), now);
        if (!rotated) return { kind: "invalid" as const };
        if ("reusedSessionId" in rotated) {
          const revoked = await repo.revokeSessions({ sessionId: rotated.reusedSessionId }, "refresh_token_reuse", now);
          const session = await repo.findSessionById(rotated.reusedSessionId);
          if (session && revoked.length > 0) {
            const user = await tx.selectFrom("users").select(["id", "email"]).where("id", "=", session.user_id).executeTakeFirst();
            const org = await tx.selectFrom("organizations").select(["id", "name"]).where("id", "=", session.organization_id).executeTakeFirst();
            await recordAudit(tx, {
              type: "SESSION_REVOKE",
              actor: { id: null, email: null, type: "SYSTEM" },
              org: org ?? null,
              resource: { type: "SESSION", id: session.id, name: user?.email ?? null },
              ip: ctx.ip,
              details: { reason: "refresh_token_reuse", userId: user?.id ?? null },
            });
          }
          return { kind: "reused" as const, revoked };
        }
        const session = await repo.findSessionById(rotated.sessionId);
        if (!session || session.revoked_at || session.expires_at <= now) return { kind: "invalid" as const };
        const user = await tx.selectFrom("users").selectAll().where("id", "=", session.user_id).executeTakeFirst();
        const org = await tx.selectFrom("organizations").selectAll().where("id", "=", session.organization_id).executeTakeFirst();
        if (!user || !org || !user.is_active) return { kind: "invalid" as const };
        // A refresh is not a sign-in, but it must not outlive one: a step the policy now
        // enforces (an expired password, MFA the organization requires) ends the session
        // here, so the member meets it at the sign-in that follows, within one access
        // token's lifetime, instead of refreshing past it for good.
        const step = decideLogin(user, org, now, { mfaVerified: true });
        if (step === "password_change" || step === "mfa_setup") {
          const revoked = await repo.revokeSessions({ sessionId: session.id }, POLICY_REVOKE_REASON[step], now);
          await recordAudit(tx, {
            type: "SESSION_REVOKE",
            actor: { id: null, email: null, type: "SYSTEM" },
            org,
            resource: { type: "SESSION", id: session.id, name: user.email },
            ip: ctx.ip,
            details: { reason: POLICY_REVOKE_REASON[step], userId: user.id },
          });
          return { kind: "policy" as const, step, revoked };
        }
        const next = newOpaqueToken(REFRESH_PREFIX);
        await repo.insertRefreshToken(session.id, hashToken(next), now);
        await repo.touchSession(session.id, now, sessionExpiry(session.created_at, now, config));
        const bundle: TokenBundle = {
          accessToken: await signAccess(user, session.id, now),
          refreshToken: next,
          expiresIn: config.accessTokenTtl,
          tokenType: "Bearer",
          user: toAuthUser(user, org),
        };
        return { kind: "ok" as const, bundle };
      });
      if (outcome.kind === "reused" || outcome.kind === "policy") cache.invalidateSessions(outcome.revoked);
      if (outcome.kind === "policy") throw new AppError("UNAUTHORIZED", POLICY_REVOKE_MESSAGE[outcome.step]);
      if (outcome.kind !== "ok") throw new AppError("UNAUTHORIZED", "Invalid or expired refresh token");
      return outcome.bundle;
    },

    /** Resolves a refresh token to its live session id (logout). */
    async sessionOfRefreshToken(refreshToken: string): Promise<string | null> {
      const row = await createSessionRepo(db).findSessionByRefreshToken(hashToken(refreshToken));
      return row?.session_id ?? null;
    },

    /** Revokes inside the caller's transaction; call `forget` with the result after it commits. */
    revoke(tx: Queryable, filter: { sessionId?: string; userId?: string; exceptSessionId?: string }, reason: string): Promise<string[]> {
      return createSessionRepo(tx).revokeSessions(filter, reason, clock());
    },
    forget(ids: string[]): void {
      cache.invalidateSessions(ids);
    },
    forgetUser(userId: string): void {
      cache.invalidateUser(userId);
    },

    /** The per-request check: a verified token's session must be live and its user active. */
    async authenticate(accessToken: string): Promise<SessionPrincipalRow | null> {
      const now = clock();
      const claims = await signer.verify(accessToken, now);
      if (!claims) return null;
      let principal = cache.get(claims.sid);
      // A cached entry past its expiry may have been slid forward by a refresh: re-read it.
      if (!principal || principal.expiresAt <= now) {
        const gen = cache.generation();
        principal = await createSessionRepo(db).findActivePrincipal(claims.sid, now);
        if (!principal) return null;
        cache.set(principal, gen);
      }
      if (principal.expiresAt <= now || principal.userId !== claims.sub) return null;
      return principal;
    },

    listSessions(userId: string) {
      return createSessionRepo(db).listActiveSessions(userId, clock());
    },
  };
}
export type SessionService = ReturnType<typeof createSessionService>;
