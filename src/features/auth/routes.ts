import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { bearerToken, userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { EmptyObject, errors } from "../../http/schemas.js";
import type { SessionService } from "../sessions/service.js";
import { LoginBody, LogoutBody, MeResponse, RefreshBody, RegisterBody } from "./schemas.js";
import type { AuthService } from "./service.js";

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; sessions: SessionService }> = async (app, { auth, sessions }) => {
  app.post("/auth/register", {
    schema: {
      tags: ["auth"],
      summary: "Create an organization and its first admin",
      body: RegisterBody,
      response: { 201: Type.Ref("TokenResponse"), ...errors(400, 403, 409, 413, 415, 429) },
    },
  }, async (request, reply) => {
    const bundle = await auth.register(request.body, clientContext(request));
    return reply.code(201).send(bundle);
  });

  app.post("/auth/login", {
    schema: {
      tags: ["auth"],
      summary: "Sign in: answers the next step of the sign-in state machine",
      body: LoginBody,
      response: { 200: Type.Ref("LoginResponse"), ...errors(400, 401, 429) },
    },
  }, async (request) => auth.login(request.body, clientContext(request)));

  app.post("/auth/refresh", {
    schema: {
      tags: ["auth"],
      summary: "Rotate a refresh token",
      body: RefreshBody,
      response: { 200: Type.Ref("TokenResponse"), ...errors(400, 401, 429) },
    },
  }, async (request) => sessions.refresh(request.body.refreshToken, clientContext(request)));

  app.post("/auth/logout", {
    schema: {
      tags: ["auth"],
      summary: "End the session of a refresh token and/or of the bearer access token (idempotent)",
      body: LogoutBody,
      response: { 200: EmptyObject, ...errors(400) },
    },
  }, async (request) => {
    const access = bearerToken(request);
    const principal = access ? await sessions.authenticate(access) : null;
    await auth.logout({ refreshToken: request.body.refreshToken, accessSessionId: principal?.sessionId ?? null }, clientContext(request));
    return {};
  });

  app.get("/auth/me", {
    config: { auth: "user" },
    schema: {
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

