import { FlashbackApi } from "./flashback.js";
import { readNdjson } from "./ndjson.js";
import { signIn, type SignInCallbacks, type SignInResult } from "./sign-in.js";
import { Transport, type CallOptions, type GatehouseClientOptions, type Tokens } from "./transport.js";
import type {
  AuditEntry,
  AuditPage,
  ChangeExpiredPasswordBody,
  ChangePasswordBody,
  ConfirmMfaSetupBody,
  FlashbackMessage,
  ForgotPasswordBody,
  InviteUserBody,
  Jwks,
  ListAuditLogsQuery,
  ListUsersQuery,
  LoginBody,
  LoginResponse,
  MeResponse,
  MfaSetup,
  MfaSetupConfirmation,
  OrganizationSettings,
  OwnSession,
  PasswordPolicy,
  RegenerateRecoveryCodesResult,
  RegisterBody,
  ResetPasswordBody,
  ResetUserMfaResult,
  SetPasswordBody,
  SettingsPatch,
  TokenResponse,
  UpdateUserBody,
  UserResponse,
  VerifyMfaBody,
} from "./types.gen.js";

/** The filters of an audit export (`format=ndjson` answers every match: no paging). */
export type AuditExportQuery = Omit<ListAuditLogsQuery, "format" | "page" | "size">;

