import { Type } from "@sinclair/typebox";
import { Nullable } from "../../http/schemas.js";

export const SetupResponse = Type.Object({
  qrCodeBase64: Type.String({ description: "PNG of the otpauth URL, base64" }),
  secret: Type.String({ description: "Base32 TOTP secret, shown this once" }),
  otpauthUrl: Type.String(),
}, { title: "MfaSetup" });

export const ConfirmBody = Type.Object(
  {
    code: Type.String({ pattern: "^[0-9]{6}$" }),
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const RecoveryCodes = Type.Array(Type.String(), { minItems: 8, maxItems: 8 });

/** With a setup token the sign-in completes here, so the tokens come along. */
export const ConfirmResponse = Type.Object({
  recoveryCodes: RecoveryCodes,
  accessToken: Type.Optional(Type.String()),
  refreshToken: Type.Optional(Nullable(Type.String())),
  expiresIn: Type.Optional(Type.Integer()),
  tokenType: Type.Optional(Type.String()),
  user: Type.Optional(Type.Ref("AuthUser")),
}, { title: "MfaSetupConfirmation" });

export const VerifyMfaBody = Type.Object(
  {
    mfaChallengeToken: Type.String({ minLength: 1, maxLength: 512 }),
    code: Type.String({ minLength: 6, maxLength: 12, description: "A 6-digit TOTP code or a recovery code" }),
  },
  { additionalProperties: false, examples: [{ mfaChallengeToken: "mfa_challenge_9Zl2b0F3c2VjcmV0LWNoYWxsZW5nZQ", code: "123456" }] },
);

export const RegenerateBody = Type.Object(
  { code: Type.Optional(Type.String({ pattern: "^[0-9]{6}$", description: "Ours: a current TOTP code, when this session did not pass MFA in the last 5 minutes" })) },
  { additionalProperties: false },
);
export const DisableBody = Type.Object({ code: Type.String({ pattern: "^[0-9]{6}$" }) }, { additionalProperties: false });

export const EnforceBody = Type.Object({ enforced: Type.Boolean() }, { additionalProperties: false, examples: [{ enforced: true }] });

export const FlashbackMessage = Type.Object(
  { success: Type.Boolean(), message: Type.String() },
  { title: "FlashbackMessage", examples: [{ success: true, message: "MFA enforcement enabled for organization" }] },
);
export const FlashbackError = Type.Object(
  { success: Type.Boolean(), error: Type.String() },
  { $id: "FlashbackError", description: "Flashback's error envelope", examples: [{ success: false, error: "Invalid MFA type specified" }] },
);
