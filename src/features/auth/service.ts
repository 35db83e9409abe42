import type { Kysely } from "kysely";
import type { Config } from "../../config.js";
import type { DB, Organization, User } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";
import type { PasswordHasher } from "../../crypto/passwords.js";
import { hashToken, newOpaqueToken, randomString } from "../../crypto/tokens.js";
import { AppError, assertThat } from "../../http/errors.js";
import { recordAudit, selfAction, userActor, userResource, type AuditActor } from "../audit/audit.js";
import { createOrganizationRepo } from "../organizations/repo.js";
import { slugify } from "../organizations/slug.js";
import { passwordExpiresAt } from "../passwords/expiration.js";
import { checkPassword, policyOf } from "../passwords/policy.js";
import { accountId, withClientIp, type LimitService, type LimitSubject } from "../limits/service.js";
import type { ClientContext, SessionService } from "../sessions/service.js";
import { createUserRepo } from "../users/repo.js";
import { createLoginFlowRepo } from "./login-flow-repo.js";
import { decideLogin } from "./login-decision.js";
import { EMPTY_LOGIN_RESPONSE, toAuthUser, type LoginResponse, type TokenBundle } from "./responses.js";

export const MFA_CHALLENGE_TTL_SECONDS = 300;
export const PASSWORD_CHANGE_TTL_SECONDS = 600;
/** Enrolment means fetching a phone and scanning a code: give it longer than a challenge. */
export const MFA_SETUP_TTL_SECONDS = 900;
const EXPIRY_WARNING_MS = 14 * 86_400_000;

/** The defaults of a new organization (EntryGuard's documented defaults). */
export const DEFAULT_ORGANIZATION_POLICY = {
  password_min_length: 8,
  password_require_uppercase: true,
  password_require_lowercase: true,
  password_require_digit: true,
  password_require_special_char: false,
} as const;

export interface AuthDeps {
  db: Kysely<DB>;
  config: Config;
  clock: () => Date;
  hasher: PasswordHasher;
  sessions: SessionService;
  limits: LimitService;
  /** A real argon2id hash of a random password: unknown users cost the same verify as known ones. */
  dummyHash: string;
  /** Cached organization lookups (the organizations service); without it, the database every time. */
  organizations?: { findOrganizationBySlug(slug: string): Promise<Organization | undefined> };
}

export interface RegisterInput {
  organizationName: string;
  email: string;
  password: string;
  name?: string;
  organizationSlug?: string;
}