export interface UserPage {
  users: UserResponse[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** The cursor of RFC 8288 `Link: <...>; rel="next"`, as GET /users sends it. */
function nextCursorOf(link: string | null): string | null {
  const next = link?.split(",").find((part) => /;\s*rel="?next"?/.test(part));
  const url = next ? /<([^>]+)>/.exec(next)?.[1] : undefined;
  if (!url) return null;
  const query = url.includes("?") ? url.slice(url.indexOf("?") + 1) : "";
  return new URLSearchParams(query).get("cursor");
}

/**
 * A typed client for both dialects of the Gatehouse API. One method per
 * operation (see OPERATION_METHODS); the Flashback routes are under `flashback`.
 * Tokens handed out by any sign-in step are kept and sent as `Authorization:
 * Bearer`; a 401 `invalid_token` is answered by one refresh and one retry.
 */
export class GatehouseClient {
  /** The transport, for calls by operationId (`client.transport.call("me", {})`). */
  readonly transport: Transport;
  /** Flashback's MFA dialect at the root (`{success, ...}` envelope). */
  readonly flashback: FlashbackApi;

  constructor(options: GatehouseClientOptions = {}) {
    this.transport = new Transport(options);
    this.flashback = new FlashbackApi(this.transport);
  }

  get tokens(): Tokens {
    return this.transport.getTokens();
  }

  setTokens(tokens: Tokens): void {
    this.transport.setTokens(tokens);
  }

  // --- Sign-up and the sign-in state machine ---

  /**
   * Signs in from the password to tokens, asking the callbacks for whatever the
   * organization's policy demands on the way (MFA code, new password, enrolment).
   * Same as `signIn(client, credentials, callbacks)`; the client keeps the tokens.
   */
  signIn(credentials: LoginBody, callbacks?: SignInCallbacks): Promise<SignInResult> {
    return signIn(this, credentials, callbacks);
  }

  register(body: RegisterBody, options?: CallOptions): Promise<TokenResponse> {
    return this.transport.call("register", { body }, options);
  }

  login(body: LoginBody, options?: CallOptions): Promise<LoginResponse> {
    return this.transport.call("login", { body }, options);
  }

  verifyMfa(body: VerifyMfaBody, options?: CallOptions): Promise<LoginResponse> {
    return this.transport.call("verifyMfa", { body }, options);
  }

  changeExpiredPassword(body: ChangeExpiredPasswordBody, options?: CallOptions): Promise<LoginResponse> {
    return this.transport.call("changeExpiredPassword", { body }, options);
  }

  /**
   * Renews the client's own session (its refresh token; the cookie in cookie mode),
   * sharing whatever refresh is in flight, a 401's included, so a rotated token is never
   * presented twice; under `refreshLock` when given. The client keeps the new tokens and
   * forgets them when the server refuses the refresh token (401). A browser console
   * calls it on load to get an access token back from the cookie.
   */
  refreshSession(): Promise<TokenResponse> {
    return this.transport.refreshOnce();
  }

  /** Rotates the refresh token (the client's own when omitted; the cookie in cookie mode); see also refreshSession(). */
  async refresh(refreshToken?: string, options?: CallOptions): Promise<TokenResponse> {
    const token = refreshToken ?? this.tokens.refreshToken;
    return this.transport.call("refresh", { body: token ? { refreshToken: token } : {} }, options);
  }

  /** Ends the session (refresh token and access token); the client forgets its tokens. */
  async logout(refreshToken?: string, options?: CallOptions): Promise<void> {
    const token = refreshToken ?? this.tokens.refreshToken;
    try {
      await this.transport.call("logout", { body: token ? { refreshToken: token } : {} }, options);
    } finally {
      this.transport.setTokens({ accessToken: null, refreshToken: null });
    }
  }

  me(options?: CallOptions): Promise<MeResponse> {
    return this.transport.call("me", {}, options);
  }

  // --- Passwords ---

  async changePassword(body: ChangePasswordBody, options?: CallOptions): Promise<void> {
    await this.transport.call("changePassword", { body }, options);
  }

  /** Always succeeds (204), whether or not the account exists. */
  forgotPassword(body: ForgotPasswordBody, options?: CallOptions): Promise<void> {
    return this.transport.call("forgotPassword", { body }, options);
  }

  resetPassword(body: ResetPasswordBody, options?: CallOptions): Promise<LoginResponse> {
    return this.transport.call("resetPassword", { body }, options);
  }

  /** Accepts an invitation. */
  setPassword(body: SetPasswordBody, options?: CallOptions): Promise<LoginResponse> {
    return this.transport.call("setPassword", { body }, options);
  }

  getPasswordPolicy(organizationSlug: string, options?: CallOptions): Promise<PasswordPolicy> {
    return this.transport.call("getPasswordPolicy", { params: { slug: organizationSlug } }, options);
  }

  // --- Own sessions ---

  listSessions(options?: CallOptions): Promise<OwnSession[]> {
    return this.transport.call("listSessions", {}, options);
  }

  revokeSession(sessionId: string, options?: CallOptions): Promise<void> {
    return this.transport.call("revokeSession", { params: { id: sessionId } }, options);
  }

  // --- MFA (EntryGuard dialect) ---

  /** Starts TOTP enrolment; during sign-in pass `{ token: mfaSetupToken }`. */
  setupMfa(options?: CallOptions): Promise<MfaSetup> {
    return this.transport.call("setupMfa", { body: {} }, options);
  }

  /** With a setup token this completes the sign-in: the answer holds the tokens, and the client keeps them. */
  confirmMfaSetup(body: ConfirmMfaSetupBody, options?: CallOptions): Promise<MfaSetupConfirmation> {
    return this.transport.call("confirmMfaSetup", { body }, options);
  }

  disableMfa(code: string, options?: CallOptions): Promise<void> {
    return this.transport.call("disableMfa", { body: { code } }, options);
  }

  /**
   * Needs a sign-in with MFA in the last five minutes (or an enrolment in this session);
   * otherwise pass a current code, or the server answers 403 FORBIDDEN.
   */
  regenerateRecoveryCodes(options: CallOptions & { code?: string } = {}): Promise<RegenerateRecoveryCodesResult> {
    const { code, ...callOptions } = options;
    return this.transport.call("regenerateRecoveryCodes", { body: code === undefined ? {} : { code } }, callOptions);
  }

  // --- Organization policy (admin) ---

  getOrganizationSettings(options?: CallOptions): Promise<OrganizationSettings> {
    return this.transport.call("getOrganizationSettings", {}, options);
  }

  updateOrganizationSettings(patch: SettingsPatch, options?: CallOptions): Promise<OrganizationSettings> {
    return this.transport.call("updateOrganizationSettings", { body: patch }, options);
  }

  /** Flashback's enforcement switch as mounted under /api/v1; the same change as `updateOrganizationSettings({ mfaRequired })`. */
  enforceOrganizationMfa(enforced: boolean, options?: CallOptions): Promise<FlashbackMessage> {
    return this.transport.call("enforceOrganizationMfa", { body: { enforced } }, options);
  }

  // --- Members (admin) ---

  /** Every matching member (without `limit`), as EntryGuard answers. */
  listUsers(query: ListUsersQuery = {}, options?: CallOptions): Promise<UserResponse[]> {
    return this.transport.call("listUsers", { query }, options);
  }

  /** One page of `limit` members and the cursor of the next (from the Link header). */
  async listUsersPage(query: ListUsersQuery & { limit: number }, options?: CallOptions): Promise<UserPage> {
    const response = await this.transport.send("listUsers", { query }, options);
    return { users: (await response.json()) as UserResponse[], nextCursor: nextCursorOf(response.headers.get("link")) };
  }

  getUser(userId: string, options?: CallOptions): Promise<UserResponse> {
    return this.transport.call("getUser", { params: { id: userId } }, options);
  }

  /** Creates the member without a password and mails them an invitation. */
  inviteUser(body: InviteUserBody, options?: CallOptions): Promise<UserResponse> {
    return this.transport.call("inviteUser", { body }, options);
  }

  updateUser(userId: string, patch: UpdateUserBody, options?: CallOptions): Promise<UserResponse> {
    return this.transport.call("updateUser", { params: { id: userId }, body: patch }, options);
  }

  deleteUser(userId: string, options?: CallOptions): Promise<void> {
    return this.transport.call("deleteUser", { params: { id: userId } }, options);
  }

  resendInvitation(userId: string, options?: CallOptions): Promise<void> {
    return this.transport.call("resendInvitation", { params: { id: userId }, body: {} }, options);
  }

  resetUserMfa(userId: string, options?: CallOptions): Promise<ResetUserMfaResult> {
    return this.transport.call("resetUserMfa", { params: { id: userId }, body: {} }, options);
  }

  /** Mails the member a password reset link. */
  resetUserPassword(userId: string, options?: CallOptions): Promise<void> {
    return this.transport.call("resetUserPassword", { params: { id: userId }, body: {} }, options);
  }

  expireUserPassword(userId: string, options?: CallOptions): Promise<void> {
    return this.transport.call("expireUserPassword", { params: { id: userId }, body: {} }, options);
  }

  revokeUserSessions(userId: string, options?: CallOptions): Promise<void> {
    return this.transport.call("revokeUserSessions", { params: { id: userId }, body: {} }, options);
  }

  // --- Audit trail (admin) ---

  listAuditLogs(query: Omit<ListAuditLogsQuery, "format"> = {}, options?: CallOptions): Promise<AuditPage> {
    return this.transport.call("listAuditLogs", { query }, options);
  }

  /** Every matching entry, newest first, read as the server streams them (`format=ndjson`). */
  async *exportAuditLogs(query: AuditExportQuery = {}, options?: CallOptions): AsyncGenerator<AuditEntry> {
    yield* readNdjson<AuditEntry>(await this.sendAuditExport(query, options));
  }

  /** The same export whole, as the server's NDJSON bytes (one entry a line): e.g. to save as a file in a browser. */
  async downloadAuditLogs(query: AuditExportQuery = {}, options?: CallOptions): Promise<Blob> {
    return (await this.sendAuditExport(query, options)).blob();
  }

  private sendAuditExport(query: AuditExportQuery, options: CallOptions | undefined): Promise<Response> {
    return this.transport.send("listAuditLogs", { query: { ...query, format: "ndjson" } }, options);
  }

  // --- Keys ---

  /** The public keys that verify access tokens. */
  getJwks(options?: CallOptions): Promise<Jwks> {
    return this.transport.call("getJwks", {}, options);
  }
}
