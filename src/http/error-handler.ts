import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, ERRORS, type ErrorCode } from "./errors.js";
import { NAME_PATTERN, NAME_PATTERN_MESSAGE } from "./schemas.js";

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: Record<string, unknown>;
  /** The value that failed (ajv's `verbose`). */
  data?: unknown;
}

/** Route-level knobs for the Flashback dialect, whose errors are `{success: false, error}`. */
export interface DialectConfig {
  dialect?: "entryguard" | "flashback";
  /** Flashback pages give one fixed message for a bad body on some routes. */
  flashbackValidationMessage?: string;
  /** Flashback pages give one fixed message per route for a server failure. */
  flashbackFailureMessage?: string;
}

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: "VALIDATION_ERROR",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

/** EntryGuard's message for a malformed email (reference/entryguard-api.md, §1 and §5). */
const INVALID_EMAIL = "Invalid email format";

function describeAjvError(e: AjvError): [field: string, message: string] {
  const path = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
  const parent = e.parentSchema ?? {};
  switch (e.keyword) {
    case "required":
      return [[path, String(e.params.missingProperty)].filter(Boolean).join("."), "is required"];
    case "additionalProperties":
      return [[path, String(e.params.additionalProperty)].filter(Boolean).join("."), "is not a recognized field"];
    case "minProperties":
      return [path || "body", "must contain at least one field"];
    case "type": {
      const t = e.params.type;
      const types = (Array.isArray(t) ? t : String(t).split(",")).map((x) => (x === "null" ? "null" : `${/^[aeiou]/.test(x) ? "an" : "a"} ${x}`));
      return [path || "body", `must be ${types.join(" or ")}`];
    }
    case "minimum":
    case "maximum":
      if (typeof parent.minimum === "number" && typeof parent.maximum === "number") {
        return [path, `must be between ${parent.minimum} and ${parent.maximum}`];
      }
      return [path, e.keyword === "minimum" ? `must be at least ${parent.minimum}` : `must be at most ${parent.maximum}`];
    case "minLength":
    case "maxLength":
      if (e.keyword === "minLength" && (parent.minLength === 1 || e.data === "")) return [path, "must not be blank"];
      if (typeof parent.minLength === "number" && typeof parent.maxLength === "number") {
        return [path, `size must be between ${parent.minLength} and ${parent.maxLength}`];
      }
      return [path, e.keyword === "minLength" ? `size must be at least ${parent.minLength}` : `size must be at most ${parent.maxLength}`];
    case "format":
      return [path, e.params.format === "email" ? "must be a valid email address" : `must be a valid ${String(e.params.format)}`];
    case "pattern":
      return [path, parent.pattern === NAME_PATTERN ? NAME_PATTERN_MESSAGE : "has an invalid format"];
    case "enum":
      return [path, `must be one of ${((e.params.allowedValues as unknown[]) ?? []).join(", ")}`];
    default:
      return [path || "body", e.message ?? "is invalid"];
  }
}

export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error;
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    // No prototype: a body's unknown field may be called "constructor" or "__proto__", and must be named too.
    const validationErrors: Record<string, string> = Object.create(null);
    let sentence: string | undefined;
    for (const v of fe.validation) {
      const [field, message] = describeAjvError(v);
      const key = fe.validationContext && fe.validationContext !== "body" ? `${fe.validationContext}.${field}` : field;
      if (Object.hasOwn(validationErrors, key)) continue;
      validationErrors[key] = message;
      sentence ??= v.keyword === "format" && v.params.format === "email" ? INVALID_EMAIL : `${key} ${message}`;
    }
    // EntryGuard's messages: one field says what is wrong ("email is required", "Invalid email
    // format"); several say "Validation failed" and leave the rest to validationErrors.
    const fields = Object.keys(validationErrors).length;
    return new AppError("VALIDATION_ERROR", fields === 1 ? sentence : undefined, { validationErrors });
  }
  const status = fe.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const code = STATUS_TO_CODE[status] ?? "BAD_REQUEST";
    const message =
      fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError ? "Malformed JSON in request body"
      : fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ? "Request body is empty but Content-Type is application/json"
      : ERRORS[code].message;
    return new AppError(code, message);
  }
  return new AppError("INTERNAL_ERROR");
}

/** Flashback's routes live at the root under /mfa; a request no route claimed answers by its path. */
export function isFlashbackPath(path: string): boolean {
  return path === "/mfa" || path.startsWith("/mfa/");
}

export function isFlashbackRequest(request: FastifyRequest): boolean {
  const config = request.routeOptions?.config as DialectConfig | undefined;
  if (config?.dialect) return config.dialect === "flashback";
  return isFlashbackPath(request.url);
}

/** EntryGuard's error timestamp: an ISO instant to the second. */
export function errorTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.extra.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.extra.retryAfterSeconds));
  reply.header("cache-control", "no-store");
  if (isFlashbackRequest(request)) {
    const config = request.routeOptions?.config as DialectConfig | undefined;
    const message =
      error.code === "VALIDATION_ERROR" && config?.flashbackValidationMessage ? config.flashbackValidationMessage
      : error.code === "INTERNAL_ERROR" && config?.flashbackFailureMessage ? config.flashbackFailureMessage
      : error.message;
    // No Flashback page lists a 409 ("MFA is already enabled" on setup and verify-setup is a 400
    // there, a 409 in EntryGuard's dialect); DESIGN.md asks for the statuses the pages show.
    const status = error.code === "CONFLICT" ? 400 : error.status;
    return reply.code(status).type("application/json; charset=utf-8").send(JSON.stringify({ success: false, error: message }));
  }
  const body: Record<string, unknown> = {
    timestamp: errorTimestamp(),
    status: error.status,
    error: error.code,
    message: error.message,
    path: request.url.split("?")[0],
  };
  if (error.extra.validationErrors) body.validationErrors = error.extra.validationErrors;
  if (error.extra.details) body.details = error.extra.details;
  return reply.code(error.status).type("application/json; charset=utf-8").send(JSON.stringify(body));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error as Error);
    if (appError.status >= 500) request.log.error({ err: error }, "unhandled error");
    return sendError(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new AppError("NOT_FOUND", `No route for ${request.method} ${request.url.split("?")[0]}`)),
  );
}

declare module "fastify" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface FastifyContextConfig extends DialectConfig {}
}
