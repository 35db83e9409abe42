import { Type } from "@sinclair/typebox";
import { Email, Nullable, PasswordInput } from "../../http/schemas.js";
import { SLUG_PATTERN } from "../organizations/slug.js";

export const AuthUser = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Nullable(Type.String()),
    isOrgAdmin: Type.Boolean(),
    organizationId: Type.String(),
    organizationName: Type.String(),
    organizationSlug: Type.String(),
    subscriptionTier: Type.String(),
    mfaEnabled: Type.Boolean(),
  },
  { $id: "AuthUser" },
);

export const TokenResponse = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    expiresIn: Type.Integer(),
    tokenType: Type.Literal("Bearer"),
    user: Type.Ref("AuthUser"),
  },
  { $id: "TokenResponse" },
);

/** Key order is the contract's: EntryGuard's keys first, ours after. */
export const LoginResponse = Type.Object(
  {
    mfaRequired: Type.Boolean(),
    mfaChallengeToken: Nullable(Type.String()),
    mfaChallengeExpiresIn: Nullable(Type.Integer()),
    passwordExpired: Type.Boolean(),
    passwordChangeToken: Nullable(Type.String()),
    mfaSetupRequired: Type.Boolean(),
    mfaSetupToken: Nullable(Type.String()),
    accessToken: Nullable(Type.String()),
    refreshToken: Nullable(Type.String()),
    expiresIn: Nullable(Type.Integer()),
    tokenType: Nullable(Type.String()),
    user: Type.Union([Type.Ref("AuthUser"), Type.Null()]),
    passwordExpiresAt: Nullable(Type.String({ format: "date-time" })),
  },
  { $id: "LoginResponse" },
);

export const RegisterBody = Type.Object(
  {
    organizationName: Type.String({ minLength: 1, maxLength: 200 }),
    email: Email,
    password: PasswordInput,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    organizationSlug: Type.Optional(Type.String({ pattern: SLUG_PATTERN })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    organizationSlug: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: PasswordInput,
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

export const LogoutBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ maxLength: 512 })) },
  { additionalProperties: false },
);

export const MeResponse = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Nullable(Type.String()),
  isOrgAdmin: Type.Boolean(),
  platformRole: Type.String(),
  organizationId: Type.String(),
  organizationName: Type.String(),
  organizationSlug: Type.String(),
  subscriptionTier: Type.String(),
  maxUsers: Nullable(Type.Integer()),
  maxResources: Nullable(Type.Integer()),
  mfaEnabled: Type.Boolean(),
  organizationMfaRequired: Type.Boolean(),
});
