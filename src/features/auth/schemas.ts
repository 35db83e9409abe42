import { Type } from "@sinclair/typebox";
import { Email, Nullable, OrganizationName, PasswordInput, PersonName } from "../../http/schemas.js";
import { SLUG_PATTERN } from "../organizations/slug.js";

/** The document's examples (test/openapi.test.ts checks each against its schema). */
const EXAMPLE_USER = {
  id: "550e8400-e29b-41d4-a716-446655440000", email: "admin@acme.test", name: "Ada Admin", isOrgAdmin: true,
  organizationId: "660e8400-e29b-41d4-a716-446655440001", organizationName: "Acme Corp", organizationSlug: "acme-corp",
  subscriptionTier: "FREE", mfaEnabled: true,
};
const EXAMPLE_TOKENS = {
  accessToken: "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6IkpXVCJ9...", refreshToken: "rt_Qm9vdHN0cmFwcGVkIHJlZnJlc2ggdG9rZW4",
  expiresIn: 900, tokenType: "Bearer" as const, user: EXAMPLE_USER,
};
const NO_STEP = {
  mfaRequired: false, mfaChallengeToken: null, mfaChallengeExpiresIn: null, passwordExpired: false, passwordChangeToken: null,
  mfaSetupRequired: false, mfaSetupToken: null, accessToken: null, refreshToken: null, expiresIn: null, tokenType: null, user: null,
  passwordExpiresAt: null,
};

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
  { $id: "AuthUser", examples: [EXAMPLE_USER] },
);

export const TokenResponse = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Nullable(Type.String({ description: "Null when the X-Gatehouse-Client: console header moved it into an HttpOnly cookie" })),
    expiresIn: Type.Integer(),
    tokenType: Type.Literal("Bearer"),
    user: Type.Ref("AuthUser"),
  },
  { $id: "TokenResponse", examples: [EXAMPLE_TOKENS] },
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
    passwordExpiresAt: Nullable(Type.String({ format: "date-time", description: "Set when the password expires within 14 days (or has expired)" })),
  },
  {
    $id: "LoginResponse",
    description: "One step of the sign-in state machine; every key is present, null when not applicable. Loop until accessToken.",
    examples: [
      { ...NO_STEP, mfaRequired: true, mfaChallengeToken: "mfa_challenge_9Zl2b0F3c2VjcmV0LWNoYWxsZW5nZQ", mfaChallengeExpiresIn: 300 },
      { ...NO_STEP, passwordExpired: true, passwordChangeToken: "pwd_change_c2VjcmV0LWNoYW5nZS10b2tlbg", passwordExpiresAt: "2026-11-01T09:00:00.000Z" },
      { ...NO_STEP, mfaSetupRequired: true, mfaSetupToken: "mfa_setup_c2VjcmV0LXNldHVwLXRva2Vu" },
      { ...NO_STEP, ...EXAMPLE_TOKENS },
    ],
  },
);

export const RegisterBody = Type.Object(
  {
    organizationName: OrganizationName,
    email: Email,
    password: PasswordInput,
    name: Type.Optional(PersonName),
    organizationSlug: Type.Optional(Type.String({ pattern: SLUG_PATTERN })),
  },
  { additionalProperties: false, examples: [{ organizationName: "Acme Corp", email: "admin@acme.test", password: "Sup3r-Secret-Pass" }] },
);

export const LoginBody = Type.Object(
  {
    organizationSlug: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: PasswordInput,
  },
  { additionalProperties: false, examples: [{ organizationSlug: "acme-corp", email: "admin@acme.test", password: "Sup3r-Secret-Pass" }] },
);

/** `refreshToken` is required unless the console's cookie carries it (docs/console.md). */
export const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
);

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
}, { title: "MeResponse" });
