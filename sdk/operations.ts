import type { GatehouseClient } from "./client.js";
import type { FlashbackApi } from "./flashback.js";
import type { OperationId } from "./types.gen.js";

type MethodsOf<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;

/** A method of the client: `me`, or `flashback.status` for the Flashback dialect. */
export type ClientMethod = MethodsOf<GatehouseClient> | `flashback.${MethodsOf<FlashbackApi>}`;

/**
 * The SDK method of every OpenAPI operation. Typed by the generated operation
 * list, so a new route does not compile until it has a method here;
 * test/sdk.test.ts calls each against a live server.
 */
export const OPERATION_METHODS = {
  register: "register",
  login: "login",
  verifyMfa: "verifyMfa",
  changeExpiredPassword: "changeExpiredPassword",
  refresh: "refresh",
  logout: "logout",
  me: "me",
  changePassword: "changePassword",
  forgotPassword: "forgotPassword",
  resetPassword: "resetPassword",
  setPassword: "setPassword",
  getPasswordPolicy: "getPasswordPolicy",
  listSessions: "listSessions",
  revokeSession: "revokeSession",
  setupMfa: "setupMfa",
  confirmMfaSetup: "confirmMfaSetup",
  disableMfa: "disableMfa",
  regenerateRecoveryCodes: "regenerateRecoveryCodes",
  getOrganizationSettings: "getOrganizationSettings",
  updateOrganizationSettings: "updateOrganizationSettings",
  enforceOrganizationMfa: "enforceOrganizationMfa",
  listUsers: "listUsers",
  getUser: "getUser",
  inviteUser: "inviteUser",
  updateUser: "updateUser",
  deleteUser: "deleteUser",
  resendInvitation: "resendInvitation",
  resetUserMfa: "resetUserMfa",
  resetUserPassword: "resetUserPassword",
  expireUserPassword: "expireUserPassword",
  revokeUserSessions: "revokeUserSessions",
  listAuditLogs: "listAuditLogs",
  getJwks: "getJwks",
  flashbackStatus: "flashback.status",
  flashbackMethods: "flashback.methods",
  flashbackSetup: "flashback.setup",
  flashbackVerifySetup: "flashback.verifySetup",
  flashbackEnable: "flashback.enable",
  flashbackDisable: "flashback.disable",
  flashbackPrimary: "flashback.setPrimary",
  flashbackReset: "flashback.reset",
  flashbackEnforceOrganizationMfa: "flashback.enforce",
} as const satisfies Record<OperationId, ClientMethod>;
