import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { bearerToken, userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { AppError } from "../../http/errors.js";
import { clearRefreshCookie, isConsoleClient, refreshTokenOf } from "../../http/refresh-cookie.js";
import { EmptyObject, errors } from "../../http/schemas.js";
import type { SessionService } from "../sessions/service.js";
import { LoginBody, LogoutBody, MeResponse, RefreshBody, RegisterBody } from "./schemas.js";
import type { AuthService } from "./service.js";

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; sessions: SessionService }> = async (app, { auth, sessions }) => {
  app.post("/auth/register", {
    schema: {
      operationId: "register",
      tags: ["auth"],
      summary: "Create an organization and its first admin",
      body: RegisterBody,
      response: { 201: Type.Ref("TokenResponse"), ...errors(400, 403, 413, 415, 429) },
    },
  }, async (request, reply) => {
    const bundle = await auth.register(request.body, clientContext(request));
    return reply.code(201).send(bundle);
  });

  app.post("/auth/login", {
    schema: {
      operationId: "login",
      tags: ["auth"],
      summary: "Sign in: answers the next step of the sign-in state machine",
      body: LoginBody,
      response: { 200: Type.Ref("LoginResponse"), ...errors(400, 401, 429) },
    },
  }, async (request) => auth.login(request.body, clientContext(request)));

  app.post("/auth/refresh", {
    schema: {
      operationId: "refresh",
      tags: ["auth"],
      summary: "Rotate a refresh token (from the body, or the console's cookie with X-Gatehouse-Client: console)",
      body: RefreshBody,
      response: { 200: Type.Ref("TokenResponse"), ...errors(400, 401, 403, 429) },
    },
  }, async (request, reply) => {
    const refreshToken = refreshTokenOf(request, request.body);
    if (!refreshToken) throw new AppError("VALIDATION_ERROR", "refreshToken is required", { validationErrors: { refreshToken: "is required" } });
    try {
      return await sessions.refresh(refreshToken, clientContext(request));
    } catch (err) {
      // A dead cookie is dropped, so the console stops presenting it.
      if (err instanceof AppError && err.code === "UNAUTHORIZED" && isConsoleClient(request)) clearRefreshCookie(request, reply);
      throw err;
    }
  });

  app.post("/auth/logout", {
    schema: {
      operationId: "logout",
      tags: ["auth"],
      summary: "End the session of a refresh token and/or of the bearer access token (idempotent)",
      body: LogoutBody,
      response: { 200: EmptyObject, ...errors(400) },
    },
  }, async (request, reply) => {
    const access = bearerToken(request);
    const principal = access ? await sessions.authenticate(access) : null;
    // Without the console header a cookie is ignored here rather than refused: logout stays idempotent.
    const refreshToken = isConsoleClient(request) ? refreshTokenOf(request, request.body) ?? undefined : request.body.refreshToken;
    await auth.logout({ refreshToken, accessSessionId: principal?.sessionId ?? null }, clientContext(request));
    if (isConsoleClient(request)) clearRefreshCookie(request, reply);
    return {};
  });

  app.get("/auth/me", {
    config: { auth: "user" },
    schema: {
      operationId: "me",
      tags: ["auth"],
      summary: "The signed-in user and organization",
      security: [{ bearerAuth: [] }],
      response: { 200: MeResponse, ...errors(401) },
    },
  }, async (request) => {
    const me = userOf(request);
    return auth.me(me.userId, me.orgId);
  });
};

