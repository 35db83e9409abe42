import type { Kysely } from "kysely";
import type { DB, Organization, User } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";
import type { SecretBox } from "../../crypto/secretbox.js";
import { constantTimeEquals, hashToken } from "../../crypto/tokens.js";
import {
  generateRecoveryCodes,
  generateTotpSecret,
  matchTotpStep,
  qrPngBase64,
  recoveryCodeCandidates,
  recoveryCodeDigest,
  totpUri,
} from "../../crypto/totp.js";
import { AppError } from "../../http/errors.js";
import type { NotifySecurityChange } from "../../mail/security-notice.js";
import { recordAudit, selfAction, userResource, type AuditActor } from "../audit/audit.js";
import { createLoginFlowRepo } from "../auth/login-flow-repo.js";
import type { LoginResponse } from "../auth/responses.js";
import type { AuthService } from "../auth/service.js";
import { withClientIp, type LimitService, type LimitSubject } from "../limits/service.js";
import { createOrganizationRepo } from "../organizations/repo.js";
import type { ClientContext, SessionService } from "../sessions/service.js";
import { createUserRepo } from "../users/repo.js";
import { createSessionRepo } from "../sessions/repo.js";
import { createMfaRepo } from "./repo.js";
import { hasRecentMfaProof, RECENT_MFA_REQUIRED } from "./step-up.js";

/**
 * NIST SP 800-63B 5.2.2 asks to limit consecutive failed attempts; a challenge dies after five.
 * So does a setup token (DESIGN.md: intermediate tokens count failed attempts), whose holder
 * then signs in again; a signed-in user's enrolment is not limited, as they hold the secret.
 */
export const MAX_CHALLENGE_ATTEMPTS = 5;

/** Who is enrolling: a signed-in user, or a sign-in held at the enrolment step by an `mfaSetupToken`. */
export interface MfaActor {
  userId: string;
  orgId: string;
  setupTokenHash?: string;
  /** The signed-in session (absent with a setup token): a confirmed enrolment counts as its MFA proof. */
  sessionId?: string;
}

/** What the two dialects' disable routes answer differently; the rest is one mechanism. */
interface DisableDialect {
  enforced: () => AppError;
  notEnabled: () => AppError;
  /** Flashback's disable may go without a code, so its audit row says which proof it had. */
  auditProof: boolean;
}
const ENTRYGUARD_DISABLE: DisableDialect = {
  enforced: () => new AppError("FORBIDDEN", "MFA is required by your organization and cannot be disabled"),
  notEnabled: () => new AppError("NOT_FOUND", "MFA is not enabled"),
  auditProof: false,
};
const FLASHBACK_DISABLE: DisableDialect = {
  enforced: () => new AppError("FORBIDDEN", "Cannot disable MFA when enforced by organization"),
  notEnabled: () => new AppError("BAD_REQUEST", "MFA is not enabled"),
  auditProof: true,
};

/** A signed-in user acting on their own factors, with the session the request came in on. */
export interface MfaSessionActor {
  userId: string;
  orgId: string;
  sessionId: string;
}

type TotpCheck = { kind: "accepted" } | { kind: "reused"; step: number } | { kind: "invalid" };
const ACCEPTED: TotpCheck = { kind: "accepted" };
const INVALID: TotpCheck = { kind: "invalid" };

export interface MfaDeps {
  db: Kysely<DB>;
  clock: () => Date;
  box: SecretBox;
  auth: AuthService;
  sessions: SessionService;
  limits: LimitService;
  notify: NotifySecurityChange;
}

