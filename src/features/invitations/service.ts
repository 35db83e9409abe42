import type { Kysely } from "kysely";
import { consoleLink } from "../../mail/console-link.js";
import type { Config } from "../../config.js";
import type { DB, Organization, User } from "../../db/schema.js";
import type { Queryable } from "../../db/types.js";
import type { PasswordHasher } from "../../crypto/passwords.js";
import { hashToken, newOpaqueToken } from "../../crypto/tokens.js";
import { AppError } from "../../http/errors.js";
import type { MailDelivery } from "../../mail/delivery.js";
import { recordAudit, selfAction, userResource, type AuditActor } from "../audit/audit.js";
import type { LoginResponse } from "../auth/responses.js";
import type { AuthService } from "../auth/service.js";
import { createOrganizationRepo } from "../organizations/repo.js";
import { assertAcceptablePassword } from "../passwords/service.js";
import type { ClientContext } from "../sessions/service.js";
import { createUserRepo } from "../users/repo.js";
import { toUserResponse, type UserResponse } from "../users/responses.js";
import { userNotFound } from "../users/service.js";
import { createSingleUseTokenRepo } from "../tokens/single-use-repo.js";
import { createInvitationRepo } from "./repo.js";

/** EntryGuard: "invitation token 7 days, single use". */
export const INVITATION_TTL_SECONDS = 7 * 86_400;
const INVITE_PREFIX = "ghi_";

export interface InvitationDeps {
  db: Kysely<DB>;
  config: Config;
  clock: () => Date;
  hasher: PasswordHasher;
  mail: MailDelivery;
  auth: AuthService;
}

export interface InviteInput {
  email: string;
  name?: string;
  isOrgAdmin?: boolean;
}

/** Invalid, used, expired, or its user deactivated or already set up: one answer for all. */
const invalidToken = () => new AppError("UNAUTHORIZED", "Invalid or expired invitation token");

