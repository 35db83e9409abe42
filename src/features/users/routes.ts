import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type, type Static } from "@sinclair/typebox";
import { userOf } from "../../http/auth-guard.js";
import { clientContext } from "../../http/client-context.js";
import { EmptyObject, errors } from "../../http/schemas.js";
import { jsonArrayStream } from "../../http/streaming.js";
import { userActor } from "../audit/audit.js";
import type { InvitationService } from "../invitations/service.js";
import { CreateUserBody, IdParams, PatchUserBody, UserListQuery, UserResponse } from "./schemas.js";
import type { UserService } from "./service.js";

export interface UserRoutesOptions {
  users: UserService;
  invitations: InvitationService;
  /** Base of the absolute URL in the Link header. */
  publicUrl: string;
}

/** The same query with the next cursor: filters and page size carry over. */
function nextPageUrl(base: string, path: string, query: Static<typeof UserListQuery>, cursor: string): string {
  const params = new URLSearchParams();
  for (const key of ["mfaEnabled", "isOrgAdmin", "isActive", "q", "limit"] as const) {
    if (query[key] !== undefined) params.set(key, String(query[key]));
  }
  params.set("cursor", cursor);
  return `${base}${path}?${params}`;
}

export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesOptions> = async (app, { users, invitations, publicUrl }) => {
  const security = [{ bearerAuth: [] }];

  app.get("/users", {
    config: { auth: "admin" },
    schema: {
      operationId: "listUsers",
      tags: ["users"],
      summary: "Members of the organization, oldest first",
      description:
        "Without `limit`: every matching member as one array (EntryGuard's contract), streamed. With `limit`: one page, " +
        "and a `Link: <…>; rel=\"next\"` header while more remain.",
      security,
      querystring: UserListQuery,
      response: { 200: Type.Array(UserResponse), ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    const me = userOf(request);
    const { limit, cursor, ...filter } = request.query;
    if (limit === undefined) {
      const stream = jsonArrayStream(users.listAll(me.orgId, filter, cursor));
      // A stream skips the response serializer; its items are already UserResponse objects.
      return reply.type("application/json; charset=utf-8").send(stream as unknown as Static<typeof UserResponse>[]);
    }
    const page = await users.listPage(me.orgId, filter, limit, cursor);
    if (page.next) reply.header("link", `<${nextPageUrl(publicUrl, request.url.split("?")[0]!, request.query, page.next)}>; rel="next"`);
    return page.users;
  });

  app.get("/users/:id", {
    config: { auth: "admin" },
    schema: { operationId: "getUser", tags: ["users"], summary: "One member", security, params: IdParams, response: { 200: UserResponse, ...errors(400, 401, 403, 404) } },
  }, async (request) => users.get(userOf(request).orgId, request.params.id));

  app.post("/users", {
    config: { auth: "admin" },
    schema: {
      operationId: "inviteUser",
      tags: ["users"],
      summary: "Invite a member: created without a password, mailed a single-use link valid 7 days",
      security,
      body: CreateUserBody,
      response: { 201: UserResponse, ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request, reply) => {
    const me = userOf(request);
    const created = await invitations.invite(me.orgId, request.body, userActor(me), clientContext(request));
    return reply.code(201).send(created);
  });

  app.patch("/users/:id", {
    config: { auth: "admin" },
    schema: {
      operationId: "updateUser",
      tags: ["users"],
      summary: "Rename, promote or demote, activate or deactivate a member",
      description: "Deactivation ends the member's sessions at once. The last active admin can be neither demoted nor deactivated (400).",
      security,
      params: IdParams,
      body: PatchUserBody,
      response: { 200: UserResponse, ...errors(400, 401, 403, 404, 413, 415) },
    },
  }, async (request) => {
    const me = userOf(request);
    return users.update(me.orgId, request.params.id, request.body, userActor(me), clientContext(request));
  });

  app.delete("/users/:id", {
    config: { auth: "admin" },
    schema: {
      operationId: "deleteUser",
      tags: ["users"],
      summary: "Delete a member for good (the last active admin cannot be deleted: 400)",
      security,
      params: IdParams,
      response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const me = userOf(request);
    await users.remove(me.orgId, request.params.id, userActor(me), clientContext(request));
    return reply.code(204).send(null);
  });

  app.post("/users/:id/resend-invitation", {
    config: { auth: "admin" },
    schema: {
      operationId: "resendInvitation",
      tags: ["users"],
      summary: "Mail a new invitation link; older links stop working (400 once the member has a password)",
      security,
      params: IdParams,
      body: EmptyObject,
      response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) },
    },
  }, async (request, reply) => {
    const me = userOf(request);
    await invitations.resend(me.orgId, request.params.id, userActor(me), clientContext(request));
    return reply.code(204).send(null);
  });

  app.post("/users/:id/revoke-sessions", {
    config: { auth: "admin" },
    schema: {
      operationId: "revokeUserSessions",
      tags: ["users"],
      summary: "End every session of a member; their tokens stop working at once",
      security,
      params: IdParams,
      body: EmptyObject,
      response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 413, 415) },
    },
  }, async (request, reply) => {
    const me = userOf(request);
    await users.revokeSessions(me.orgId, request.params.id, userActor(me), clientContext(request));
    return reply.code(204).send(null);
  });
};
