import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import type { Harness } from "./harness.js";
import { bearer } from "./api.js";

/** A JSON request with a bearer token (payload omitted = no body). */
export function call(h: Harness, token: string | null, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown) {
  const headers: Record<string, string> = token ? bearer(token) : {};
  if (payload === undefined) return h.inject({ method, url, headers });
  return h.inject({ method, url, headers: { ...headers, "content-type": "application/json" }, payload: JSON.stringify(payload) });
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

function outboxFiles(h: Harness): string[] {
  const dir = join(h.config.dataDir, "outbox");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
}

/** Every mail in the outbox, oldest first (file names start with the time they were written). */
export function outbox(h: Harness): Mail[] {
  const dir = join(h.config.dataDir, "outbox");
  return outboxFiles(h).sort().map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Mail);
}

/**
 * The mails `action` wrote to the outbox (DATA_DIR/outbox, one JSON file per mail),
 * counting those it handed over to leave after its answer, and none left over from before.
 */
export async function mailsDuring<T>(h: Harness, action: () => Promise<T>): Promise<{ result: T; mails: Mail[] }> {
  await h.app.services.mail.drain();
  const before = new Set(outboxFiles(h));
  const result = await action();
  await h.app.services.mail.drain();
  const dir = join(h.config.dataDir, "outbox");
  const mails = outboxFiles(h)
    .filter((f) => !before.has(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Mail);
  return { result, mails };
}

export function inviteTokenOf(mail: Mail): string {
  const match = /http:\/\/gatehouse\.test\/set-password\?token=([A-Za-z0-9_%-]+)/.exec(mail.text);
  assert.ok(match, `no invitation link in: ${mail.text}`);
  return decodeURIComponent(match[1]!);
}

/** Invites through the API; answers the created user and the token from the mail. */
export async function invite(h: Harness, adminToken: string, body: { email: string; name?: string; isOrgAdmin?: boolean }) {
  const { result: res, mails } = await mailsDuring(h, () => call(h, adminToken, "POST", "/api/v1/users", body));
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(mails.length, 1);
  assert.equal(mails[0]!.to, body.email);
  return { user: res.json() as Record<string, unknown> & { id: string }, token: inviteTokenOf(mails[0]!) };
}

export function setPassword(h: Harness, inviteToken: string, password: string, name?: string): Promise<LightMyRequestResponse> {
  return h.inject({ method: "POST", url: "/api/v1/auth/set-password", payload: name === undefined ? { inviteToken, password } : { inviteToken, password, name } });
}

export interface MemberSeed {
  email: string;
  name: string | null;
  is_org_admin?: boolean;
  is_active?: boolean;
  mfa_enabled?: boolean;
  /** Text, so tests can use PostgreSQL's microsecond precision. */
  created_at: string;
}

/** Many members in one multi-row INSERT (a fixture: no passwords, nobody signs in as them). */
export async function insertMembers(h: Harness, orgId: string, seeds: MemberSeed[]): Promise<void> {
  await h.runtime.database.db
    .insertInto("users")
    .values(seeds.map((s) => ({
      organization_id: orgId,
      email: s.email,
      name: s.name,
      is_org_admin: s.is_org_admin ?? false,
      is_active: s.is_active ?? true,
      mfa_enabled: s.mfa_enabled ?? false,
      created_at: s.created_at,
      updated_at: s.created_at,
    })))
    .execute();
}

export async function auditRows(h: Harness, orgId: string, eventType?: string) {
  let q = h.runtime.database.db.selectFrom("audit_logs").selectAll().where("organization_id", "=", orgId);
  if (eventType) q = q.where("event_type", "=", eventType);
  return q.orderBy("seq").execute();
}

export const USER_KEYS = [
  "id", "email", "name", "isOrgAdmin", "platformRole", "isActive", "mfaEnabled", "lastLoginAt", "roleNames", "createdAt", "updatedAt",
];
