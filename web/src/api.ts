/**
 * Every HTTP call the console makes, in one place (to be replaced by the typed
 * SDK in sdk/ later). The access token lives in this module's memory only; the
 * refresh token is an HttpOnly cookie the server sets because every request
 * carries `X-Gatehouse-Client: console` (docs/console.md). Nothing is stored in
 * localStorage except the last organization slug (see rememberSlug).
 */

import type { PasswordPolicy } from "./rules";

// ---- shapes (the API's, trimmed to what the console reads) ----

export interface AuthUser {
  id: string;
  email: string;
  name: string | null;
  isOrgAdmin: boolean;
  organizationId: string;
  organizationName: string;
  organizationSlug: string;
  subscriptionTier: string;
  mfaEnabled: boolean;
}

export interface LoginResponse {
  mfaRequired: boolean;
  mfaChallengeToken: string | null;
  mfaChallengeExpiresIn: number | null;
  passwordExpired: boolean;
  passwordChangeToken: string | null;
  mfaSetupRequired: boolean;
  mfaSetupToken: string | null;
  accessToken: string | null;
  refreshToken: string | null;
  expiresIn: number | null;
  tokenType: string | null;
  user: AuthUser | null;
  passwordExpiresAt: string | null;
}

export interface TokenResponse {
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number;
  tokenType: string;
  user: AuthUser;
}

export interface Me extends AuthUser {
  platformRole: string;
  organizationMfaRequired: boolean;
}

export type { PasswordPolicy };

export interface MfaSetup {
  qrCodeBase64: string;
  secret: string;
  otpauthUrl: string;
}

export interface MfaConfirm extends Partial<TokenResponse> {
  recoveryCodes: string[];
}

export interface OwnSession {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface OrganizationSettings {
  id: string;
  name: string;
  subscriptionTier: string;
  mfaRequired: boolean;
  passwordMinLength: number;
  passwordRequireUppercase: boolean;
  passwordRequireLowercase: boolean;
  passwordRequireDigit: boolean;
  passwordRequireSpecialChar: boolean;
  passwordExpirationDays: number | null;
}

export type SettingsPatch = Partial<Omit<OrganizationSettings, "id" | "name" | "subscriptionTier">>;

export interface Member {
  id: string;
  email: string;
  name: string | null;
  isOrgAdmin: boolean;
  isActive: boolean;
  mfaEnabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MemberFilter {
  mfaEnabled?: boolean;
  isOrgAdmin?: boolean;
  isActive?: boolean;
  q?: string;
}

export interface AuditEntry {
  id: string;
  eventType: string;
  actorEmail: string | null;
  actorType: string;
  resourceType: string | null;
  resourceId: string | null;
  resourceName: string | null;
  result: string;
  ipAddress: string | null;
  errorMessage: string | null;
  details: Record<string, unknown> | null;
  organizationName: string | null;
  createdAt: string;
}

export interface AuditQuery {
  eventType?: string;
  actorEmail?: string;
  from?: string;
  to?: string;
  page?: number;
  size?: number;
}

export interface AuditPage {
  content: AuditEntry[];
  totalElements: number;
  totalPages: number;
  number: number;
  size: number;
}

// ---- errors ----

/** An API error, with what the forms need: per-field messages, policy rules, when to retry. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: Record<string, string> = {},
    readonly details: { rule: string; message: string }[] = [],
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  const retry = res.headers.get("retry-after");
  const retryAfter = retry && /^\d+$/.test(retry) ? Number(retry) : null;
  let body: { error?: string; message?: string; validationErrors?: Record<string, string>; details?: { rule: string; message: string }[] } = {};
  try {
    body = await res.json();
  } catch {
    // not JSON (a proxy's page): keep the status
  }
  return new ApiError(
    res.status,
    body.error ?? `HTTP_${res.status}`,
    body.message ?? `The server answered ${res.status}`,
    body.validationErrors ?? {},
    body.details ?? [],
    retryAfter,
  );
}

// ---- the token in memory ----

let accessToken: string | null = null;
let onSessionLost: (() => void) | null = null;

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

export function hasAccessToken(): boolean {
  return accessToken !== null;
}

/** Called when a signed-in request fails and the refresh cookie cannot renew it. */
export function setSessionLostHandler(handler: () => void): void {
  onSessionLost = handler;
}

const CLIENT_HEADER = { "X-Gatehouse-Client": "console" };

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** A bearer other than the session's (an mfaSetupToken), or false for none. */
  bearer?: string | false;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { ...CLIENT_HEADER };
  const token = options.bearer === undefined ? accessToken : options.bearer;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (method === "POST" || method === "PATCH") {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body ?? {});
  }
  return fetch(withQuery(`/api/v1${path}`, options.query), { method, headers, body, credentials: "same-origin", cache: "no-store" });
}

