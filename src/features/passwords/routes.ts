import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { EmptyObject, errors } from "../../http/schemas.js";
import {
  ChangeExpiredPasswordBody,
  ChangePasswordBody,
  ForgotPasswordBody,
  NoContent,
  PasswordPolicyResponse,
  ResetPasswordBody,
  SlugParams,
  UserIdParams,
} from "./schemas.js";
import type { PasswordService } from "./service.js";

export const passwordRoutes: FastifyPluginAsyncTypebox<{ passwords: PasswordService }> = async (app, { passwords }) => {
  app.get("/organizations/:slug/password-policy", {
    schema: {
      operationId: "getPasswordPolicy",
      tags: ["passwords"],
      summary: "The organization's password policy, for sign-up and reset forms (public)",
      params: SlugParams,
      response: { 200: PasswordPolicyResponse, ...errors(400, 404) },
    },
  }, async (request) => passwords.policyOfOrganization(request.params.slug));

  app.post("/auth/change-password", {
    config: { auth: "user" },
    schema: {
      operationId: "changePassword",
      tags: ["passwords"],
      summary: "Change the signed-in user's password; their other sessions end",
      security: [{ bearerAuth: [] }],
      body: ChangePasswordBody,
      response: { 200: EmptyObject, ...errors(400, 401, 413, 415, 429) },
    },
  }, async (request) => {
    await passwords.changePassword(userOf(request), request.body, clientContext(request));
    return {};
  });

  app.post("/auth/change-expired-password", {
    schema: {
      operationId: "changeExpiredPassword",
      tags: ["passwords"],
      summary: "Replace an expired password with the passwordChangeToken of a sign-in; answers the next sign-in step",
      body: ChangeExpiredPasswordBody,
      response: { 200: Type.Ref("LoginResponse"), ...errors(400, 401, 413, 415) },
    },
  }, async (request) => passwords.changeExpiredPassword(request.body, clientContext(request)));

  app.post("/auth/forgot-password", {
    schema: {
      operationId: "forgotPassword",
      tags: ["passwords"],
      summary: "Mail a password reset link; answers 204 whether or not the account exists",
      body: ForgotPasswordBody,
      response: { 204: NoContent, ...errors(400, 413, 415) },
    },
  }, async (request, reply) => {
    await passwords.forgotPassword(request.body);
    return reply.code(204).send(null);
  });

  app.post("/auth/reset-password", {
    schema: {
      operationId: "resetPassword",
      tags: ["passwords"],
      summary: "Set a new password with a mailed reset token; answers the sign-in state machine (MFA still applies)",
      body: ResetPasswordBody,
      response: { 200: Type.Ref("LoginResponse"), ...errors(400, 401, 413, 415) },
    },
  }, async (request) => passwords.resetPassword(request.body, clientContext(request)));

  app.post("/users/:id/expire-password", {
    config: { auth: "admin" },
    schema: {
      operationId: "expireUserPassword",
      tags: ["passwords"],
      summary: "Force the user to change their password at the next sign-in (400 for an invitee who has not accepted yet)",
      security: [{ bearerAuth: [] }],
      params: UserIdParams,
      body: EmptyObject,
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 413, 415) },
    },
  }, async (request, reply) => {
    await passwords.expirePassword(userOf(request), request.params.id, clientContext(request));
    return reply.code(204).send(null);
  });

  app.post("/users/:id/reset-password", {
    config: { auth: "admin" },
    schema: {
      operationId: "resetUserPassword",
      tags: ["passwords"],
      summary: "Mail the user a password reset link",
      security: [{ bearerAuth: [] }],
      params: UserIdParams,
      body: EmptyObject,
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 413, 415) },
    },
  }, async (request, reply) => {
    await passwords.sendResetLink(userOf(request), request.params.id, clientContext(request));
    return reply.code(204).send(null);
  });
};
