import { Type, type TSchema, type Static } from "@sinclair/typebox";

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
    error: Type.String({ description: "Gatehouse error code, e.g. VALIDATION_ERROR" }),
    message: Type.String(),
    path: Type.String(),
    validationErrors: Type.Optional(Type.Record(Type.String(), Type.String())),
    details: Type.Optional(Type.Array(Type.Object({ rule: Type.String(), message: Type.String() }))),
  },
  { $id: "ErrorBody", description: "EntryGuard-style error body" },
);

/** Error responses a route may answer, by status, all with the same body. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref("ErrorBody")])) as Record<number, ReturnType<typeof Type.Ref>>;
}

export const EmptyObject = Type.Object({}, { additionalProperties: false });

export const Email = Type.String({ format: "email", minLength: 3, maxLength: 254 });
export const PasswordInput = Type.String({ minLength: 1, maxLength: 1024 });
/**
 * The pattern, not only ajv's `format: "uuid"`: that format also accepts `urn:uuid:…`,
 * which PostgreSQL refuses to cast, so such a path id became a 500 instead of a 400.
 */
export const Uuid = Type.String({ format: "uuid", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" });
