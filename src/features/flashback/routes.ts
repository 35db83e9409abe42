import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { AppError } from "../../http/errors.js";
import { userActor } from "../audit/audit.js";
import { FlashbackMessage } from "../mfa/schemas.js";
import { mfaActorOf } from "../mfa/routes.js";
import type { MfaService } from "../mfa/service.js";
import {
  DisableBody,
  FLASHBACK_TOTP,
  MethodsResponse,
  MfaTypeBody,
  ResetBody,
  SetupBody,
  SetupResponse,
  StatusResponse,
  VerifySetupBody,
  VerifySetupResponse,
} from "./schemas.js";

const flashbackErrors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Type.Ref("FlashbackError")]));
const security = [{ bearerAuth: [] }];
const tags = ["flashback"];

const INVALID_TYPE = "Invalid MFA type specified";
const NOT_CONFIGURED = "MFA method is not configured";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Only TOTP exists here; MAGIC_LINK and PASSKEY are listed by /mfa/methods as unavailable. */
function assertTotp(mfaType: string, message = INVALID_TYPE): void {
  if (mfaType !== FLASHBACK_TOTP) throw new AppError("BAD_REQUEST", message);
}

/**
 * Flashback's MFA dialect at the root (docs/flashback.md): a thin adapter over the
 * one MFA service the EntryGuard routes use, mapping bodies and messages only.
 */
