import { Type } from "@sinclair/typebox";
import { Email, Nullable, PasswordInput, PersonName, Uuid } from "../../http/schemas.js";

/**
 * A path id: a malformed one is a 400 VALIDATION_ERROR (checked here, before
 * PostgreSQL could refuse the cast); a well-formed id outside the caller's
 * organization is a 404, exactly like an unknown one (docs/admin.md).
 */
export const IdParams = Type.Object({ id: Uuid });

/** EntryGuard's UserResponse, key order included. */
export const UserResponse = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Nullable(Type.String()),
  isOrgAdmin: Type.Boolean(),
  platformRole: Type.String(),
  isActive: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
  lastLoginAt: Nullable(Type.String({ format: "date-time" })),
  roleNames: Type.Array(Type.String()),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
}, {
  title: "UserResponse",
  examples: [{
    id: "770e8400-e29b-41d4-a716-446655440004", email: "bob@acme.test", name: "Robert Developer", isOrgAdmin: false, platformRole: "CUSTOMER",
    isActive: true, mfaEnabled: false, lastLoginAt: "2026-02-17T14:20:00.000Z", roleNames: [],
    createdAt: "2026-01-20T11:30:00.000Z", updatedAt: "2026-02-18T10:30:00.000Z",
  }],
});

export const MAX_PAGE_LIMIT = 1000;

/** All ours: EntryGuard's GET /users takes no parameters, and without `limit` answers every member. */
export const UserListQuery = Type.Object({
  mfaEnabled: Type.Optional(Type.Boolean()),
  isOrgAdmin: Type.Optional(Type.Boolean()),
  isActive: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Case-insensitive substring of email or name" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, description: "Page size; the next page is in the Link header" })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9_-]+$", description: "Opaque, from a Link header" })),
});

export const CreateUserBody = Type.Object(
  {
    email: Email,
    name: Type.Optional(PersonName),
    isOrgAdmin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, examples: [{ email: "bob@acme.test", name: "Bob" }] },
);

export const PatchUserBody = Type.Object(
  {
    name: Type.Optional(Nullable(PersonName)),
    isOrgAdmin: Type.Optional(Type.Boolean()),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ isActive: false }] },
);

export const SetPasswordBody = Type.Object(
  {
    inviteToken: Type.String({ minLength: 1, maxLength: 512 }),
    password: PasswordInput,
    name: Type.Optional(PersonName),
  },
  { additionalProperties: false },
);
