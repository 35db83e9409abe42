import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "./errors.js";

/**
 * The console's variant of the token routes (docs/console.md): a browser must not
 * hold a refresh token where script can read it (OWASP ASVS 4.0.3 V3.4), so a
 * client that sends `X-Gatehouse-Client: console` gets it as an HttpOnly cookie,
 * and `refreshToken: null` in the JSON (every key kept). Other clients are
 * unaffected: without the header nothing changes.
 */
export const CONSOLE_HEADER = "x-gatehouse-client";
export const CONSOLE_HEADER_VALUE = "console";
/**
 * The cookie wherever it can be Secure (ASVS 3.4.4). The `__Host-` prefix makes the
 * browser refuse it unless Secure, host-only and `Path=/`, so a sibling subdomain
 * cannot plant a cookie of this name that the console would then refresh into (cookie
 * tossing: a more specific path or a parent domain would otherwise win).
 */
export const REFRESH_COOKIE = "__Host-gatehouse_refresh";
/** Plain http to a loopback host, where `__Host-` is impossible (it needs Secure): scoped to the auth routes instead. */
export const LOOPBACK_REFRESH_COOKIE = "gatehouse_refresh";
export const LOOPBACK_REFRESH_COOKIE_PATH = "/api/v1/auth";

/** Routes whose 2xx answer may carry a refresh token (route patterns, prefix included). */
export const TOKEN_ROUTES: ReadonlySet<string> = new Set([
  "/api/v1/auth/register",
  "/api/v1/auth/login",
  "/api/v1/auth/verify-mfa",
  "/api/v1/auth/change-expired-password",
  "/api/v1/auth/set-password",
  "/api/v1/auth/reset-password",
  "/api/v1/auth/refresh",
  "/api/v1/mfa/setup/confirm",
]);

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export function isConsoleClient(request: FastifyRequest): boolean {
  return request.headers[CONSOLE_HEADER] === CONSOLE_HEADER_VALUE;
}

/**
 * `Secure` always, except for plain http to a loopback host: browsers would drop a
 * Secure cookie set over http, and a developer's http://localhost:3000 must work.
 */
export function cookieIsSecure(request: FastifyRequest): boolean {
  return request.protocol === "https" || !LOOPBACK_HOST.test(request.hostname);
}

/** The cookie this request's origin uses; only that one is ever read, so a planted loopback-style cookie is ignored over TLS. */
export function refreshCookieOf(request: FastifyRequest) {
  const secure = cookieIsSecure(request);
  return {
    name: secure ? REFRESH_COOKIE : LOOPBACK_REFRESH_COOKIE,
    options: { httpOnly: true, secure, sameSite: "strict" as const, path: secure ? "/" : LOOPBACK_REFRESH_COOKIE_PATH },
  };
}

export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  const { name, options } = refreshCookieOf(request);
  reply.clearCookie(name, options);
}

/**
 * The refresh token of a refresh or logout: the body's, else the cookie's. The
 * cookie counts only with the console header: SameSite=Strict already keeps other
 * sites' requests from carrying it, and a custom header cannot be sent cross-origin
 * without a CORS preflight this server never grants (CSRF defence in depth).
 */
export function refreshTokenOf(request: FastifyRequest, body: { refreshToken?: string }): string | null {
  if (body.refreshToken) return body.refreshToken;
  const fromCookie = request.cookies[refreshCookieOf(request).name];
  if (!fromCookie) return null;
  if (!isConsoleClient(request)) {
    throw new AppError("FORBIDDEN", `The refresh cookie is accepted only with the header X-Gatehouse-Client: ${CONSOLE_HEADER_VALUE}`);
  }
  return fromCookie;
}

/** Registers cookie parsing and the hook that moves refresh tokens into the cookie. Call before the routes. */
export async function registerRefreshCookie(app: FastifyInstance, options: { refreshTokenTtl: number }): Promise<void> {
  await app.register(cookie);
  app.addHook("preSerialization", async (request, reply, payload: unknown) => {
    if (!isConsoleClient(request) || !TOKEN_ROUTES.has(request.routeOptions.url ?? "") || reply.statusCode >= 300) return payload;
    if (!payload || typeof payload !== "object" || !("refreshToken" in payload)) return payload;
    const { refreshToken } = payload as { refreshToken: unknown };
    if (typeof refreshToken !== "string") return payload;
    // The cookie lives as long as the session may idle; each refresh slides both.
    const cookie = refreshCookieOf(request);
    reply.setCookie(cookie.name, refreshToken, { ...cookie.options, maxAge: options.refreshTokenTtl });
    return { ...payload, refreshToken: null };
  });
}
