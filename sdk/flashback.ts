import type { CallOptions, Transport } from "./transport.js";
import type { FlashbackMessage, FlashbackMethods, FlashbackSetup, FlashbackStatus, FlashbackVerifySetup } from "./types.gen.js";

/** Flashback's only available method: TOTP through an authenticator app. */
export const GOOGLE_AUTH = "GOOGLE_AUTH";

export interface FlashbackCallOptions extends CallOptions {
  /** Defaults to GOOGLE_AUTH, the one method Gatehouse offers. */
  mfaType?: string;
}

const mfaTypeOf = (options?: FlashbackCallOptions) => options?.mfaType ?? GOOGLE_AUTH;

/**
 * Flashback's MFA dialect at the root. Answers keep Flashback's `{success, ...}`
 * envelope; failures throw GatehouseError with Flashback's `error` as message.
 */
export class FlashbackApi {
  constructor(private readonly transport: Transport) {}

  status(options?: CallOptions): Promise<FlashbackStatus> {
    return this.transport.call("flashbackStatus", {}, options);
  }

  methods(options?: CallOptions): Promise<FlashbackMethods> {
    return this.transport.call("flashbackMethods", {}, options);
  }

  /** Secret, QR code and backup codes; during sign-in pass `{ token: mfaSetupToken }`. */
  setup(options?: FlashbackCallOptions): Promise<FlashbackSetup> {
    return this.transport.call("flashbackSetup", { body: { mfaType: mfaTypeOf(options) } }, options);
  }

  /** Confirms enrolment; with a setup token `data` holds the sign-in's tokens, which the client keeps. */
  verifySetup(code: string, options?: FlashbackCallOptions): Promise<FlashbackVerifySetup> {
    return this.transport.call("flashbackVerifySetup", { body: { mfaType: mfaTypeOf(options), code } }, options);
  }

  enable(options?: FlashbackCallOptions): Promise<FlashbackMessage> {
    return this.transport.call("flashbackEnable", { body: { mfaType: mfaTypeOf(options) } }, options);
  }

  /** Needs a current code, or a sign-in with MFA in the last 5 minutes. */
  disable(code?: string, options?: FlashbackCallOptions): Promise<FlashbackMessage> {
    const mfaType = mfaTypeOf(options);
    return this.transport.call("flashbackDisable", { body: code === undefined ? { mfaType } : { mfaType, code } }, options);
  }

  setPrimary(options?: FlashbackCallOptions): Promise<FlashbackMessage> {
    return this.transport.call("flashbackPrimary", { body: { mfaType: mfaTypeOf(options) } }, options);
  }

  /** Your own MFA (omit the id; needs a recent MFA sign-in) or, for admins, a member's. */
  reset(resetUserId?: string, options?: CallOptions): Promise<FlashbackMessage> {
    return this.transport.call("flashbackReset", { body: resetUserId === undefined ? {} : { resetUserId } }, options);
  }

  /** `POST /mfa/organization/enforce` (admin). */
  enforce(enforced: boolean, options?: CallOptions): Promise<FlashbackMessage> {
    return this.transport.call("flashbackEnforceOrganizationMfa", { body: { enforced } }, options);
  }
}
