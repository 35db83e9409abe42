import type { Organization, User } from "../../db/schema.js";

/** EntryGuard's AuthResponse.user. */
export interface AuthUser {
  id: string;
  email: string;
  name: string | null;
  isOrgAdmin: boolean;
  organizationId: string;
  organizationName: string;
  organizationSlug: string;
  subscriptionTier: string;
  mfaEnabled: boolean;
}

export interface TokenBundle {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: "Bearer";
  user: AuthUser;
}

/** The login response: every key present, null when not applicable (DESIGN.md). */
export interface LoginResponse {
  mfaRequired: boolean;
  mfaChallengeToken: string | null;
  mfaChallengeExpiresIn: number | null;
  passwordExpired: boolean;
  passwordChangeToken: string | null;
  mfaSetupRequired: boolean;
  mfaSetupToken: string | null;
  accessToken: string | null;
  refreshToken: string | null;
  expiresIn: number | null;
  tokenType: "Bearer" | null;
  user: AuthUser | null;
  /** Ours: set when the password expires within 14 days, so clients can warn. */
  passwordExpiresAt: string | null;
}

export function toAuthUser(user: User, org: Organization): AuthUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isOrgAdmin: user.is_org_admin,
    organizationId: org.id,
    organizationName: org.name,
    organizationSlug: org.slug,
    subscriptionTier: org.subscription_tier,
    mfaEnabled: user.mfa_enabled,
  };
}

export const EMPTY_LOGIN_RESPONSE: LoginResponse = {
  mfaRequired: false,
  mfaChallengeToken: null,
  mfaChallengeExpiresIn: null,
  passwordExpired: false,
  passwordChangeToken: null,
  mfaSetupRequired: false,
  mfaSetupToken: null,
  accessToken: null,
  refreshToken: null,
  expiresIn: null,
  tokenType: null,
  user: null,
  passwordExpiresAt: null,
};
