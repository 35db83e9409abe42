import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { errors } from "../../http/schemas.js";
import { userActor } from "../audit/audit.js";
import { SettingsPatchBody } from "./schemas.js";
import type { OrganizationService } from "./service.js";

export const organizationRoutes: FastifyPluginAsyncTypebox<{ organizations: OrganizationService }> = async (app, { organizations }) => {
  app.get("/organization/settings", {
    config: { auth: "admin" },
    schema: {
      operationId: "getOrganizationSettings",
      tags: ["organization"],
      summary: "The organization's MFA and password policy",
      security: [{ bearerAuth: [] }],
      response: { 200: Type.Ref("OrganizationSettings"), ...errors(401, 403) },
    },
  }, async (request) => organizations.getSettings(userOf(request).orgId));

  app.patch("/organization/settings", {
    config: { auth: "admin" },
    schema: {
      operationId: "updateOrganizationSettings",
      tags: ["organization"],
      summary: "Change any subset of the seven settings; answers the full object",
      security: [{ bearerAuth: [] }],
      body: SettingsPatchBody,
      response: { 200: Type.Ref("OrganizationSettings"), ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request) => {
    const me = userOf(request);
    return organizations.updateSettings(me.orgId, request.body, userActor(me), clientContext(request));
  });
};
