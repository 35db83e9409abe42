import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { userActor } from "../audit/audit.js";
import { EnforceBody, FlashbackMessage } from "../mfa/schemas.js";
import type { OrganizationService } from "../organizations/service.js";

const flashbackErrors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Type.Ref("FlashbackError")]));

/**
 * Flashback's `POST /mfa/organization/enforce`, mounted at the root and under
 * /api/v1. It is the same change as PATCH /organization/settings {mfaRequired}:
 * same service, same audit event.
 */
export const enforceRoute: FastifyPluginAsyncTypebox<{ organizations: OrganizationService }> = async (app, { organizations }) => {
  app.post("/mfa/organization/enforce", {
    config: {
      auth: "admin",
      dialect: "flashback",
      flashbackValidationMessage: "Invalid request parameters: enforced must be a boolean",
      flashbackFailureMessage: "Failed to update organization MFA enforcement",
    },
    schema: {
      // Mounted twice, so the document needs one id per mount.
      operationId: app.prefix === "/api/v1" ? "enforceOrganizationMfa" : "flashbackEnforceOrganizationMfa",
      tags: ["flashback"],
      summary: "Enforce MFA for every member of the caller's organization (admin only)",
      security: [{ bearerAuth: [] }],
      body: EnforceBody,
      response: { 200: FlashbackMessage, ...flashbackErrors(400, 401, 403, 500) },
    },
  }, async (request) => {
    const me = userOf(request);
    const { enforced } = request.body;
    await organizations.updateSettings(me.orgId, { mfaRequired: enforced }, userActor(me), clientContext(request));
    return { success: true, message: `MFA enforcement ${enforced ? "enabled" : "disabled"} for organization` };
  });
};