export function createInvitationService({ db, config, clock, hasher, mail, auth }: InvitationDeps) {
  /** A fresh token for `user`, stored hashed; the caller mails it after commit. */
  async function issueToken(tx: Queryable, user: User, now: Date) {
    const token = newOpaqueToken(INVITE_PREFIX);
    const expiresAt = new Date(now.getTime() + INVITATION_TTL_SECONDS * 1000);
    await createSingleUseTokenRepo(tx, "invitations").insert({ token_hash: hashToken(token), user_id: user.id, expires_at: expiresAt, created_at: now });
    return { token, expiresAt };
  }

  /**
   * Mailed after the transaction commits and after the answer, like every mail: a mail
   * server must never hold the database (PGlite has one connection) or fail a request
   * whose change is made, and no mail goes out for a rolled-back invitation. If sending
   * fails (it is logged) the member exists and resend-invitation makes a new link.
   */
  function sendInvitation(org: Organization, user: User, invite: { token: string; expiresAt: Date }, inviter: AuditActor) {
    const link = consoleLink(config.publicUrl, "set-password", invite.token, org.slug);
    mail.deliver({
      to: user.email,
      subject: `You are invited to ${org.name}`,
      text: [
        `${inviter.email ?? "An administrator"} invited you to join ${org.name}.`,
        "",
        `Choose your password here (the link works once, until ${invite.expiresAt.toISOString()}):`,
        link,
        "",
        // The link is used once; signing in afterwards needs the organization's slug.
        `Afterwards, sign in at ${config.publicUrl}/sign-in with organization "${org.slug}" and this email address.`,
        "",
        "If you did not expect this invitation, ignore this mail.",
      ].join("\n"),
    });
  }

  return {
    /** POST /users: the member exists at once, without a password, until they accept. */
    async invite(orgId: string, input: InviteInput, actor: AuditActor, ctx: ClientContext): Promise<UserResponse> {
      const now = clock();
      const email = input.email.trim();
      const { org, user, invite } = await db.transaction().execute(async (tx) => {
        const org = await createOrganizationRepo(tx).findOrganizationById(orgId);
        if (!org) throw new AppError("NOT_FOUND", "Organization not found");
        const user = await createUserRepo(tx).insertUser({
          organization_id: orgId,
          email,
          name: input.name?.trim() || null,
          password_hash: null,
          is_org_admin: input.isOrgAdmin ?? false,
          created_at: now,
          updated_at: now,
        });
        // EntryGuard: "Duplicate email … → 400 (not 409)": a state error, so BAD_REQUEST (docs/security.md, Errors).
        if (!user) throw new AppError("BAD_REQUEST", `A user with email ${email} already exists in this organization`);
        const invite = await issueToken(tx, user, now);
        await recordAudit(tx, {
          type: "USER_CREATE",
          actor,
          org,
          resource: userResource(user),
          ip: ctx.ip,
          details: { email: user.email, name: user.name, isOrgAdmin: user.is_org_admin, invitationExpiresAt: invite.expiresAt.toISOString() },
        });
        return { org, user, invite };
      });
      sendInvitation(org, user, invite, actor);
      return toUserResponse(user);
    },

    /** Ours: a new link for someone who has not accepted yet; every older link stops working. */
    async resend(orgId: string, id: string, actor: AuditActor, ctx: ClientContext): Promise<void> {
      const now = clock();
      const { org, user, invite } = await db.transaction().execute(async (tx) => {
        const org = await createOrganizationRepo(tx).findOrganizationById(orgId);
        const user = org ? await createUserRepo(tx).findUserById(orgId, id) : undefined;
        if (!org || !user) throw userNotFound(id);
        if (user.password_hash !== null) throw new AppError("BAD_REQUEST", "User has already accepted the invitation");
        if (!user.is_active) throw new AppError("BAD_REQUEST", "User is deactivated; reactivate them before inviting again");
        await createInvitationRepo(tx).deletePendingInvitations(orgId, id);
        const invite = await issueToken(tx, user, now);
        await recordAudit(tx, {
          type: "USER_UPDATE",
          actor,
          org,
          resource: userResource(user),
          ip: ctx.ip,
          details: { invitation: "RESENT", invitationExpiresAt: invite.expiresAt.toISOString() },
        });
        return { org, user, invite };
      });
      sendInvitation(org, user, invite, actor);
    },

    /**
     * POST /auth/set-password. The policy is checked before the token is burned, so
     * a rejected password leaves the link usable; the token is then consumed by one
     * conditional UPDATE in the transaction that sets the password, and the answer
     * is the next sign-in step (MFA enrolment at once when the organization requires it).
     */
    async accept(input: { inviteToken: string; password: string; name?: string }, ctx: ClientContext): Promise<LoginResponse> {
      const hash = hashToken(input.inviteToken);
      const live = await createSingleUseTokenRepo(db, "invitations").findLive(hash, clock());
      if (!live) throw invalidToken();
      const org = await createOrganizationRepo(db).findOrganizationById(live.organization_id);
      const invitee = org ? await createUserRepo(db).findUserById(org.id, live.user_id) : undefined;
      if (!org || !invitee) throw invalidToken();
      assertAcceptablePassword(input.password, org, invitee);
      // argon2id outside the transaction: it takes tens of milliseconds and must not hold the database.
      const passwordHash = await hasher.hash(input.password);
      const name = input.name?.trim() || undefined;
      return db.transaction().execute(async (tx) => {
        const now = clock();
        // The policy may have tightened while we hashed: check again against what commits with us.
        const current = await createOrganizationRepo(tx).findOrganizationById(org.id);
        if (!current) throw invalidToken();
        assertAcceptablePassword(input.password, current, invitee);
        const consumed = await createSingleUseTokenRepo(tx, "invitations").consume(hash, now);
        if (!consumed) throw invalidToken();
        const user = await createUserRepo(tx).setInitialPassword(current.id, consumed.user_id, { password_hash: passwordHash, name, now });
        if (!user) throw invalidToken();
        await createInvitationRepo(tx).deletePendingInvitations(current.id, user.id);
        await recordAudit(tx, {
          type: "PASSWORD_CHANGE",
          ...selfAction(user),
          org: current,
          ip: ctx.ip,
          details: { reason: "INVITATION_ACCEPTED" },
        });
        return auth.advance(tx, user, current, { mfaVerified: false }, ctx);
      });
    },
  };
}
export type InvitationService = ReturnType<typeof createInvitationService>;
