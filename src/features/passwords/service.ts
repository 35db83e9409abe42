import type { Kysely } from "kysely";
import type { Config } from "../../config.js";
import type { DB, Organization, User } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";
import type { PasswordHasher } from "../../crypto/passwords.js";
import { hashToken, newOpaqueToken } from "../../crypto/tokens.js";
import { AppError, type PolicyViolation } from "../../http/errors.js";
import type { MailDelivery } from "../../mail/delivery.js";
import type { NotifySecurityChange } from "../../mail/security-notice.js";
import { recordAudit, selfAction, userActor, userResource, type AuditActor } from "../audit/audit.js";
import { createLoginFlowRepo } from "../auth/login-flow-repo.js";
import type { LoginResponse } from "../auth/responses.js";
import type { AuthService } from "../auth/service.js";
import { createOrganizationRepo } from "../organizations/repo.js";
import type { ClientContext, SessionService } from "../sessions/service.js";
import { createUserRepo } from "../users/repo.js";
import { checkPassword, PASSWORD_MAX_LENGTH, policyOf, RULE_MESSAGES } from "./policy.js";
import { consoleLink } from "../../mail/console-link.js";
import { resetMail } from "./mail.js";
import { accountId, withClientIp, type LimitService, type LimitSubject } from "../limits/service.js";
import { createSingleUseTokenRepo } from "../tokens/single-use-repo.js";
import { createPasswordRepo } from "./repo.js";

/** OWASP Forgot Password Cheat Sheet: short-lived, single-use; EntryGuard documents about an hour. */
export const PASSWORD_RESET_TTL_SECONDS = 3600;
/** A password-change token survives this many refused passwords, like a challenge survives wrong codes. */
export const PASSWORD_CHANGE_MAX_ATTEMPTS = 5;
const RESET_PREFIX = "pwd_reset_";

type PolicyOrg = Pick<
  Organization,
  "slug" | "password_min_length" | "password_require_uppercase" | "password_require_lowercase" | "password_require_digit" | "password_require_special_char"
>;

/** The signed-in caller of a user or admin route. */
export interface Caller {
  userId: string;
  orgId: string;
  sessionId: string;
  email: string;
}

/** Every rule of the organization's policy the password breaks, for this user (reuse is not checked: see below). */
export function passwordViolations(password: string, org: PolicyOrg, user: { email: string }): PolicyViolation[] {
  return checkPassword(password, policyOf(org), { email: user.email, organizationSlug: org.slug });
}

/**
 * Throws 400 PASSWORD_POLICY_VIOLATION, one `details` entry per broken rule, unless the
 * password satisfies the organization's policy for this user. For flows where the user
 * has no password yet (invitation acceptance); changes of an existing password also
 * refuse the current one (REUSED_PASSWORD) through the password service.
 */
export function assertAcceptablePassword(password: string, org: PolicyOrg, user: { email: string }): void {
  const violations = passwordViolations(password, org, user);
  if (violations.length > 0) throw policyError(violations);
}

function policyError(details: PolicyViolation[]): AppError {
  return new AppError("PASSWORD_POLICY_VIOLATION", undefined, { details });
}

export interface PasswordDeps {
  db: Kysely<DB>;
  config: Config;
  clock: () => Date;
  hasher: PasswordHasher;
  sessions: SessionService;
  auth: AuthService;
  limits: LimitService;
  mail: MailDelivery;
  notify: NotifySecurityChange;
  log?: { info?(obj: unknown, msg: string): void };
}