/** A call; with the session's token, a 401 triggers one refresh and one retry. */
async function raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  let res = await send(method, path, options);
  // Only an expired or revoked token is renewed; a wrong password or code (also 401) is not retried.
  if (res.status === 401 && options.bearer === undefined && accessToken && (await toApiError(res.clone())).code === "UNAUTHORIZED") {
    const renewed = await refreshSession();
    if (renewed) res = await send(method, path, options);
    else onSessionLost?.();
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

async function json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const res = await raw(method, path, options);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

// ---- refresh: one at a time, across tabs ----

let inflight: Promise<TokenResponse | null> | null = null;

/**
 * Rotates the refresh cookie. Refresh tokens are single-use and a reused one ends
 * the whole session (reuse detection), so two tabs must never refresh with the
 * same cookie at once: a Web Lock serializes them, and within a tab concurrent
 * callers share one request.
 */
export function refreshSession(): Promise<TokenResponse | null> {
  inflight ??= (async () => {
    const run = async (): Promise<TokenResponse | null> => {
      const res = await send("POST", "/auth/refresh", { bearer: false });
      if (!res.ok) {
        accessToken = null;
        return null;
      }
      const tokens = (await res.json()) as TokenResponse;
      accessToken = tokens.accessToken;
      return tokens;
    };
    try {
      return navigator.locks ? await navigator.locks.request("gatehouse-refresh", run) : await run();
    } catch {
      return null;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

// ---- the last organization slug (the only thing the console keeps) ----

const SLUG_KEY = "gatehouse.lastOrganization";

export function rememberedSlug(): string {
  try {
    return localStorage.getItem(SLUG_KEY) ?? "";
  } catch {
    return "";
  }
}

export function rememberSlug(slug: string): void {
  try {
    localStorage.setItem(SLUG_KEY, slug.trim().toLowerCase());
  } catch {
    // private mode: nothing to remember
  }
}

// ---- the API ----

const bool = (v: boolean | undefined) => (v === undefined ? undefined : String(v));

export const api = {
  // sign-in state machine (login shape answers)
  login: (body: { organizationSlug: string; email: string; password: string }) =>
    json<LoginResponse>("POST", "/auth/login", { body, bearer: false }),
  verifyMfa: (body: { mfaChallengeToken: string; code: string }) => json<LoginResponse>("POST", "/auth/verify-mfa", { body, bearer: false }),
  changeExpiredPassword: (body: { passwordChangeToken: string; newPassword: string }) =>
    json<LoginResponse>("POST", "/auth/change-expired-password", { body, bearer: false }),
  setPassword: (body: { inviteToken: string; password: string; name?: string }) =>
    json<LoginResponse>("POST", "/auth/set-password", { body, bearer: false }),
  resetPassword: (body: { token: string; password: string }) => json<LoginResponse>("POST", "/auth/reset-password", { body, bearer: false }),
  forgotPassword: (body: { organizationSlug: string; email: string }) =>
    json<void>("POST", "/auth/forgot-password", { body, bearer: false }),
  register: (body: { organizationName: string; email: string; password: string; name?: string; organizationSlug?: string }) =>
    json<TokenResponse>("POST", "/auth/register", { body, bearer: false }),
  passwordPolicy: (slug: string) => json<PasswordPolicy>("GET", `/organizations/${encodeURIComponent(slug)}/password-policy`, { bearer: false }),
  /** Ends this session (the cookie's and the access token's) and clears the cookie. */
  async logout(): Promise<void> {
    try {
      await send("POST", "/auth/logout", {});
    } finally {
      accessToken = null;
    }
  },

  // MFA enrolment, with the session or an mfaSetupToken
  mfaSetup: (setupToken?: string) => json<MfaSetup>("POST", "/mfa/setup", setupToken ? { bearer: setupToken } : {}),
  mfaConfirm: (body: { code: string; secret: string }, setupToken?: string) =>
    json<MfaConfirm>("POST", "/mfa/setup/confirm", setupToken ? { body, bearer: setupToken } : { body }),
  mfaDisable: (code: string) => json<void>("POST", "/mfa/disable", { body: { code } }),
  regenerateRecoveryCodes: () => json<{ recoveryCodes: string[] }>("POST", "/mfa/recovery-codes/regenerate"),

  // my account
  me: () => json<Me>("GET", "/auth/me"),
  changePassword: (body: { currentPassword: string; newPassword: string }) => json<void>("POST", "/auth/change-password", { body }),
  sessions: () => json<OwnSession[]>("GET", "/auth/sessions"),
  revokeSession: (id: string) => json<void>("DELETE", `/auth/sessions/${encodeURIComponent(id)}`),

  // organization (admins)
  settings: () => json<OrganizationSettings>("GET", "/organization/settings"),
  updateSettings: (body: SettingsPatch) => json<OrganizationSettings>("PATCH", "/organization/settings", { body }),
  /** Every matching member (no paging): for counts. */
  allMembers: (filter: MemberFilter) =>
    json<Member[]>("GET", "/users", { query: { mfaEnabled: bool(filter.mfaEnabled), isOrgAdmin: bool(filter.isOrgAdmin), isActive: bool(filter.isActive), q: filter.q } }),
  /** One page; `next` is the cursor of the following one (from the Link header). */
  async members(filter: MemberFilter, limit: number, cursor?: string): Promise<{ members: Member[]; next: string | null }> {
    const res = await raw("GET", "/users", {
      query: { mfaEnabled: bool(filter.mfaEnabled), isOrgAdmin: bool(filter.isOrgAdmin), isActive: bool(filter.isActive), q: filter.q, limit, cursor },
    });
    const link = res.headers.get("link");
    const next = link ? /[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"/.exec(link)?.[1] ?? null : null;
    return { members: (await res.json()) as Member[], next: next && decodeURIComponent(next) };
  },
  invite: (body: { email: string; name?: string; isOrgAdmin?: boolean }) => json<Member>("POST", "/users", { body }),
  updateMember: (id: string, body: { name?: string | null; isOrgAdmin?: boolean; isActive?: boolean }) =>
    json<Member>("PATCH", `/users/${encodeURIComponent(id)}`, { body }),
  resetMemberMfa: (id: string) => json<{ message: string }>("POST", `/users/${encodeURIComponent(id)}/reset-mfa`),
  sendPasswordReset: (id: string) => json<void>("POST", `/users/${encodeURIComponent(id)}/reset-password`),
  expirePassword: (id: string) => json<void>("POST", `/users/${encodeURIComponent(id)}/expire-password`),
  revokeMemberSessions: (id: string) => json<void>("POST", `/users/${encodeURIComponent(id)}/revoke-sessions`),
  resendInvitation: (id: string) => json<void>("POST", `/users/${encodeURIComponent(id)}/resend-invitation`),

  // audit
  auditLogs: (query: AuditQuery) => json<AuditPage>("GET", "/audit-logs", { query: { ...query } }),
  /** Every entry matching the filters, as NDJSON, fetched with the bearer token. */
  async exportAuditLogs(query: Omit<AuditQuery, "page" | "size">): Promise<Blob> {
    const res = await raw("GET", "/audit-logs", { query: { ...query, format: "ndjson" } });
    return res.blob();
  },
};
