/**
 * The console's side of the typed SDK (sdk/): one client in cookie mode, and the
 * console's names for its calls. The access token lives in that client's memory
 * only; the refresh token is an HttpOnly cookie the server sets because cookie mode
 * sends `X-Gatehouse-Client: console` with every request (docs/console.md). Nothing
 * is stored in localStorage except the last organization slug (see rememberSlug).
 * Failures are the SDK's GatehouseError (re-exported here for the pages).
 */

import {
  GatehouseClient,
  GatehouseError,
  type AuditExportQuery,
  type ChangeExpiredPasswordBody,
  type ChangePasswordBody,
  type ConfirmMfaSetupBody,
  type ForgotPasswordBody,
  type InviteUserBody,
  type ListAuditLogsQuery,
  type ListUsersQuery,
  type LoginBody,
  type RegisterBody,
  type ResetPasswordBody,
  type SetPasswordBody,
  type SettingsPatch,
  type TokenResponse,
  type UpdateUserBody,
  type VerifyMfaBody,
} from "../../sdk/index.js";

export { GatehouseError };
export type {
  AuditEntry,
  AuditPage,
  AuthUser,
  LoginResponse,
  MfaSetup,
  OrganizationSettings,
  OwnSession,
  PasswordPolicy,
  SettingsPatch,
  TokenResponse,
  MeResponse as Me,
  MfaSetupConfirmation as MfaConfirm,
  UserResponse as Member,
} from "../../sdk/index.js";

export type MemberFilter = Pick<ListUsersQuery, "mfaEnabled" | "isOrgAdmin" | "isActive" | "q">;
export type AuditQuery = Omit<ListAuditLogsQuery, "format">;

/** The API's error code (`INVALID_MFA_CODE`, ...), or null when the failure is no API error body (no network, a proxy's page). */
export function errorCode(err: unknown): string | null {
  return err instanceof GatehouseError && err.dialect === "entryguard" ? String(err.code) : null;
}

let onSessionLost: ((why: string) => void) | null = null;
let onForbidden: (() => void) | null = null;

/** Called on every 403, so the console can re-read what the user may do. */
export function setForbiddenHandler(handler: (() => void) | null): void {
  onForbidden = handler;
}

const SESSION_ENDED = "Your session ended. Please sign in again.";

/**
 * Why the server ended a session at refresh, in the sign-in page's words, when the
 * organization's policy now demands a step (MFA enrolment, a password change); null for
 * any other ending.
 */
function policyEndNotice(refreshError: unknown): string | null {
  const message = refreshError instanceof GatehouseError && refreshError.status === 401 ? refreshError.message : "";
  if (/requires MFA/.test(message)) return "Your organization now requires two-factor authentication. Sign in again to set it up.";
  if (/password has expired/.test(message)) return "Your password has expired. Sign in again to choose a new one.";
  return null;
}

const client = new GatehouseClient({
  // Same origin; the refresh token stays in the HttpOnly cookie.
  cookieRefresh: true,
  // Never an answer from the browser's cache (the API also sends no-store). A 403 may mean the
  // user's rights changed since the page loaded (an admin demoted): the session re-reads them.
  fetch: (input, init) =>
    fetch(input, { ...init, cache: "no-store" }).then((res) => {
      if (res.status === 403) onForbidden?.();
      return res;
    }),
  // Refresh tokens are single-use and a reused one ends the whole session (reuse
  // detection), so two tabs must never refresh with the same cookie at once: a Web
  // Lock serializes them; within this tab the SDK shares one refresh among callers.
  refreshLock: async (refresh) => (navigator.locks ? await navigator.locks.request("gatehouse-refresh", refresh) : await refresh()),
  onSessionLost: (_error, refreshError) => onSessionLost?.(policyEndNotice(refreshError) ?? SESSION_ENDED),
});

export function setAccessToken(token: string | null): void {
  client.setTokens({ accessToken: token, refreshToken: null });
}

