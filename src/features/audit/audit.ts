import type { Queryable } from "../../db/types.js";

/** EntryGuard-style event names (DESIGN.md, "Audit log"). */
export type AuditEventType =
  | "USER_REGISTER"
  | "USER_LOGIN"
  | "USER_LOGOUT"
  | "MFA_CHALLENGE_VERIFY"
  | "MFA_ENABLE"
  | "MFA_DISABLE"
  | "MFA_RESET"
  | "MFA_RECOVERY_CODES_REGENERATE"
  | "PASSWORD_CHANGE"
  | "PASSWORD_RESET"
  | "PASSWORD_EXPIRE"
  | "USER_CREATE"
  | "USER_UPDATE"
  | "USER_DEACTIVATE"
  | "USER_DELETE"
  | "SESSION_REVOKE"
  | "ORGANIZATION_SETTINGS_UPDATE";

export interface AuditActor {
  id: string | null;
  email: string | null;
  type: "USER" | "SYSTEM" | "ANONYMOUS";
}

export interface AuditEvent {
  type: AuditEventType;
  actor: AuditActor;
  org: { id: string; name: string } | null;
  resource?: { type: string; id: string; name?: string | null };
  result?: "SUCCESS" | "FAILURE";
  ip?: string | null;
  errorMessage?: string | null;
  /** Never a secret: passwords, codes, tokens and TOTP secrets stay out of the trail. */
  details?: Record<string, unknown> | null;
}

/** A signed-in user (a principal, or a row naming one) as the actor of an event. */
export function userActor(user: { userId: string; email: string }): AuditActor {
  return { id: user.userId, email: user.email, type: "USER" };
}

/** A user as the resource an event acts on, named by their email. */
export function userResource(user: { id: string; email: string }): NonNullable<AuditEvent["resource"]> {
  return { type: "USER", id: user.id, name: user.email };
}

/** A user acting on their own account (sign-in, MFA, password): actor and resource are both that user. */
export function selfAction(user: { id: string; email: string }): Pick<AuditEvent, "actor" | "resource"> {
  return { actor: { id: user.id, email: user.email, type: "USER" }, resource: userResource(user) };
}

/** The row an event becomes (also written by statements that fold it in, e.g. the sign-in CTE). */
export function auditRow(e: AuditEvent) {
  return {
    organization_id: e.org?.id ?? null,
    organization_name: e.org?.name ?? null,
    event_type: e.type,
    actor_id: e.actor.id,
    actor_email: e.actor.email,
    actor_type: e.actor.type,
    resource_type: e.resource?.type ?? null,
    resource_id: e.resource?.id ?? null,
    resource_name: e.resource?.name ?? null,
    result: e.result ?? "SUCCESS",
    ip_address: e.ip ?? null,
    error_message: e.errorMessage ?? null,
    details: e.details ? JSON.stringify(e.details) : null,
  };
}
export type AuditRow = ReturnType<typeof auditRow>;

/** Writes one audit row; pass the transaction of the change so the two commit or fail together. */
export async function recordAudit(db: Queryable, e: AuditEvent): Promise<void> {
  await db.insertInto("audit_logs").values(auditRow(e)).execute();
}
