import type { Organization, OrganizationUpdate } from "../../db/schema.js";

/** EntryGuard's settings fields and the columns behind them. */
export const SETTINGS_COLUMNS = {
  mfaRequired: "mfa_required",
  passwordMinLength: "password_min_length",
  passwordRequireUppercase: "password_require_uppercase",
  passwordRequireLowercase: "password_require_lowercase",
  passwordRequireDigit: "password_require_digit",
  passwordRequireSpecialChar: "password_require_special_char",
  passwordExpirationDays: "password_expiration_days",
} as const satisfies Record<string, keyof Organization>;

export type SettingsField = keyof typeof SETTINGS_COLUMNS;

export interface OrganizationSettings {
  id: string;
  name: string;
  subscriptionTier: string;
  mfaRequired: boolean;
  passwordMinLength: number;
  passwordRequireUppercase: boolean;
  passwordRequireLowercase: boolean;
  passwordRequireDigit: boolean;
  passwordRequireSpecialChar: boolean;
  passwordExpirationDays: number | null;
}

export type SettingsPatch = Partial<Pick<OrganizationSettings, SettingsField>>;

export function toSettings(org: Organization): OrganizationSettings {
  return {
    id: org.id,
    name: org.name,
    subscriptionTier: org.subscription_tier,
    mfaRequired: org.mfa_required,
    passwordMinLength: org.password_min_length,
    passwordRequireUppercase: org.password_require_uppercase,
    passwordRequireLowercase: org.password_require_lowercase,
    passwordRequireDigit: org.password_require_digit,
    passwordRequireSpecialChar: org.password_require_special_char,
    passwordExpirationDays: org.password_expiration_days,
  };
}

/** The fields a patch actually changes, with before and after values (for the update and its audit row). */
export function diffSettings(org: Organization, patch: SettingsPatch): {
  update: OrganizationUpdate;
  changes: Record<string, { before: unknown; after: unknown }>;
} {
  const current = toSettings(org);
  const update: Record<string, unknown> = {};
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const field of Object.keys(SETTINGS_COLUMNS) as SettingsField[]) {
    if (!(field in patch)) continue;
    const after = patch[field];
    if (after === undefined || after === current[field]) continue;
    update[SETTINGS_COLUMNS[field]] = after;
    changes[field] = { before: current[field], after };
  }
  return { update: update as OrganizationUpdate, changes };
}
