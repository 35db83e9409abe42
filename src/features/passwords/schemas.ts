import { Type } from "@sinclair/typebox";
import { Email, Nullable, PasswordInput, Uuid } from "../../http/schemas.js";

const FlowToken = Type.String({ minLength: 1, maxLength: 512 });

export const ChangePasswordBody = Type.Object(
  { currentPassword: PasswordInput, newPassword: PasswordInput },
  { additionalProperties: false },
);

export const ChangeExpiredPasswordBody = Type.Object(
  { passwordChangeToken: FlowToken, newPassword: PasswordInput },
  { additionalProperties: false },
);

export const ForgotPasswordBody = Type.Object(
  { organizationSlug: Type.String({ minLength: 1, maxLength: 100 }), email: Email },
  { additionalProperties: false },
);

export const ResetPasswordBody = Type.Object(
  { token: FlowToken, password: PasswordInput },
  { additionalProperties: false },
);

export const UserIdParams = Type.Object({ id: Uuid });

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });

export const NoContent = Type.Null({ description: "No content" });

/** What a sign-up or reset form needs to show the rules before the user types. */
export const PasswordPolicyResponse = Type.Object({
  minLength: Type.Integer(),
  maxLength: Type.Integer(),
  requireUppercase: Type.Boolean(),
  requireLowercase: Type.Boolean(),
  requireDigit: Type.Boolean(),
  requireSpecialChar: Type.Boolean(),
  expirationDays: Nullable(Type.Integer()),
}, { title: "PasswordPolicy" });
