import type { GatehouseClient } from "./client.js";
import { GatehouseError } from "./errors.js";
import type { AuthUser, LoginBody, LoginResponse, MfaSetup } from "./types.gen.js";

/** What a prompt is told when it is asked again. */
export interface StepAttempt {
  /** 1 for the first ask. */
  attempt: number;
  /** Why the previous answer was refused (INVALID_MFA_CODE, PASSWORD_POLICY_VIOLATION, ...); null on the first ask. */
  error: GatehouseError | null;
}

export interface SignInCallbacks {
  /** The user has MFA: a current 6-digit code, or a recovery code. */
  onMfaCode?: (step: StepAttempt & { expiresIn: number | null }) => string | Promise<string>;
  /** The password expired (or an admin expired it): the new password. */
  onNewPassword?: (step: StepAttempt & { passwordExpiresAt: string | null }) => string | Promise<string>;
  /** The organization requires MFA and the user has none: show `setup` (QR code, secret), answer the app's code. */
  onMfaEnrolment?: (setup: MfaSetup, step: StepAttempt) => string | Promise<string>;
  /** The eight recovery codes of a fresh enrolment, shown once. */
  onRecoveryCodes?: (codes: string[]) => void | Promise<void>;
  /** Asks per step before giving up with the last error (default 3). */
  maxAttempts?: number;
}

export interface SignInResult {
  accessToken: string;
  /** Null in cookie mode. */
  refreshToken: string | null;
  expiresIn: number;
  user: AuthUser;
  /** Set when the password expires within 14 days. */
  passwordExpiresAt: string | null;
  /** Set when this sign-in enrolled MFA. */
  recoveryCodes: string[] | null;
}

const RETRY_CODE: ReadonlySet<string> = new Set(["INVALID_MFA_CODE", "VALIDATION_ERROR"]);
const RETRY_PASSWORD: ReadonlySet<string> = new Set(["PASSWORD_POLICY_VIOLATION", "VALIDATION_ERROR"]);
/** Login, MFA, password change, enrolment: no legitimate sign-in takes more steps. */
const MAX_STEPS = 8;

function unhandled(what: string, callback: string): GatehouseError {
  return new GatehouseError({ status: 0, code: "SIGN_IN_STEP_UNHANDLED", message: `The sign-in needs ${what}: pass ${callback} to signIn()` });
}

/** Asks, sends, and asks again while the server refuses the answer with a retryable code. */
async function withRetries<T>(max: number, retryable: ReadonlySet<string>, ask: (s: StepAttempt) => string | Promise<string>, send: (answer: string) => Promise<T>): Promise<T> {
  let error: GatehouseError | null = null;
  for (let attempt = 1; ; attempt++) {
    const answer = await ask({ attempt, error });
    try {
      return await send(answer);
    } catch (err) {
      if (!(err instanceof GatehouseError) || !retryable.has(String(err.code)) || attempt >= max) throw err;
      error = err;
    }
  }
}

/**
 * Drives the sign-in state machine from the password to tokens: MFA challenge,
 * expired password and enforced enrolment, in whatever order the server asks.
 * The client keeps the tokens; the result repeats them with the user.
 */
export async function signIn(client: GatehouseClient, credentials: LoginBody, callbacks: SignInCallbacks = {}): Promise<SignInResult> {
  const max = callbacks.maxAttempts ?? 3;
  let step: LoginResponse = await client.login(credentials);
  let recoveryCodes: string[] | null = null;
  for (let i = 0; i < MAX_STEPS; i++) {
    if (step.accessToken && step.user && step.expiresIn !== null) {
      return {
        accessToken: step.accessToken,
        refreshToken: step.refreshToken,
        expiresIn: step.expiresIn,
        user: step.user,
        passwordExpiresAt: step.passwordExpiresAt,
        recoveryCodes,
      };
    }
    const current = step;
    if (current.mfaRequired && current.mfaChallengeToken) {
      const ask = callbacks.onMfaCode;
      if (!ask) throw unhandled("an MFA code", "onMfaCode");
      const mfaChallengeToken = current.mfaChallengeToken;
      step = await withRetries(max, RETRY_CODE, (s) => ask({ ...s, expiresIn: current.mfaChallengeExpiresIn }), (code) => client.verifyMfa({ mfaChallengeToken, code }));
    } else if (current.passwordExpired && current.passwordChangeToken) {
      const ask = callbacks.onNewPassword;
      if (!ask) throw unhandled("a new password", "onNewPassword");
      const passwordChangeToken = current.passwordChangeToken;
      step = await withRetries(max, RETRY_PASSWORD, (s) => ask({ ...s, passwordExpiresAt: current.passwordExpiresAt }), (newPassword) =>
        client.changeExpiredPassword({ passwordChangeToken, newPassword }));
    } else if (current.mfaSetupRequired && current.mfaSetupToken) {
      const ask = callbacks.onMfaEnrolment;
      if (!ask) throw unhandled("MFA enrolment", "onMfaEnrolment");
      const options = { token: current.mfaSetupToken };
      const setup = await client.setupMfa(options);
      const confirmed = await withRetries(max, RETRY_CODE, (s) => ask(setup, s), (code) => client.confirmMfaSetup({ code, secret: setup.secret }, options));
      recoveryCodes = confirmed.recoveryCodes;
      await callbacks.onRecoveryCodes?.(recoveryCodes);
      step = {
        ...current,
        mfaSetupRequired: false,
        mfaSetupToken: null,
        accessToken: confirmed.accessToken ?? null,
        refreshToken: confirmed.refreshToken ?? null,
        expiresIn: confirmed.expiresIn ?? null,
        tokenType: confirmed.tokenType ?? null,
        user: confirmed.user ?? null,
      };
    } else {
      break;
    }
  }
  throw new GatehouseError({ status: 0, code: "UNEXPECTED_RESPONSE", message: "The sign-in did not end with tokens", body: step });
}
