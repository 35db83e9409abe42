/**
 * Gatehouse SDK: a typed client for both API dialects, with no runtime
 * dependencies (global fetch) and no Node built-ins, so it runs on Node 20+
 * and in browser bundles alike. Types come from sdk/types.gen.ts, generated
 * from the server's OpenAPI document. README.md ("Client SDK") has an example.
 */
// `Gatehouse` is the name integrators import (`new Gatehouse({ baseUrl })`); `GatehouseClient` the same class.
export { GatehouseClient, GatehouseClient as Gatehouse, type AuditExportQuery, type UserPage } from "./client.js";
export { FlashbackApi, GOOGLE_AUTH, type FlashbackCallOptions } from "./flashback.js";
export { GatehouseError, type ClientErrorCode, type GatehouseErrorDetails, type PolicyViolation } from "./errors.js";
export { signIn, type SignInCallbacks, type SignInResult, type StepAttempt } from "./sign-in.js";
export { OPERATION_METHODS, type ClientMethod } from "./operations.js";
export type { CallOptions, GatehouseClientOptions, Tokens } from "./transport.js";
export { operations, type OperationId, type Operations } from "./types.gen.js";
export type * from "./types.gen.js";
