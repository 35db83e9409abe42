import { Type, type TSchema, type Static } from "@sinclair/typebox";
import { ERRORS, type ErrorCode } from "./errors.js";

/** `T | null` as an OpenAPI 3.1 type list, which fast-json-stringify serializes directly. */
export function Nullable<T extends TSchema>(schema: T) {
  const { type } = schema as { type?: string };
  if (!type) return Type.Union([schema, Type.Null()]);
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, "null"] });
}

export const ErrorBody = Type.Object(
  {
    timestamp: Type.String({ format: "date-time" }),
    status: Type.Integer(),
    // An enum in the document (clients can switch on it); the serializer writes it as any string.
    error: Type.Unsafe<ErrorCode>({ type: "string", enum: Object.keys(ERRORS), title: "ErrorCode", description: "Gatehouse error code (the catalogue in DESIGN.md)" }),
    message: Type.String(),
    path: Type.String(),
    validationErrors: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "On VALIDATION_ERROR: field → message" })),
    details: Type.Optional(Type.Array(Type.Object({ rule: Type.String(), message: Type.String() }), { description: "On PASSWORD_POLICY_VIOLATION: one entry per broken rule" })),
  },
  {
    $id: "ErrorBody",
    description: "EntryGuard-style error body",
    examples: [
      { timestamp: "2026-11-23T10:30:00Z", status: 403, error: "FORBIDDEN", message: "Organization admin role required", path: "/api/v1/organization/settings" },
      {
        timestamp: "2026-11-23T10:30:00Z", status: 400, error: "VALIDATION_ERROR", message: "passwordMinLength must be between 8 and 128",
        path: "/api/v1/organization/settings", validationErrors: { passwordMinLength: "must be between 8 and 128" },
      },
    ],
  },
);

/** The catalogue's codes per HTTP status, for the document's response descriptions. */
function codesOf(status: number): string {
  const codes = Object.entries(ERRORS).filter(([, e]) => e.status === status).map(([code]) => code);
  return codes.length > 0 ? codes.join(" or ") : "error";
}

/** Error responses a route may answer, by status, all with the same body; the document names the codes. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref("ErrorBody", { description: codesOf(s) })])) as Record<number, ReturnType<typeof Type.Ref>>;
}

export const EmptyObject = Type.Object({}, { additionalProperties: false });

export const Email = Type.String({ format: "email", minLength: 3, maxLength: 254 });
/**
 * A person's or an organization's name goes into mail subjects and lines, the
 * console and the audit trail: one line of text, no control characters (a CR/LF
 * in an organization's name let anyone shape the lines of the invitations it sends).
 */
export const NAME_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$";
export const NAME_PATTERN_MESSAGE = "must not contain line breaks or other control characters";
export const PersonName = Type.String({ maxLength: 200, pattern: NAME_PATTERN });
export const OrganizationName = Type.String({ minLength: 1, maxLength: 200, pattern: NAME_PATTERN });
export const PasswordInput = Type.String({ minLength: 1, maxLength: 1024 });
/**
 * The pattern, not only ajv's `format: "uuid"`: that format also accepts `urn:uuid:…`,
 * which PostgreSQL refuses to cast, so such a path id became a 500 instead of a 400.
 */
export const Uuid = Type.String({ format: "uuid", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" });