export const flashbackRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService }> = async (app, { mfa }) => {
  app.get("/mfa/status", {
    config: { auth: "user", dialect: "flashback", flashbackFailureMessage: "Failed to get MFA status" },
    schema: { operationId: "flashbackStatus", tags, summary: "The caller's MFA status and the organization's enforcement", security, response: { 200: StatusResponse, ...flashbackErrors(401, 500) } },
  }, async (request) => {
    const me = userOf(request);
    const { enabled, orgRequired } = await mfa.describe(me.orgId, me.userId);
    return {
      success: true,
      data: {
        isEnabled: enabled,
        isRequired: orgRequired,
        isEnforced: orgRequired,
        enabledMethods: enabled ? [FLASHBACK_TOTP] : [],
        primaryMethod: enabled ? FLASHBACK_TOTP : null,
      },
    };
  });

  app.get("/mfa/methods", {
    config: { auth: "user", dialect: "flashback", flashbackFailureMessage: "Failed to get MFA methods" },
    schema: { operationId: "flashbackMethods", tags, summary: "The MFA methods and which the caller has", security, response: { 200: MethodsResponse, ...flashbackErrors(401, 500) } },
  }, async (request) => {
    const me = userOf(request);
    const { enabled, configured } = await mfa.describe(me.orgId, me.userId);
    const unavailable = { isAvailable: false, isConfigured: false, isEnabled: false };
    return {
      success: true,
      data: [
        { type: FLASHBACK_TOTP, name: "Google Authenticator", description: "Time-based one-time password using Google Authenticator app", isAvailable: true, isConfigured: configured, isEnabled: enabled },
        { type: "MAGIC_LINK", name: "Magic Link", description: "Email-based authentication using secure links", ...unavailable },
        { type: "PASSKEY", name: "Passkey", description: "WebAuthn-based biometric or hardware key authentication", ...unavailable },
      ],
    };
  });

  app.post("/mfa/setup", {
    config: { auth: "user-or-setup", dialect: "flashback", flashbackValidationMessage: INVALID_TYPE, flashbackFailureMessage: "Failed to setup MFA" },
    schema: {
      operationId: "flashbackSetup",
      tags,
      summary: "Start TOTP enrolment: secret, QR code and backup codes (access token or mfaSetupToken)",
      security,
      body: SetupBody,
      response: { 200: SetupResponse, ...flashbackErrors(400, 401, 500) },
    },
  }, async (request) => {
    assertTotp(request.body.mfaType);
    const { secret, qrCodeBase64, recoveryCodes } = await mfa.beginSetup(mfaActorOf(request), { withRecoveryCodes: true });
    return { success: true, data: { secret, qrCode: `data:image/png;base64,${qrCodeBase64}`, backupCodes: recoveryCodes ?? [] } };
  });

  app.post("/mfa/verify-setup", {
    config: { auth: "user-or-setup", dialect: "flashback", flashbackValidationMessage: "MFA setup verification failed", flashbackFailureMessage: "Failed to verify MFA setup" },
    schema: {
      operationId: "flashbackVerifySetup",
      tags,
      summary: "Confirm enrolment with a code, which enables MFA (with an mfaSetupToken, also completes the sign-in)",
      security,
      body: VerifySetupBody,
      response: { 200: VerifySetupResponse, ...flashbackErrors(400, 401, 500) },
    },
  }, async (request) => {
    const { mfaType, code } = request.body;
    // Rendered with the route's fixed message, like a schema failure.
    if (mfaType !== FLASHBACK_TOTP || code === undefined) throw new AppError("VALIDATION_ERROR");
    const { login } = await mfa.confirmSetup(mfaActorOf(request), { code, keepRecoveryCodes: true }, clientContext(request));
    const message = "MFA setup verified and enabled";
    return login ? { success: true, message, data: login } : { success: true, message };
  });

  app.post("/mfa/enable", {
    config: { auth: "user", dialect: "flashback", flashbackFailureMessage: "Failed to enable MFA" },
    schema: {
      operationId: "flashbackEnable",
      tags,
      summary: "Enable a configured method (idempotent: /mfa/verify-setup already enabled it)",
      security,
      body: MfaTypeBody,
      response: { 200: FlashbackMessage, ...flashbackErrors(400, 401, 500) },
    },
  }, async (request) => {
    assertTotp(request.body.mfaType);
    const me = userOf(request);
    const { enabled, configured } = await mfa.describe(me.orgId, me.userId);
    if (!enabled || !configured) throw new AppError("BAD_REQUEST", NOT_CONFIGURED);
    return { success: true, message: "MFA method enabled" };
  });

  app.post("/mfa/disable", {
    config: { auth: "user", dialect: "flashback", flashbackFailureMessage: "Failed to disable MFA" },
    schema: {
      operationId: "flashbackDisable",
      tags,
      summary: "Disable MFA: needs a current code or a sign-in with MFA in the last 5 minutes; refused while enforced",
      security,
      body: DisableBody,
      response: { 200: FlashbackMessage, ...flashbackErrors(400, 401, 403, 429, 500) },
    },
  }, async (request) => {
    assertTotp(request.body.mfaType);
    const me = userOf(request);
    await mfa.disableWithProof(me, { code: request.body.code }, clientContext(request));
    return { success: true, message: "MFA method disabled" };
  });

  app.post("/mfa/primary", {
    config: { auth: "user", dialect: "flashback", flashbackFailureMessage: "Failed to set primary MFA" },
    schema: {
      operationId: "flashbackPrimary",
      tags,
      summary: "Set the primary method (only GOOGLE_AUTH exists, so it must be enabled)",
      security,
      body: MfaTypeBody,
      response: { 200: FlashbackMessage, ...flashbackErrors(400, 401, 500) },
    },
  }, async (request) => {
    assertTotp(request.body.mfaType);
    const me = userOf(request);
    const { enabled } = await mfa.describe(me.orgId, me.userId);
    if (!enabled) throw new AppError("BAD_REQUEST", NOT_CONFIGURED);
    return { success: true, message: "Primary MFA method updated" };
  });

  app.post("/mfa/reset", {
    config: { auth: "user", dialect: "flashback", flashbackFailureMessage: "Failed to reset MFA" },
    schema: {
      operationId: "flashbackReset",
      tags,
      summary: "Reset MFA: your own (after a sign-in with MFA in the last 5 minutes) or, for admins, a member's",
      security,
      body: ResetBody,
      response: { 200: FlashbackMessage, ...flashbackErrors(400, 401, 403, 404, 500) },
    },
  }, async (request) => {
    const me = userOf(request);
    const target = request.body.resetUserId;
    const ctx = clientContext(request);
    if (target === undefined || target === me.userId) {
      // Naming yourself does not skip the step-up an admin's own reset needs too.
      await mfa.resetOwnMfa(me, ctx);
    } else {
      if (!me.isOrgAdmin) throw new AppError("FORBIDDEN", "Insufficient permissions. OWNER or ADMINISTRATOR role required to reset another user's MFA.");
      if (!UUID.test(target)) throw new AppError("NOT_FOUND", "User not found");
      await mfa.resetUserMfa(me.orgId, target, userActor(me), ctx).catch((error: unknown) => {
        throw error instanceof AppError && error.code === "NOT_FOUND" ? new AppError("NOT_FOUND", "User not found") : error;
      });
    }
    return { success: true, message: "MFA reset successfully" };
  });
};
