import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import type { Harness } from "./harness.js";

export const STRONG_PASSWORD = "Corr3ct-Horse-Battery";

export function uniqueSlug(prefix = "org"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface Registered {
  slug: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  userId: string;
  orgId: string;
}

/** Registers a fresh organization and its admin through the API. */
export async function registerOrg(h: Harness, overrides: { slug?: string; email?: string; password?: string; name?: string } = {}): Promise<Registered> {
  const slug = overrides.slug ?? uniqueSlug();
  const email = overrides.email ?? `admin@${slug}.test`;
  const password = overrides.password ?? STRONG_PASSWORD;
  const res = await h.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { organizationName: overrides.name ?? `Org ${slug}`, organizationSlug: slug, email, password },
  });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json();
  return { slug, email, password, accessToken: body.accessToken, refreshToken: body.refreshToken, userId: body.user.id, orgId: body.user.organizationId };
}

export async function login(h: Harness, slug: string, email: string, password: string) {
  return h.inject({ method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: slug, email, password } });
}

/**
 * Adds a member straight through the repo (a fixture for suites that run before
 * invitations are involved); the member then signs in through the API like anyone.
 */
export async function createMember(h: Harness, orgId: string, opts: { email?: string; password?: string; isOrgAdmin?: boolean } = {}) {
  const { createUserRepo } = await import("../../src/features/users/repo.js");
  const email = opts.email ?? `member-${randomBytes(3).toString("hex")}@example.test`;
  const password = opts.password ?? STRONG_PASSWORD;
  const now = h.clock.now();
  const user = await createUserRepo(h.runtime.database.db).insertUser({
    organization_id: orgId,
    email,
    password_hash: await h.runtime.hasher.hash(password),
    password_changed_at: now,
    is_org_admin: opts.isOrgAdmin ?? false,
    created_at: now,
    updated_at: now,
  });
  assert.ok(user);
  return { id: user.id, email, password };
}

export async function loginTokens(h: Harness, slug: string, email: string, password: string) {
  const res = await login(h, slug, email, password);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.ok(body.accessToken, `expected tokens, got ${res.body}`);
  return body as { accessToken: string; refreshToken: string; user: Record<string, unknown> };
}
