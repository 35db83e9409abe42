import { GatehouseError } from "./errors.js";
import { operations, type OperationId, type Operations, type TokenResponse } from "./types.gen.js";

export interface Tokens {
  accessToken: string | null;
  /** Null in cookie mode, where the browser holds it in an HttpOnly cookie. */
  refreshToken: string | null;
}

export interface GatehouseClientOptions {
  /** e.g. `https://id.example.com`; empty (the default) means same origin, which only a browser understands. */
  baseUrl?: string;
  /** Defaults to the global fetch (Node 20+, browsers). */
  fetch?: typeof fetch;
  accessToken?: string | null;
  refreshToken?: string | null;
  /** Called whenever the tokens change (sign-in, refresh, logout), e.g. to persist them. */
  onTokens?: (tokens: Tokens) => void;
  /**
   * Browser console mode: sends `X-Gatehouse-Client: console`, so the server keeps
   * the refresh token in an HttpOnly cookie and script never sees it.
   */
  cookieRefresh?: boolean;
  /** Refresh the access token once on a 401 `invalid_token`, then retry (default true). */
  autoRefresh?: boolean;
  /**
   * A call's access token was refused (401 `invalid_token`) and no refresh renewed it
   * (the refresh token was refused, or the refresh failed): called with that call's
   * error just before the call rejects with it, and with the refresh's own error, which
   * says why when the server ended the session (e.g. "Your organization requires MFA:
   * sign in again to set it up"). The place to send the user back to sign-in.
   */
  onSessionLost?: (error: GatehouseError, refreshError?: GatehouseError) => void;
  /**
   * Runs every refresh of this client, e.g. under a lock shared with other clients of
   * the same session: a rotated refresh token must never be presented twice. In a
   * browser, across tabs: `(refresh) => navigator.locks.request("gatehouse-refresh", refresh)`.
   */
  refreshLock?: <T>(refresh: () => Promise<T>) => Promise<T>;
  /** Sent with every request. */
  headers?: Record<string, string>;
}

export interface CallOptions {
  /** Bearer token for this call instead of the client's (e.g. an mfaSetupToken); never refreshed. */
  token?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

type Scalar = string | number | boolean;
/** What a call sends: the operation's params, query and body, as the document declares them. */
export type OperationInput<K extends OperationId> = Omit<Operations[K], "response">;

const CONSOLE_HEADER = { "x-gatehouse-client": "console" };

function buildPath(template: string, params: Record<string, Scalar> | undefined, query: Record<string, Scalar | undefined> | undefined): string {
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) search.set(k, String(v));
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Fetch, bearer tokens, and the refresh-once-on-401 rule, shared by every method. */
export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly options: GatehouseClientOptions;
  private tokens: Tokens;
  /** The refresh in flight: concurrent 401s wait for this one instead of each rotating the token. */
  private refreshing: Promise<TokenResponse> | null = null;

  constructor(options: GatehouseClientOptions = {}) {
    this.options = options;
    this.baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
    const f = options.fetch ?? globalThis.fetch;
    if (!f) throw new TypeError("no fetch: pass options.fetch");
    // Called unbound: some browsers refuse `window.fetch` with another `this`.
    this.fetchImpl = (input, init) => f(input, init);
    this.tokens = { accessToken: options.accessToken ?? null, refreshToken: options.refreshToken ?? null };
  }

  getTokens(): Tokens {
    return { ...this.tokens };
  }

  setTokens(tokens: Tokens): void {
    this.tokens = { ...tokens };
    this.options.onTokens?.(this.getTokens());
  }

  get cookieRefresh(): boolean {
    return this.options.cookieRefresh === true;
  }

