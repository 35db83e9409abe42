import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { AppError } from "../../http/errors.js";
import { EmptyObject, errors, Uuid } from "../../http/schemas.js";
import { userActor } from "../audit/audit.js";
import type { OrganizationService } from "../organizations/service.js";
import { ConfirmBody, ConfirmResponse, DisableBody, RecoveryCodes, RegenerateBody, SetupResponse, VerifyMfaBody } from "./schemas.js";
import type { MfaActor, MfaService } from "./service.js";

/** The enrolling party: a signed-in user or a sign-in held at enrolment by its setup token. */
export function mfaActorOf(request: FastifyRequest): MfaActor {
  const p = request.principal;
  if (!p) throw new AppError("UNAUTHORIZED");
  return p.kind === "setup" ? { userId: p.userId, orgId: p.orgId, setupTokenHash: p.setupTokenHash } : { userId: p.userId, orgId: p.orgId, sessionId: p.sessionId };
}

export const mfaRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService; organizations: OrganizationService }> = async (app, { mfa }) => {
  const security = [{ bearerAuth: [] }];

  app.post("/mfa/setup", {
    config: { auth: "user-or-setup" },
    schema: {
      operationId: "setupMfa",
      tags: ["mfa"],
      summary: "Start TOTP enrolment (access token or mfaSetupToken)",
      security,
      body: EmptyObject,
      response: { 200: SetupResponse, ...errors(400, 401, 409, 413, 415) },
    },
  }, async (request) => {
    const { qrCodeBase64, secret, otpauthUrl } = await mfa.beginSetup(mfaActorOf(request));
    return { qrCodeBase64, secret, otpauthUrl };
  });

  app.post("/mfa/setup/confirm", {
    config: { auth: "user-or-setup" },
    schema: {
      operationId: "confirmMfaSetup",
      tags: ["mfa"],
      summary: "Confirm enrolment with a code; answers the recovery codes once (and tokens with a setup token)",
      security,
      body: ConfirmBody,
      response: { 200: ConfirmResponse, ...errors(400, 401, 409) },
    },
  }, async (request) => {
    const { recoveryCodes, login } = await mfa.confirmSetup(mfaActorOf(request), request.body, clientContext(request));
    if (!login?.accessToken) return { recoveryCodes: recoveryCodes! };
    return {
      recoveryCodes: recoveryCodes!,
      accessToken: login.accessToken,
      refreshToken: login.refreshToken!,
      expiresIn: login.expiresIn!,
      tokenType: login.tokenType!,
      user: login.user!,
    };
  });

  app.post("/mfa/disable", {
    config: { auth: "user" },
    schema: {
      operationId: "disableMfa",
      tags: ["mfa"],
      summary: "Turn MFA off with a current code (refused while the organization requires MFA)",
      security,
      body: DisableBody,
      response: { 200: Type.Null(), ...errors(400, 401, 403, 404, 429) },
    },
  }, async (request, reply) => {
    await mfa.disable(userOf(request), request.body.code, clientContext(request));
    return reply.code(200).send(undefined as never);
  });

  app.post("/mfa/recovery-codes/regenerate", {
    config: { auth: "user" },
    schema: {
      operationId: "regenerateRecoveryCodes",
      tags: ["mfa"],
      summary: "Replace all recovery codes: needs a sign-in with MFA in the last 5 minutes, or a current code (403 otherwise)",
      security,
      body: RegenerateBody,
      response: { 200: Type.Object({ recoveryCodes: RecoveryCodes }), ...errors(400, 401, 403, 404, 413, 415, 429) },
    },
  }, async (request) => ({ recoveryCodes: await mfa.regenerateRecoveryCodes(userOf(request), request.body, clientContext(request)) }));

  app.post("/auth/verify-mfa", {
    schema: {
      operationId: "verifyMfa",
      tags: ["auth"],
      summary: "Sign-in step 2: a TOTP code or a recovery code against the challenge token",
      body: VerifyMfaBody,
      response: { 200: Type.Ref("LoginResponse"), ...errors(400, 401, 429) },
    },
  }, async (request) => mfa.verifyChallenge(request.body.mfaChallengeToken, request.body.code, clientContext(request)));

  app.post("/users/:id/reset-mfa", {
    config: { auth: "admin" },
    schema: {
      operationId: "resetUserMfa",
      tags: ["users"],
      summary: "Remove a member's MFA (lost authenticator); enrolment follows at next sign-in when enforced. Your own id takes the self-reset's step-up (MFA proven in the last 5 minutes, else 403)",
      security,
      params: Type.Object({ id: Uuid }),
      body: EmptyObject,
      response: { 200: Type.Object({ message: Type.String() }), ...errors(400, 401, 403, 404, 413, 415) },
    },
  }, async (request) => {
    const me = userOf(request);
    // An admin's own factor falls under the self-reset's step-up, as in Flashback's /mfa/reset:
    // otherwise a stolen admin token (and the password) could strip the admin's MFA here.
    if (request.params.id === me.userId) await mfa.resetOwnMfa(me, clientContext(request));
    else await mfa.resetUserMfa(me.orgId, request.params.id, userActor(me), clientContext(request));
    return { message: "MFA reset successfully" };
  });
};
