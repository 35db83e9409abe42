import type { Member } from "./repo.js";

/** EntryGuard's UserResponse; the key order is the contract's. */
export interface UserResponse {
  id: string;
  email: string;
  name: string | null;
  isOrgAdmin: boolean;
  platformRole: "CUSTOMER";
  isActive: boolean;
  mfaEnabled: boolean;
  lastLoginAt: string | null;
  roleNames: string[];
  createdAt: string;
  updatedAt: string;
}

export function toUserResponse(user: Member): UserResponse {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isOrgAdmin: user.is_org_admin,
    // Gatehouse has no platform operators or custom roles: every account is a customer with none.
    platformRole: "CUSTOMER",
    isActive: user.is_active,
    mfaEnabled: user.mfa_enabled,
    lastLoginAt: user.last_login_at?.toISOString() ?? null,
    roleNames: [],
    createdAt: user.created_at.toISOString(),
    updatedAt: user.updated_at.toISOString(),
  };
}
