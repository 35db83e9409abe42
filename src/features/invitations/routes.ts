import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { clientContext } from "../../http/client-context.js";
import { errors } from "../../http/schemas.js";
import { SetPasswordBody } from "../users/schemas.js";
import type { InvitationService } from "./service.js";

export const invitationRoutes: FastifyPluginAsyncTypebox<{ invitations: InvitationService }> = async (app, { invitations }) => {
  app.post("/auth/set-password", {
    schema: {
      operationId: "setPassword",
      tags: ["auth"],
      summary: "Accept an invitation: set the first password and continue signing in",
      description:
        "Consumes the invitation token (single use, 7 days). A password the organization's policy rejects leaves the token usable. " +
        "Answers the login shape: tokens, or `mfaSetupRequired` when the organization requires MFA.",
      body: SetPasswordBody,
      response: { 200: Type.Ref("LoginResponse"), ...errors(400, 401, 413, 415, 429) },
    },
  }, async (request) => invitations.accept(request.body, clientContext(request)));
};