export function createMfaService({ db, clock, box, auth, sessions, limits, notify }: MfaDeps) {
  async function load(q: Queryable, orgId: string, userId: string): Promise<{ user: User; org: Organization }> {
    const org = await createOrganizationRepo(q).findOrganizationById(orgId);
    const user = org && (await createUserRepo(q).findUserById(orgId, userId));
    if (!org || !user) throw new AppError("NOT_FOUND", `User not found with id: ${userId}`);
    return { user, org };
  }

  /**
   * A TOTP code of a confirmed secret is accepted only at a step later than any accepted
   * before (replay-proof); a code that matches an earlier or already used step is `reused`.
   */
  async function checkTotp(q: Queryable, userId: string, code: string): Promise<TotpCheck> {
    const totp = await createMfaRepo(q).findTotp(userId);
    if (!totp?.confirmed_at) return INVALID;
    const step = matchTotpStep(box.open(totp.secret_enc), code, clock());
    if (step === null) return INVALID;
    return (await createMfaRepo(q).claimTotpStep(userId, step)) ? ACCEPTED : { kind: "reused", step };
  }

  /**
   * Audits a refused code. A replayed one (OWASP ASVS 2.8.5) also mails the holder, once per
   * code however many requests replay it: a code refused as used may be the holder's own
   * double submit, or someone racing them with a code they watched being typed.
   */
  async function recordRefusedCode(type: "MFA_CHALLENGE_VERIFY" | "MFA_DISABLE" | "MFA_RECOVERY_CODES_REGENERATE", user: User, org: Organization, check: TotpCheck, ctx: ClientContext) {
    const reused = check.kind === "reused";
    await recordAudit(db, {
      type,
      ...selfAction(user),
      org,
      result: "FAILURE",
      ip: ctx.ip,
      errorMessage: reused ? "Reused MFA code" : "Invalid MFA code",
    });
    if (reused && (await createMfaRepo(db).claimReuseReport(user.id, check.step))) notify(user, org, "MFA_CODE_REUSED", ctx);
  }

  async function issueRecoveryCodes(q: Queryable, userId: string): Promise<string[]> {
    const codes = generateRecoveryCodes();
    await createMfaRepo(q).replaceRecoveryCodes(userId, codes.map((code) => recoveryCodeDigest(box, userId, code)), clock());
    return codes;
  }

  /** Removes every factor of a user; the caller audits and revokes sessions. */
  async function removeFactors(tx: Queryable, user: User, now: Date): Promise<void> {
    const repo = createMfaRepo(tx);
    await repo.deleteTotp(user.id);
    await repo.deleteRecoveryCodes(user.id);
    await createUserRepo(tx).updateUserById(user.organization_id, user.id, { mfa_enabled: false, updated_at: now });
  }

  /** Whether the caller's session passed MFA within the step-up window (see step-up.ts). */
  async function sessionHasRecentMfa(q: Queryable, actor: MfaSessionActor): Promise<boolean> {
    const session = await createSessionRepo(q).findSessionById(actor.sessionId);
    return Boolean(session && session.user_id === actor.userId && !session.revoked_at && hasRecentMfaProof(session.mfa_verified_at, clock()));
  }

  /**
   * Step-up for a self-service change to the user's factors: a current code when one is
   * given, else a session that passed MFA within the step-up window (403 otherwise).
   */
  async function proveRecentMfa(tx: Queryable, user: User, actor: MfaSessionActor, code: string | undefined) {
    if (code !== undefined) {
      const check = await checkTotp(tx, user.id, code);
      return check.kind === "accepted" ? { ok: true as const, proof: "TOTP" } : { ok: false as const, check };
    }
    if (!(await sessionHasRecentMfa(tx, actor))) throw new AppError("FORBIDDEN", RECENT_MFA_REQUIRED);
    return { ok: true as const, proof: "RECENT_MFA_SIGN_IN" };
  }

  /** A refused step-up code counts against the account's MFA failure limit, is audited, and is a 400. */
  async function refuseStepUpCode(
    type: "MFA_DISABLE" | "MFA_RECOVERY_CODES_REGENERATE",
    refused: { check: TotpCheck; user: User; org: Organization },
    subjects: LimitSubject[],
    ctx: ClientContext,
  ): Promise<never> {
    await limits.recordFailure(subjects);
    await recordRefusedCode(type, refused.user, refused.org, refused.check, ctx);
    throw new AppError("VALIDATION_ERROR", "Invalid MFA code", { validationErrors: { code: "is not a valid current code" } });
  }

  /**
   * Both dialects' self-service disable: the step-up (a code, or a recent MFA sign-in when
   * the dialect lets the code be left out), the failure limit on wrong codes, the removal
   * and its audit row. Only the refusals' wording and the audit's details differ.
   */
  async function disableOwnMfa(actor: MfaSessionActor, code: string | undefined, ctx: ClientContext, dialect: DisableDialect): Promise<void> {
    const now = clock();
    const subjects = withClientIp({ kind: "mfa", id: actor.userId }, ctx.ip);
    if (code !== undefined) await limits.assertNotLocked(subjects);
    const outcome = await db.transaction().execute(async (tx) => {
      const { user, org } = await load(tx, actor.orgId, actor.userId);
      if (org.mfa_required) throw dialect.enforced();
      if (!user.mfa_enabled) throw dialect.notEnabled();
      const proven = await proveRecentMfa(tx, user, actor, code);
      if (!proven.ok) return { ok: false as const, check: proven.check, user, org };
      await removeFactors(tx, user, now);
      await recordAudit(tx, {
        type: "MFA_DISABLE",
        ...selfAction(user),
        org,
        ip: ctx.ip,
        ...(dialect.auditProof ? { details: { proof: proven.proof } } : {}),
      });
      return { ok: true as const, user, org };
    });
    if (!outcome.ok) return refuseStepUpCode("MFA_DISABLE", outcome, subjects, ctx);
    if (code !== undefined) await limits.clear(subjects[0]!);
    notify(outcome.user, outcome.org, "MFA_DISABLED", ctx);
  }

  /** Removes a user's MFA and ends their sessions and pending sign-ins; returns the revoked session ids. */
  async function resetInTx(tx: Queryable, user: User, org: Organization, actor: AuditActor, ctx: ClientContext, details?: Record<string, unknown>) {
    await removeFactors(tx, user, clock());
    await createLoginFlowRepo(tx).deleteLoginFlowsOfUser(user.id);
    const ids = await sessions.revoke(tx, { userId: user.id }, "mfa_reset");
    await recordAudit(tx, { type: "MFA_RESET", actor, org, resource: userResource(user), ip: ctx.ip, details: details ?? null });
    return ids;
  }

  return {
    /** Starts (or restarts) enrolment: a new pending secret replaces an unconfirmed one. */
    async beginSetup(actor: MfaActor, options: { withRecoveryCodes?: boolean } = {}) {
      const { user, org } = await load(db, actor.orgId, actor.userId);
      if (user.mfa_enabled) throw new AppError("CONFLICT", "MFA is already enabled");
      const secret = generateTotpSecret();
      const otpauthUrl = totpUri(secret, org.name, user.email);
      const recoveryCodes = await db.transaction().execute(async (tx) => {
        const stored = await createMfaRepo(tx).upsertPendingTotp(user.id, box.seal(secret), clock());
        if (!stored) throw new AppError("CONFLICT", "MFA is already enabled");
        // Flashback hands out backup codes at setup; they only work once MFA is confirmed.
        return options.withRecoveryCodes ? issueRecoveryCodes(tx, user.id) : null;
      });
      return { qrCodeBase64: await qrPngBase64(otpauthUrl), secret, otpauthUrl, recoveryCodes };
    },

    /**
     * Confirms enrolment with a code from the pending secret. With a setup token the
     * sign-in continues (tokens); `keepRecoveryCodes` keeps codes issued at setup.
     */
    async confirmSetup(
      actor: MfaActor,
      input: { code: string; secret?: string; keepRecoveryCodes?: boolean },
      ctx: ClientContext,
    ): Promise<{ recoveryCodes: string[] | null; login: LoginResponse | null }> {
      const now = clock();
      const outcome = await db.transaction().execute(async (tx) => {
        const { user, org } = await load(tx, actor.orgId, actor.userId);
        if (user.mfa_enabled) throw new AppError("CONFLICT", "MFA is already enabled");
        const repo = createMfaRepo(tx);
        const pending = await repo.findTotp(user.id);
        if (!pending || pending.confirmed_at) {
          throw new AppError("VALIDATION_ERROR", "No MFA setup in progress; call /mfa/setup first", { validationErrors: { code: "no MFA setup in progress" } });
        }
        const secret = box.open(pending.secret_enc);
        if (input.secret !== undefined && !constantTimeEquals(input.secret.replace(/\s/g, "").toUpperCase(), secret)) {
          throw new AppError("VALIDATION_ERROR", "The secret does not match the pending MFA setup", { validationErrors: { secret: "does not match the pending MFA setup" } });
        }
        const step = matchTotpStep(secret, input.code, now);
        if (step === null || !(await repo.confirmTotp(user.id, step, now))) {
          return { ok: false as const, user, org };
        }
        const recoveryCodes = input.keepRecoveryCodes ? null : await issueRecoveryCodes(tx, user.id);
        const enabled = (await createUserRepo(tx).updateUserById(org.id, user.id, { mfa_enabled: true, updated_at: now }))!;
        await recordAudit(tx, {
          type: "MFA_ENABLE",
          ...selfAction(user),
          org,
          ip: ctx.ip,
          details: { method: "TOTP" },
        });
        let login: LoginResponse | null = null;
        // The code just proved the new factor: for the step-up window this session counts as
        // one that passed MFA (it may regenerate its codes at once, as after a sign-in).
        if (actor.sessionId) await createSessionRepo(tx).markMfaVerified(actor.sessionId, user.id, now);
        if (actor.setupTokenHash) {
          const flow = await createLoginFlowRepo(tx).consumeLoginFlow(actor.setupTokenHash, "mfa_setup", now);
          if (!flow) throw new AppError("UNAUTHORIZED", "Invalid or expired MFA setup token");
          // The code just proved possession of the new factor: this sign-in is MFA-verified.
          login = await auth.advance(tx, enabled, org, { mfaVerified: true }, ctx);
        }
        return { ok: true as const, recoveryCodes, login, user, org };
      });
      if (!outcome.ok) {
        if (actor.setupTokenHash) await createLoginFlowRepo(db).recordFailedAttempt(actor.setupTokenHash, MAX_CHALLENGE_ATTEMPTS);
        await recordAudit(db, {
          type: "MFA_ENABLE",
          ...selfAction(outcome.user),
          org: outcome.org,
          result: "FAILURE",
          ip: ctx.ip,
          errorMessage: "Invalid code",
        });
        throw new AppError("VALIDATION_ERROR", "Invalid MFA code", { validationErrors: { code: "is not a valid code for this secret" } });
      }
      notify(outcome.user, outcome.org, "MFA_ENABLED", ctx);
      return { recoveryCodes: outcome.recoveryCodes, login: outcome.login };
    },

    /** Step 2 of sign-in: a TOTP or recovery code against a challenge token. */
    async verifyChallenge(challengeToken: string, code: string, ctx: ClientContext): Promise<LoginResponse> {
      const now = clock();
      const tokenHash = hashToken(challengeToken);
      const flow = await createLoginFlowRepo(db).findLiveLoginFlow(tokenHash, "mfa_challenge", now);
      if (!flow) throw new AppError("UNAUTHORIZED", "Invalid or expired MFA challenge");
      const subject = { kind: "mfa" as const, id: flow.user_id };
      const subjects = withClientIp(subject, ctx.ip);
      await limits.assertNotLocked(subjects);
      const result = await db.transaction().execute(async (tx) => {
        const { user, org } = await load(tx, flow.organization_id, flow.user_id);
        const isTotp = /^\d{6}$/.test(code);
        const check = !user.is_active || !user.mfa_enabled
          ? INVALID
          : isTotp
            ? await checkTotp(tx, user.id, code)
            : (await createMfaRepo(tx).consumeRecoveryCode(user.id, recoveryCodeCandidates(box, user.id, code), now)) ? ACCEPTED : INVALID;
        if (check.kind !== "accepted") return { ok: false as const, check, user, org };
        if (!(await createLoginFlowRepo(tx).consumeLoginFlow(tokenHash, "mfa_challenge", now))) {
          throw new AppError("UNAUTHORIZED", "Invalid or expired MFA challenge");
        }
        await recordAudit(tx, {
          type: "MFA_CHALLENGE_VERIFY",
          ...selfAction(user),
          org,
          ip: ctx.ip,
          details: { method: isTotp ? "TOTP" : "RECOVERY_CODE" },
        });
        return { ok: true as const, login: await auth.advance(tx, user, org, { mfaVerified: true }, ctx) };
      });
      if (result.ok) {
        await limits.clear(subject);
        return result.login;
      }
      await createLoginFlowRepo(db).recordFailedAttempt(tokenHash, MAX_CHALLENGE_ATTEMPTS);
      await limits.recordFailure(subjects);
      await recordRefusedCode("MFA_CHALLENGE_VERIFY", result.user, result.org, result.check, ctx);
      throw new AppError("INVALID_MFA_CODE");
    },

    /**
     * Self-service disable with a current code (EntryGuard); refused while the organization
     * requires MFA. Wrong codes count against the MFA failure limit, as at sign-in: a stolen
     * access token must not guess its way to removing the factor.
     */
    async disable(actor: MfaSessionActor, code: string, ctx: ClientContext): Promise<void> {
      await disableOwnMfa(actor, code, ctx, ENTRYGUARD_DISABLE);
    },

    /**
     * New recovery codes bypass the authenticator, so issuing them takes the same step-up
     * as removing it: a current code, or a sign-in with MFA in the last five minutes (a
     * stolen access token, or a session from before MFA was on, must not mint them).
     */
    async regenerateRecoveryCodes(actor: MfaSessionActor, proof: { code?: string }, ctx: ClientContext): Promise<string[]> {
      const subjects = withClientIp({ kind: "mfa", id: actor.userId }, ctx.ip);
      if (proof.code !== undefined) await limits.assertNotLocked(subjects);
      const outcome = await db.transaction().execute(async (tx) => {
        const { user, org } = await load(tx, actor.orgId, actor.userId);
        if (!user.mfa_enabled) throw new AppError("NOT_FOUND", "MFA is not enabled");
        const proven = await proveRecentMfa(tx, user, actor, proof.code);
        if (!proven.ok) return { ok: false as const, check: proven.check, user, org };
        const codes = await issueRecoveryCodes(tx, user.id);
        await recordAudit(tx, {
          type: "MFA_RECOVERY_CODES_REGENERATE",
          ...selfAction(user),
          org,
          ip: ctx.ip,
          details: { proof: proven.proof },
        });
        return { ok: true as const, codes, user, org };
      });
      if (!outcome.ok) return refuseStepUpCode("MFA_RECOVERY_CODES_REGENERATE", outcome, subjects, ctx);
      if (proof.code !== undefined) await limits.clear(subjects[0]!);
      notify(outcome.user, outcome.org, "RECOVERY_CODES_REGENERATED", ctx);
      return outcome.codes;
    },

    /**
     * Removes a user's MFA (lost authenticator): factors gone, sessions and pending
     * sign-ins ended. With enforcement on, the next sign-in goes through enrolment.
     */
    async resetUserMfa(orgId: string, targetUserId: string, actor: AuditActor, ctx: ClientContext): Promise<void> {
      const { revoked, user, org } = await db.transaction().execute(async (tx) => {
        const { user, org } = await load(tx, orgId, targetUserId);
        if (!user.mfa_enabled) throw new AppError("BAD_REQUEST", "MFA is not enabled for this user");
        return { revoked: await resetInTx(tx, user, org, actor, ctx), user, org };
      });
      sessions.forget(revoked);
      notify(user, org, "MFA_RESET_BY_ADMIN", ctx);
    },

    /**
     * Self-service reset (Flashback's `POST /mfa/reset` without a user id): allowed only
     * on a session that passed MFA within the step-up window, e.g. a sign-in with a
     * backup code after losing the authenticator. Ends every session, the caller's too.
     */
    async resetOwnMfa(actor: MfaSessionActor, ctx: ClientContext): Promise<void> {
      const { revoked, user, org } = await db.transaction().execute(async (tx) => {
        const { user, org } = await load(tx, actor.orgId, actor.userId);
        if (!user.mfa_enabled) throw new AppError("BAD_REQUEST", "MFA is not enabled for this user");
        if (!(await sessionHasRecentMfa(tx, actor))) throw new AppError("FORBIDDEN", RECENT_MFA_REQUIRED);
        return { revoked: await resetInTx(tx, user, org, selfAction(user).actor, ctx, { self: true, proof: "RECENT_MFA_SIGN_IN" }), user, org };
      });
      sessions.forget(revoked);
      notify(user, org, "MFA_RESET", ctx);
    },

    /**
     * Disable without the EntryGuard twin's mandatory code (Flashback sends none): the
     * proof is a current code when given, else a session that passed MFA within the
     * step-up window. Wrong codes count against the account's MFA failure limit.
     */
    async disableWithProof(actor: MfaSessionActor, proof: { code?: string }, ctx: ClientContext): Promise<void> {
      await disableOwnMfa(actor, proof.code, ctx, FLASHBACK_DISABLE);
    },

    /** What a user has (Flashback's status and methods). */
    async describe(orgId: string, userId: string) {
      const { user, org } = await load(db, orgId, userId);
      const totp = await createMfaRepo(db).findTotp(user.id);
      return { enabled: user.mfa_enabled, configured: Boolean(totp?.confirmed_at), orgRequired: org.mfa_required, user, org };
    },
  };
}
export type MfaService = ReturnType<typeof createMfaService>;
