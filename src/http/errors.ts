/** The error catalogue: each code has its HTTP status and default message, defined once (DESIGN.md, "Errors"). */
export const ERRORS = {
  VALIDATION_ERROR: { status: 400, message: "Validation failed" },
  PASSWORD_POLICY_VIOLATION: { status: 400, message: "Password does not meet policy requirements" },
  BAD_REQUEST: { status: 400, message: "Bad request" },
  UNAUTHORIZED: { status: 401, message: "Authentication required" },
  INVALID_CREDENTIALS: { status: 401, message: "Invalid organization, email or password" },
  INVALID_MFA_CODE: { status: 401, message: "Invalid MFA code" },
  FORBIDDEN: { status: 403, message: "Forbidden" },
  NOT_FOUND: { status: 404, message: "Not found" },
  CONFLICT: { status: 409, message: "Conflict" },
  PAYLOAD_TOO_LARGE: { status: 413, message: "Request body is too large (limit 64 KiB)" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Content-Type must be application/json" },
  RATE_LIMITED: { status: 429, message: "Too many attempts; try again later" },
  INTERNAL_ERROR: { status: 500, message: "Internal error" },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface PolicyViolation {
  rule: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly extra: {
      validationErrors?: Record<string, string>;
      details?: PolicyViolation[];
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
  }
}

export function assertThat(condition: unknown, code: ErrorCode, message?: string): asserts condition {
  if (!condition) throw new AppError(code, message);
}
