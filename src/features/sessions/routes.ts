import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { errors } from "../../http/schemas.js";
import { IdParams } from "../users/schemas.js";
import type { SessionControl } from "./control.js";
import { OwnSession } from "./schemas.js";

export const sessionRoutes: FastifyPluginAsyncTypebox<{ sessionControl: SessionControl }> = async (app, { sessionControl }) => {
  app.get("/auth/sessions", {
    config: { auth: "user" },
    schema: {
      operationId: "listSessions",
      tags: ["auth"],
      summary: "The caller's live sign-in sessions, most recently used first",
      security: [{ bearerAuth: [] }],
      response: { 200: Type.Array(OwnSession), ...errors(401) },
    },
  }, async (request) => sessionControl.listOwn(userOf(request)));

  app.delete("/auth/sessions/:id", {
    config: { auth: "user" },
    schema: {
      operationId: "revokeSession",
      tags: ["auth"],
      summary: "End one of the caller's sessions (its tokens stop working at once)",
      security: [{ bearerAuth: [] }],
      params: IdParams,
      response: { 204: Type.Null(), ...errors(400, 401, 404) },
    },
  }, async (request, reply) => {
    await sessionControl.revokeOwn(userOf(request), request.params.id, clientContext(request));
    return reply.code(204).send(null);
  });
};