/** Called, with what to tell the user, when a signed-in request fails and the refresh cookie cannot renew it. */
export function setSessionLostHandler(handler: (why: string) => void): void {
  onSessionLost = handler;
}

/**
 * Renews the session from the refresh cookie (on load, too): the tokens, or null and, when
 * the server ended a session for a reason worth telling (a policy step), that reason.
 */
export function refreshSession(): Promise<{ tokens: TokenResponse | null; notice: string | null }> {
  return client.refreshSession().then(
    (tokens) => ({ tokens, notice: null }),
    (err: unknown) => {
      // The server refused (no cookie, a dead one): signed out. A network failure keeps the token.
      if (err instanceof GatehouseError && err.status !== 0) setAccessToken(null);
      return { tokens: null, notice: policyEndNotice(err) };
    },
  );
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

// ---- the API, in the pages' words ----

/** A setup token (of a sign-in's MFA enrolment) instead of the session's. */
const withToken = (token: string | undefined) => (token ? { token } : {});

export const api = {
  // sign-in state machine (login shape answers)
  login: (body: LoginBody) => client.login(body),
  verifyMfa: (body: VerifyMfaBody) => client.verifyMfa(body),
  changeExpiredPassword: (body: ChangeExpiredPasswordBody) => client.changeExpiredPassword(body),
  setPassword: (body: SetPasswordBody) => client.setPassword(body),
  resetPassword: (body: ResetPasswordBody) => client.resetPassword(body),
  forgotPassword: (body: ForgotPasswordBody) => client.forgotPassword(body),
  register: (body: RegisterBody) => client.register(body),
  passwordPolicy: (slug: string) => client.getPasswordPolicy(slug),
  /** Ends this session (the cookie's and the access token's) and clears the cookie; the token is forgotten. */
  logout: () => client.logout(),

  // MFA enrolment, with the session or an mfaSetupToken
  mfaSetup: (setupToken?: string) => client.setupMfa(withToken(setupToken)),
  mfaConfirm: (body: ConfirmMfaSetupBody, setupToken?: string) => client.confirmMfaSetup(body, withToken(setupToken)),
  mfaDisable: (code: string) => client.disableMfa(code),
  regenerateRecoveryCodes: (code?: string) => client.regenerateRecoveryCodes({ code }),

  // my account
  me: () => client.me(),
  changePassword: (body: ChangePasswordBody) => client.changePassword(body),
  sessions: () => client.listSessions(),
  revokeSession: (id: string) => client.revokeSession(id),

  // organization (admins)
  settings: () => client.getOrganizationSettings(),
  updateSettings: (patch: SettingsPatch) => client.updateOrganizationSettings(patch),
  /** Every matching member (no paging): for counts. */
  allMembers: (filter: MemberFilter) => client.listUsers(filter),
  /** One page; `next` is the cursor of the following one (from the Link header). */
  async members(filter: MemberFilter, limit: number, cursor?: string) {
    const page = await client.listUsersPage({ ...filter, limit, cursor });
    return { members: page.users, next: page.nextCursor };
  },
  invite: (body: InviteUserBody) => client.inviteUser(body),
  updateMember: (id: string, patch: UpdateUserBody) => client.updateUser(id, patch),
  resetMemberMfa: (id: string) => client.resetUserMfa(id),
  sendPasswordReset: (id: string) => client.resetUserPassword(id),
  expirePassword: (id: string) => client.expireUserPassword(id),
  revokeMemberSessions: (id: string) => client.revokeUserSessions(id),
  deleteMember: (id: string) => client.deleteUser(id),
  resendInvitation: (id: string) => client.resendInvitation(id),

  // audit
  auditLogs: (query: AuditQuery) => client.listAuditLogs(query),
  /** Every entry matching the filters, as the server's NDJSON, to save as a file. */
  exportAuditLogs: (query: AuditExportQuery) => client.downloadAuditLogs(query),
};