export function createPasswordService({ db, config, clock, hasher, sessions, auth, limits, mail, notify, log }: PasswordDeps) {
  /** Policy plus "not the current password" (an argon2 verify, so only for users who have one). */
  async function violationsFor(password: string, org: Organization, user: User): Promise<PolicyViolation[]> {
    const violations = passwordViolations(password, org, user);
    if (user.password_hash && (await hasher.verify(user.password_hash, password))) {
      violations.push({ rule: "REUSED_PASSWORD", message: RULE_MESSAGES.REUSED_PASSWORD });
    }
    return violations;
  }

  async function loadUser(orgId: string, userId: string): Promise<{ user: User; org: Organization } | null> {
    const user = await createUserRepo(db).findUserById(orgId, userId);
    const org = user ? await createOrganizationRepo(db).findOrganizationById(orgId) : undefined;
    return user && org ? { user, org } : null;
  }

  /**
   * What every password change does, inside the caller's transaction: store the hash
   * (clearing must_change_password), end the other sessions, and kill everything that
   * was issued against the old password: pending sign-in steps and mailed reset links.
   * Returns the updated user (undefined if its hash changed meanwhile) and the revoked
   * session ids, to `sessions.forget` after commit.
   */
  async function applyNewPassword(
    tx: Queryable,
    user: User,
    passwordHash: string,
    options: { keepSessionId?: string; expectedHash?: string; reason: string },
  ): Promise<{ updated: User | undefined; revoked: string[] }> {
    const now = clock();
    const repo = createPasswordRepo(tx);
    const updated = await repo.setUserPassword(user.organization_id, user.id, passwordHash, now, options.expectedHash);
    if (!updated) return { updated, revoked: [] };
    const revoked = await sessions.revoke(tx, { userId: user.id, exceptSessionId: options.keepSessionId }, options.reason);
    await repo.usePasswordResetsOfUser(user.id, now);
    await createLoginFlowRepo(tx).deleteLoginFlowsOfUser(user.id);
    return { updated, revoked };
  }

  /** A reset token for an active member with a password, stored and audited; the caller delivers it. */
  async function issueResetToken(orgId: string, userId: string, actor: AuditActor, ctx: ClientContext, stage: "LINK_SENT" | "LINK_ISSUED") {
    const found = await loadUser(orgId, userId);
    if (!found) throw new AppError("NOT_FOUND", `User not found with id: ${userId}`);
    const { user, org } = found;
    if (!user.is_active) throw new AppError("BAD_REQUEST", "User is deactivated");
    if (!user.password_hash) throw new AppError("BAD_REQUEST", "User has not accepted the invitation yet");
    const now = clock();
    const token = newOpaqueToken(RESET_PREFIX);
    const expiresAt = new Date(now.getTime() + PASSWORD_RESET_TTL_SECONDS * 1000);
    await db.transaction().execute(async (tx) => {
      await createSingleUseTokenRepo(tx, "password_resets").insert({ token_hash: hashToken(token), user_id: user.id, expires_at: expiresAt, created_at: now });
      await recordAudit(tx, {
        type: "PASSWORD_RESET",
        actor,
        org,
        resource: userResource(user),
        ip: ctx.ip,
        details: { stage },
      });
    });
    return { user, org, token, expiresAt };
  }

  return {
    /** The public view of an organization's password policy (the console's forms show it). */
    async policyOfOrganization(slug: string) {
      const org = await createOrganizationRepo(db).findOrganizationBySlug(slug.trim().toLowerCase());
      if (!org) throw new AppError("NOT_FOUND", "Organization not found");
      return {
        minLength: org.password_min_length,
        maxLength: PASSWORD_MAX_LENGTH,
        requireUppercase: org.password_require_uppercase,
        requireLowercase: org.password_require_lowercase,
        requireDigit: org.password_require_digit,
        requireSpecialChar: org.password_require_special_char,
        expirationDays: org.password_expiration_days,
      };
    },

    /** A signed-in user changes their password; their other sessions end, this one stays. */
    async changePassword(caller: Caller, input: { currentPassword: string; newPassword: string }, ctx: ClientContext): Promise<void> {
      const found = await loadUser(caller.orgId, caller.userId);
      if (!found || !found.user.password_hash) throw new AppError("UNAUTHORIZED");
      const { user, org } = found;
      const currentHash = found.user.password_hash;
      // The same counters as sign-in: a stolen access token must not guess the password faster than login can.
      const subjects = withClientIp({ kind: "account", id: accountId(org.slug, user.email) }, ctx.ip);
      await limits.assertNotLocked(subjects);
      if (!(await hasher.verify(currentHash, input.currentPassword))) {
        await limits.recordFailure(subjects);
        await recordAudit(db, {
          type: "PASSWORD_CHANGE",
          ...selfAction(user),
          org,
          result: "FAILURE",
          ip: ctx.ip,
          errorMessage: "Wrong current password",
        });
        throw new AppError("INVALID_CREDENTIALS", "Current password is incorrect");
      }
      const violations = await violationsFor(input.newPassword, org, user);
      if (violations.length > 0) throw policyError(violations);
      const passwordHash = await hasher.hash(input.newPassword);
      const revoked = await db.transaction().execute(async (tx) => {
        const { updated, revoked } = await applyNewPassword(tx, user, passwordHash, {
          keepSessionId: caller.sessionId,
          expectedHash: currentHash,
          reason: "password_change",
        });
        // Another change won the race; the current password this request proved is no longer current.
        if (!updated) throw new AppError("INVALID_CREDENTIALS", "Current password is incorrect");
        await recordAudit(tx, {
          type: "PASSWORD_CHANGE",
          ...selfAction(user),
          org,
          ip: ctx.ip,
          details: { sessionsRevoked: revoked.length },
        });
        return revoked;
      });
      sessions.forget(revoked);
      notify(user, org, "PASSWORD_CHANGED", ctx);
    },

    /**
     * Step 3 of the sign-in state machine: the password-change token of an expired (or
     * admin-expired) password, and a new password. Then the sign-in goes on.
     */
    async changeExpiredPassword(input: { passwordChangeToken: string; newPassword: string }, ctx: ClientContext): Promise<LoginResponse> {
      const tokenHash = hashToken(input.passwordChangeToken);
      const flows = createLoginFlowRepo(db);
      const flow = await flows.findLiveLoginFlow(tokenHash, "password_change", clock());
      if (!flow) throw new AppError("UNAUTHORIZED", "Invalid or expired password change token");
      const found = await loadUser(flow.organization_id, flow.user_id);
      if (!found || !found.user.is_active || !found.user.password_hash) {
        await flows.consumeLoginFlow(tokenHash, "password_change", clock());
        throw new AppError("UNAUTHORIZED", "Invalid or expired password change token");
      }
      const { user, org } = found;
      const currentHash = found.user.password_hash;
      const violations = await violationsFor(input.newPassword, org, user);
      if (violations.length > 0) {
        // The token stays usable for another try, but not for endless ones.
        await flows.recordFailedAttempt(tokenHash, PASSWORD_CHANGE_MAX_ATTEMPTS);
        throw policyError(violations);
      }
      const passwordHash = await hasher.hash(input.newPassword);
      const { response, revoked } = await db.transaction().execute(async (tx) => {
        const consumed = await createLoginFlowRepo(tx).consumeLoginFlow(tokenHash, "password_change", clock());
        if (!consumed) throw new AppError("UNAUTHORIZED", "Invalid or expired password change token");
        const { updated, revoked } = await applyNewPassword(tx, user, passwordHash, { expectedHash: currentHash, reason: "password_change" });
        if (!updated) throw new AppError("UNAUTHORIZED", "The password was changed meanwhile; sign in again");
        await recordAudit(tx, {
          type: "PASSWORD_CHANGE",
          ...selfAction(user),
          org,
          ip: ctx.ip,
          details: { expired: true, sessionsRevoked: revoked.length },
        });
        const response = await auth.advance(tx, updated, org, { mfaVerified: consumed.mfa_verified }, ctx);
        return { response, revoked };
      });
      sessions.forget(revoked);
      notify(user, org, "PASSWORD_CHANGED", ctx);
      return response;
    },

    /** Always succeeds, whether or not the account exists (no enumeration); mails a link only if it does. */
    async forgotPassword(input: { organizationSlug: string; email: string }): Promise<void> {
      const slug = input.organizationSlug.trim().toLowerCase();
      // Keyed by what was typed, like sign-in; over the limit the answer is the same, only no mail goes out.
      const mailLimit: LimitSubject[] = [{ kind: "resetMail", id: accountId(slug, input.email) }];
      if (await limits.isLocked(mailLimit)) {
        log?.info?.({ event: "reset_mail_limited" }, "password reset mail not sent: too many requests for this account");
        return;
      }
      await limits.recordFailure(mailLimit);
      const now = clock();
      const token = newOpaqueToken(RESET_PREFIX);
      const target = await createPasswordRepo(db).insertPasswordResetForEmail(slug, input.email.trim(), {
        token_hash: hashToken(token),
        expires_at: new Date(now.getTime() + PASSWORD_RESET_TTL_SECONDS * 1000),
        created_at: now,
      });
      // The slug matched the account's organization exactly (lowercase, as stored).
      if (target) mail.deliver(resetMail(config.publicUrl, target.email, { name: target.organization_name, slug }, token, false));
    },

    /** An admin mails a member (or themself) the same reset link. */
    async sendResetLink(caller: Caller, userId: string, ctx: ClientContext): Promise<void> {
      const { user, org, token } = await issueResetToken(caller.orgId, userId, userActor(caller), ctx, "LINK_SENT");
      mail.deliver(resetMail(config.publicUrl, user.email, org, token, true));
    },

    /**
     * The host CLI's `admin reset-password`: the same one-hour, single-use link, handed to
     * the operator instead of mailed (for a user whose mail does not arrive).
     */
    async createResetLink(orgId: string, userId: string, actor: AuditActor, ctx: ClientContext): Promise<{ link: string; expiresAt: Date }> {
      const { org, token, expiresAt } = await issueResetToken(orgId, userId, actor, ctx, "LINK_ISSUED");
      return { link: consoleLink(config.publicUrl, "reset-password", token, org.slug), expiresAt };
    },

    /**
     * Sets a new password with a mailed token. Every session ends, and the answer is the
     * sign-in state machine from the start: a user with MFA still gets a challenge.
     */
    async resetPassword(input: { token: string; password: string }, ctx: ClientContext): Promise<LoginResponse> {
      const tokenHash = hashToken(input.token);
      const live = await createSingleUseTokenRepo(db, "password_resets").findLive(tokenHash, clock());
      const found = live ? await loadUser(live.organization_id, live.user_id) : null;
      if (!found || !found.user.is_active) throw new AppError("UNAUTHORIZED", "Invalid or expired password reset token");
      const { user, org } = found;
      const violations = await violationsFor(input.password, org, user);
      if (violations.length > 0) throw policyError(violations);
      const passwordHash = await hasher.hash(input.password);
      const { response, revoked } = await db.transaction().execute(async (tx) => {
        const used = await createSingleUseTokenRepo(tx, "password_resets").consume(tokenHash, clock());
        if (!used) throw new AppError("UNAUTHORIZED", "Invalid or expired password reset token");
        const { updated, revoked } = await applyNewPassword(tx, user, passwordHash, { reason: "password_reset" });
        if (!updated) throw new AppError("UNAUTHORIZED", "Invalid or expired password reset token");
        await recordAudit(tx, {
          type: "PASSWORD_RESET",
          ...selfAction(user),
          org,
          ip: ctx.ip,
          details: { stage: "COMPLETED", sessionsRevoked: revoked.length },
        });
        const response = await auth.advance(tx, updated, org, { mfaVerified: false }, ctx);
        return { response, revoked };
      });
      sessions.forget(revoked);
      notify(user, org, "PASSWORD_RESET", ctx);
      return response;
    },

    /** An admin forces a change at the member's next sign-in; their sessions go on until then. */
    async expirePassword(caller: Caller, userId: string, ctx: ClientContext): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const user = await createPasswordRepo(tx).setMustChangePassword(caller.orgId, userId, clock());
        if (!user) throw new AppError("NOT_FOUND", `User not found with id: ${userId}`);
        // An invitee has no password to expire yet; the flag would only make them choose twice. (Rolled back.)
        if (!user.password_hash) throw new AppError("BAD_REQUEST", "User has not accepted the invitation yet");
        const org = await createOrganizationRepo(tx).findOrganizationById(caller.orgId);
        await recordAudit(tx, {
          type: "PASSWORD_EXPIRE",
          actor: userActor(caller),
          org: org ?? null,
          resource: userResource(user),
          ip: ctx.ip,
        });
      });
    },
  };
}
export type PasswordService = ReturnType<typeof createPasswordService>;
