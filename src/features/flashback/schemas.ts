import { Type } from "@sinclair/typebox";
import { Nullable } from "../../http/schemas.js";

/**
 * Flashback's `mfaType`. A plain string, not an enum: an unknown value must reach
 * the adapter (or the route's fixed message), never a schema error naming the enum.
 */
const MfaType = Type.String({ maxLength: 64, description: "GOOGLE_AUTH (TOTP). MAGIC_LINK and PASSKEY are listed but not available." });

export const FLASHBACK_TOTP = "GOOGLE_AUTH";

export const MfaTypeBody = Type.Object({ mfaType: MfaType }, { additionalProperties: false });

export const SetupBody = Type.Object(
  {
    mfaType: MfaType,
    email: Type.Optional(Type.String({ maxLength: 254, description: "Flashback: for magic links; ignored for GOOGLE_AUTH" })),
    deviceInfo: Type.Optional(Type.Object({}, { additionalProperties: true, description: "Flashback: for passkeys; ignored for GOOGLE_AUTH" })),
  },
  { additionalProperties: false },
);

export const VerifySetupBody = Type.Object(
  {
    mfaType: MfaType,
    code: Type.Optional(Type.String({ maxLength: 64 })),
    credential: Type.Optional(Type.Object({}, { additionalProperties: true, description: "Flashback: for passkeys; not available" })),
  },
  { additionalProperties: false },
);

export const DisableBody = Type.Object(
  {
    mfaType: MfaType,
    code: Type.Optional(Type.String({ pattern: "^[0-9]{6}$", description: "Ours: a current TOTP code, instead of a recent MFA sign-in" })),
  },
  { additionalProperties: false },
);

export const ResetBody = Type.Object(
  { resetUserId: Type.Optional(Type.String({ maxLength: 64, description: "Another member's id (admins only); omit to reset your own MFA" })) },
  { additionalProperties: false },
);

export const StatusResponse = Type.Object({
  success: Type.Boolean(),
  data: Type.Object({
    isEnabled: Type.Boolean(),
    isRequired: Type.Boolean(),
    isEnforced: Type.Boolean(),
    enabledMethods: Type.Array(Type.String()),
    primaryMethod: Nullable(Type.String()),
  }),
}, { title: "FlashbackStatus" });

export const MethodsResponse = Type.Object({
  success: Type.Boolean(),
  data: Type.Array(
    Type.Object({
      type: Type.String(),
      name: Type.String(),
      description: Type.String(),
      isAvailable: Type.Boolean(),
      isConfigured: Type.Boolean(),
      isEnabled: Type.Boolean(),
    }),
  ),
}, { title: "FlashbackMethods" });

export const SetupResponse = Type.Object({
  success: Type.Boolean(),
  data: Type.Object({
    secret: Type.String({ description: "Base32 TOTP secret, shown this once" }),
    qrCode: Type.String({ description: "data:image/png;base64,... of the otpauth URL" }),
    backupCodes: Type.Array(Type.String(), { description: "Recovery codes; usable once MFA is confirmed" }),
  }),
}, { title: "FlashbackSetup" });

/** With an mfaSetupToken the sign-in continues here: `data` is the login step (tokens, normally). */
export const VerifySetupResponse = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  data: Type.Optional(Type.Ref("LoginResponse")),
}, { title: "FlashbackVerifySetup" });
