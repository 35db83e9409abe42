import { Type } from "@sinclair/typebox";
import { Nullable } from "../../http/schemas.js";

export const OrganizationSettings = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    subscriptionTier: Type.String(),
    mfaRequired: Type.Boolean(),
    passwordMinLength: Type.Integer(),
    passwordRequireUppercase: Type.Boolean(),
    passwordRequireLowercase: Type.Boolean(),
    passwordRequireDigit: Type.Boolean(),
    passwordRequireSpecialChar: Type.Boolean(),
    passwordExpirationDays: Nullable(Type.Integer()),
  },
  {
    $id: "OrganizationSettings",
    // EntryGuard's seed page, plus our id, name and tier.
    examples: [{
      id: "660e8400-e29b-41d4-a716-446655440001", name: "Acme Corp", subscriptionTier: "FREE", mfaRequired: true, passwordMinLength: 12,
      passwordRequireUppercase: true, passwordRequireLowercase: true, passwordRequireDigit: true, passwordRequireSpecialChar: true,
      passwordExpirationDays: 90,
    }],
  },
);

/** EntryGuard's ranges; partial, strict, and never empty. */
export const SettingsPatchBody = Type.Object(
  {
    mfaRequired: Type.Optional(Type.Boolean()),
    passwordMinLength: Type.Optional(Type.Integer({ minimum: 8, maximum: 128 })),
    passwordRequireUppercase: Type.Optional(Type.Boolean()),
    passwordRequireLowercase: Type.Optional(Type.Boolean()),
    passwordRequireDigit: Type.Optional(Type.Boolean()),
    passwordRequireSpecialChar: Type.Optional(Type.Boolean()),
    passwordExpirationDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 365 }))),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    title: "SettingsPatch",
    examples: [
      { mfaRequired: true },
      { mfaRequired: true, passwordMinLength: 12, passwordRequireUppercase: true, passwordRequireLowercase: true, passwordRequireDigit: true, passwordRequireSpecialChar: true, passwordExpirationDays: 90 },
    ],
  },
);