export function createAuthService({ db, config, clock, hasher, sessions, limits, dummyHash, organizations = createOrganizationRepo(db) }: AuthDeps) {
  /**
   * Takes a user whose password (and possibly MFA) this sign-in has proven to the
   * next step of the state machine: a single-purpose flow token, or tokens.
   */
  async function advance(
    tx: Queryable,
    user: User,
    org: Organization,
    progress: { mfaVerified: boolean },
    ctx: ClientContext,
  ): Promise<LoginResponse> {
    const now = clock();
    const expiresAt = passwordExpiresAt(user, org);
    const warn = expiresAt && expiresAt.getTime() - now.getTime() <= EXPIRY_WARNING_MS ? expiresAt.toISOString() : null;
    const step = decideLogin(user, org, now, progress);
    const flow = async (kind: "mfa_challenge" | "password_change" | "mfa_setup", prefix: string, ttl: number) => {
      const token = newOpaqueToken(prefix);
      await createLoginFlowRepo(tx).insertLoginFlow({
        token_hash: hashToken(token),
        kind,
        user_id: user.id,
        organization_id: org.id,
        mfa_verified: progress.mfaVerified,
        ip_address: ctx.ip,
        user_agent: ctx.userAgent?.slice(0, 512) ?? null,
        expires_at: new Date(now.getTime() + ttl * 1000),
        created_at: now,
      });
      return token;
    };
    switch (step) {
      case "mfa_challenge":
        return {
          ...EMPTY_LOGIN_RESPONSE,
          mfaRequired: true,
          mfaChallengeToken: await flow("mfa_challenge", "mfa_challenge_", MFA_CHALLENGE_TTL_SECONDS),
          mfaChallengeExpiresIn: MFA_CHALLENGE_TTL_SECONDS,
        };
      case "password_change":
        return {
          ...EMPTY_LOGIN_RESPONSE,
          passwordExpired: true,
          passwordChangeToken: await flow("password_change", "pwd_change_", PASSWORD_CHANGE_TTL_SECONDS),
          passwordExpiresAt: expiresAt?.toISOString() ?? null,
        };
      case "mfa_setup":
        return {
          ...EMPTY_LOGIN_RESPONSE,
          mfaSetupRequired: true,
          mfaSetupToken: await flow("mfa_setup", "mfa_setup_", MFA_SETUP_TTL_SECONDS),
          passwordExpiresAt: warn,
        };
      case "tokens": {
        const bundle = await sessions.issueTokens(tx, user, org, { ...ctx, mfaVerified: progress.mfaVerified }, {
          type: "USER_LOGIN",
          ...selfAction(user),
          org,
          ip: ctx.ip,
          details: { mfa: progress.mfaVerified },
        });
        return { ...EMPTY_LOGIN_RESPONSE, ...bundle, passwordExpiresAt: warn };
      }
    }
  }

  async function recordFailedLogin(org: Organization | undefined, user: User | undefined, email: string, ctx: ClientContext, reason: string) {
    await recordAudit(db, {
      type: "USER_LOGIN",
      actor: { id: user?.id ?? null, email, type: "USER" },
      org: org ?? null,
      resource: user ? userResource(user) : undefined,
      result: "FAILURE",
      ip: ctx.ip,
      errorMessage: reason,
    });
  }

  /**
   * An organization and its first admin, in one transaction with the USER_REGISTER audit
   * row; `then` runs inside it too (a sign-up issues its session there). The actor is
   * the new admin for a sign-up, the operator for the CLI.
   */
  async function createOrganizationWithAdmin<T>(
    input: RegisterInput,
    operator: AuditActor | null,
    ctx: ClientContext,
    then: (tx: Queryable, user: User, org: Organization) => Promise<T>,
  ): Promise<T> {
    const name = input.organizationName.trim();
    const explicitSlug = input.organizationSlug?.toLowerCase();
    const derived = explicitSlug ?? slugify(name) ?? `org-${randomString(8, "abcdefghijklmnopqrstuvwxyz0123456789")}`;
    const violations = checkPassword(input.password, policyOf(DEFAULT_ORGANIZATION_POLICY), { email: input.email, organizationSlug: derived });
    if (violations.length > 0) throw new AppError("PASSWORD_POLICY_VIOLATION", undefined, { details: violations });
    const passwordHash = await hasher.hash(input.password);
    const now = clock();
    return db.transaction().execute(async (tx) => {
      const orgs = createOrganizationRepo(tx);
      let org = await orgs.insertOrganization({ name, slug: derived, created_at: now, updated_at: now });
      if (!org && !explicitSlug) {
        // A derived slug may collide with an unrelated organization; a short suffix keeps it readable.
        const suffixed = `${derived.slice(0, 58)}-${randomString(4, "abcdefghijklmnopqrstuvwxyz0123456789")}`;
        org = await orgs.insertOrganization({ name, slug: suffixed, created_at: now, updated_at: now });
      }
      // 400 as EntryGuard's duplicates are (409 is only "MFA already enabled" there); a state error, so BAD_REQUEST.
      if (!org) throw new AppError("BAD_REQUEST", `Organization slug "${derived}" is already taken`);
      const user = await createUserRepo(tx).insertUser({
        organization_id: org.id,
        email: input.email.trim(),
        name: input.name?.trim() || null,
        password_hash: passwordHash,
        password_changed_at: now,
        is_org_admin: true,
        created_at: now,
        updated_at: now,
      });
      if (!user) throw new AppError("INTERNAL_ERROR");
      await recordAudit(tx, {
        type: "USER_REGISTER",
        actor: operator ?? { id: user.id, email: user.email, type: "USER" },
        org,
        resource: { type: "ORGANIZATION", id: org.id, name: org.name },
        ip: ctx.ip,
        details: operator ? { slug: org.slug, admin: user.email } : { slug: org.slug },
      });
      return then(tx, user, org);
    });
  }

  return {
    advance,

    async register(input: RegisterInput, ctx: ClientContext): Promise<TokenBundle> {
      assertThat(config.signup === "open", "FORBIDDEN", "Sign-up is closed on this server; ask an administrator for an invitation");
      // Every attempt counts, refused ones too (a taken slug, a weak password): the limit is
      // on what one client may try, as EntryGuard's "5 attempts / IP / hour".
      if (ctx.ip) await limits.consumeAttempt({ kind: "register", id: ctx.ip });
      return createOrganizationWithAdmin(input, null, ctx, (tx, user, org) => sessions.issueTokens(tx, user, org, { ...ctx, mfaVerified: false }));
    },

    /**
     * The host CLI's `org create`: the same organization and first admin as a sign-up,
     * whatever SIGNUP says, audited with the operator as actor and no session opened.
     */
    async createOrganization(input: RegisterInput, actor: AuditActor, ctx: ClientContext): Promise<{ organization: Organization; admin: User }> {
      return createOrganizationWithAdmin(input, actor, ctx, async (_tx, admin, organization) => ({ organization, admin }));
    },

    async login(input: { organizationSlug: string; email: string; password: string }, ctx: ClientContext): Promise<LoginResponse> {
      const slug = input.organizationSlug.trim().toLowerCase();
      // Keyed by what was typed, so guesses at unknown accounts are throttled the same way.
      const account: LimitSubject = { kind: "account", id: accountId(slug, input.email) };
      const subjects = withClientIp(account, ctx.ip);
      // The lock check and the user lookup go out together (one wait, not two); a lock still
      // answers 429 before any password is verified.
      const [recorded, { org, user }] = await Promise.all([
        limits.assertNotLocked(subjects),
        organizations.findOrganizationBySlug(slug).then(async (org) => ({
          org,
          user: org ? await createUserRepo(db).findUserByEmail(org.id, input.email.trim()) : undefined,
        })),
      ]);
      // Always one argon2id verify, so timing does not reveal which of org, email or password was wrong.
      const passwordOk = await hasher.verify(user?.password_hash ?? dummyHash, input.password);
      if (!org || !user || !user.password_hash || !passwordOk || !user.is_active) {
        const reason = !org ? "Unknown organization" : !user ? "Unknown user" : !user.password_hash ? "Invitation not accepted"
          : !passwordOk ? "Wrong password" : "User is deactivated";
        await limits.recordFailure(subjects);
        await recordFailedLogin(org, user, input.email, ctx, reason);
        throw new AppError("INVALID_CREDENTIALS");
      }
      // A failure recorded between the check and here stays counted: the safe side.
      if (recorded.hasFailures(account)) await limits.clear(account);
      let current = user;
      if (hasher.needsRehash(user.password_hash)) {
        const rehashed = await hasher.hash(input.password);
        current = (await createUserRepo(db).updateUserById(org.id, user.id, { password_hash: rehashed })) ?? user;
      }
      // Every step of advance() writes one statement (a login flow, or the session with its audit
      // row), so a password sign-in needs no transaction: BEGIN and COMMIT were two of its round trips.
      return advance(db, current, org, { mfaVerified: false }, ctx);
    },

    async logout(input: { refreshToken?: string; accessSessionId?: string | null }, ctx: ClientContext): Promise<void> {
      const ids = new Set<string>();
      if (input.refreshToken) {
        const sid = await sessions.sessionOfRefreshToken(input.refreshToken);
        if (sid) ids.add(sid);
      }
      if (input.accessSessionId) ids.add(input.accessSessionId);
      if (ids.size === 0) return;
      const revoked = await db.transaction().execute(async (tx) => {
        const out: string[] = [];
        for (const sid of ids) {
          const done = await sessions.revoke(tx, { sessionId: sid }, "logout");
          if (done.length === 0) continue;
          out.push(...done);
          const row = await tx
            .selectFrom("sessions as s")
            .innerJoin("users as u", "u.id", "s.user_id")
            .innerJoin("organizations as o", "o.id", "s.organization_id")
            .select(["u.id as userId", "u.email", "o.id as orgId", "o.name as orgName"])
            .where("s.id", "=", sid)
            .executeTakeFirst();
          if (row) {
            await recordAudit(tx, {
              type: "USER_LOGOUT",
              actor: userActor(row),
              org: { id: row.orgId, name: row.orgName },
              resource: { type: "SESSION", id: sid },
              ip: ctx.ip,
            });
          }
        }
        return out;
      });
      sessions.forget(revoked);
    },

    async me(userId: string, orgId: string) {
      const org = await createOrganizationRepo(db).findOrganizationById(orgId);
      const user = await createUserRepo(db).findUserById(orgId, userId);
      if (!org || !user) throw new AppError("UNAUTHORIZED");
      return {
        ...toAuthUser(user, org),
        platformRole: "USER" as const,
        // Self-hosted: no plan limits.
        maxUsers: null,
        maxResources: null,
        organizationMfaRequired: org.mfa_required,
      };
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
