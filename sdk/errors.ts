import type { ErrorCode } from "./types.gen.js";

/** Codes the SDK itself raises, beside the server's catalogue. */
export type ClientErrorCode = "NETWORK_ERROR" | "SIGN_IN_STEP_UNHANDLED" | "UNEXPECTED_RESPONSE";

export interface PolicyViolation {
  rule: string;
  message: string;
}

export interface GatehouseErrorDetails {
  /** On VALIDATION_ERROR: field → message (EntryGuard's `validationErrors`). */
  validationErrors?: Record<string, string>;
  /** On PASSWORD_POLICY_VIOLATION: one entry per broken rule (EntryGuard's `details`). */
  violations?: PolicyViolation[];
}

export interface GatehouseErrorInit {
  status: number;
  code: ErrorCode | ClientErrorCode | (string & {});
  message: string;
  details?: GatehouseErrorDetails;
  dialect?: "entryguard" | "flashback" | "none";
  retryAfterSeconds?: number | null;
  body?: unknown;
  cause?: unknown;
}

/** The code a Flashback body (`{success: false, error}`) stands for: it carries none of its own. */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  500: "INTERNAL_ERROR",
};

export function codeOfStatus(status: number): ErrorCode | ClientErrorCode {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? "INTERNAL_ERROR" : "UNEXPECTED_RESPONSE");
}

/**
 * Every failure of the SDK: an error answer of either dialect, a network
 * failure (status 0, NETWORK_ERROR) or a sign-in step nobody handled.
 * EntryGuard bodies give `code` (their `error`), `message` and `details`;
 * Flashback bodies give `message` (their `error`) and a code derived from the status.
 */
export class GatehouseError extends Error {
  readonly status: number;
  readonly code: GatehouseErrorInit["code"];
  readonly details: GatehouseErrorDetails;
  readonly dialect: "entryguard" | "flashback" | "none";
  /** Seconds to wait, from `Retry-After` on 429. */
  readonly retryAfterSeconds: number | null;
  /** The parsed error body, as the server sent it. */
  readonly body: unknown;

  constructor(init: GatehouseErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "GatehouseError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.dialect = init.dialect ?? "none";
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    this.body = init.body;
  }

  /** Reads an error answer of either dialect. */
  static async fromResponse(response: Response): Promise<GatehouseError> {
    const text = await response.text().catch(() => "");
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): keep the text.
    }
    const retryAfter = Number(response.headers.get("retry-after"));
    const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
    const base = { status: response.status, retryAfterSeconds, body };
    if (isObject(body) && typeof body.error === "string" && typeof body.message === "string") {
      const details: GatehouseErrorDetails = {};
      if (isObject(body.validationErrors)) details.validationErrors = body.validationErrors as Record<string, string>;
      if (Array.isArray(body.details)) details.violations = body.details as PolicyViolation[];
      return new GatehouseError({ ...base, code: body.error, message: body.message, details, dialect: "entryguard" });
    }
    if (isObject(body) && body.success === false && typeof body.error === "string") {
      return new GatehouseError({ ...base, code: codeOfStatus(response.status), message: body.error, dialect: "flashback" });
    }
    const message = typeof body === "string" && body ? body.slice(0, 200) : `HTTP ${response.status}`;
    return new GatehouseError({ ...base, code: codeOfStatus(response.status), message });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