  /** Sends an operation; answers the raw Response (2xx), or throws GatehouseError. */
  async send<K extends OperationId>(id: K, input: OperationInput<K>, options: CallOptions = {}): Promise<Response> {
    const spec = operations[id];
    const { params, query, body } = input as { params?: Record<string, Scalar>; query?: Record<string, Scalar | undefined>; body?: unknown };
    const url = this.baseUrl + buildPath(spec.path, params, query);
    // Logout takes the access token too: it ends that session as well as the refresh token's.
    const wantsBearer = spec.auth || id === "logout";
    const attempt = (token: string | null) => {
      const headers: Record<string, string> = { accept: "application/json", ...this.options.headers, ...options.headers };
      if (this.cookieRefresh) Object.assign(headers, CONSOLE_HEADER);
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      return this.fetchImpl(url, {
        method: spec.method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(this.cookieRefresh ? { credentials: "same-origin" as const } : {}),
      }).catch((cause: unknown) => {
        if ((cause as { name?: string }).name === "AbortError") throw cause;
        throw new GatehouseError({ status: 0, code: "NETWORK_ERROR", message: `Could not reach Gatehouse: ${(cause as Error).message}`, cause });
      });
    };

    const sentToken = options.token ?? (wantsBearer ? this.tokens.accessToken : null);
    let response = await attempt(sentToken);
    if (response.status === 401 && spec.auth && !options.token && this.mayRefresh(response)) {
      const original = await GatehouseError.fromResponse(response);
      try {
        // Another call may have refreshed already while this one was in flight: then just retry.
        if (this.tokens.accessToken === sentToken) await this.refreshOnce();
      } catch (refreshError) {
        this.options.onSessionLost?.(original, refreshError instanceof GatehouseError ? refreshError : undefined);
        throw original;
      }
      response = await attempt(this.tokens.accessToken);
    }
    if (!response.ok) throw await GatehouseError.fromResponse(response);
    return response;
  }

  /** Sends an operation and parses its answer; picks up tokens a sign-in step hands out. */
  async call<K extends OperationId>(id: K, input: OperationInput<K>, options: CallOptions = {}): Promise<Operations[K]["response"]> {
    const response = await this.send(id, input, options);
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    this.capture(parsed);
    return parsed as Operations[K]["response"];
  }

  private mayRefresh(response: Response): boolean {
    if (this.options.autoRefresh === false) return false;
    if (!this.tokens.refreshToken && !this.cookieRefresh) return false;
    // RFC 6750 §3.1: the server marks a dead or expired access token; a wrong MFA code or password is not one.
    return /invalid_token/.test(response.headers.get("www-authenticate") ?? "");
  }

  /**
   * One refresh at a time, whoever asks (a 401, or the client's refreshSession()):
   * a rotated refresh token must not be presented twice. Runs under `refreshLock` when given.
   */
  refreshOnce(): Promise<TokenResponse> {
    if (!this.refreshing) {
      const refresh = async (): Promise<TokenResponse> => {
        // Read under the lock: whoever held it before may have rotated the token.
        const refreshToken = this.tokens.refreshToken;
        try {
          return await this.call("refresh", { body: refreshToken ? { refreshToken } : {} });
        } catch (err) {
          // A refresh token the server refused is dead: forget the session.
          if (err instanceof GatehouseError && err.status === 401) this.setTokens({ accessToken: null, refreshToken: null });
          throw err;
        }
      };
      const lock = this.options.refreshLock;
      this.refreshing = (async () => (lock ? lock(refresh) : refresh()))().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** Any answer carrying an access token (login steps, refresh, enrolment with a setup token) replaces the client's tokens. */
  private capture(body: unknown): void {
    if (typeof body !== "object" || body === null) return;
    const source = (body as { data?: unknown }).data && typeof (body as { data?: unknown }).data === "object"
      ? ((body as { data: Record<string, unknown> }).data)
      : (body as Record<string, unknown>);
    if (typeof source.accessToken !== "string") return;
    const refreshToken = typeof source.refreshToken === "string" ? source.refreshToken : null;
    this.setTokens({ accessToken: source.accessToken, refreshToken });
  }
}
