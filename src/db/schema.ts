import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** Kysely's view of the tables in migrations/. Keep in step with the SQL. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  subscription_tier: Generated<string>;
  mfa_required: Generated<boolean>;
  password_min_length: Generated<number>;
  password_require_uppercase: Generated<boolean>;
  password_require_lowercase: Generated<boolean>;
  password_require_digit: Generated<boolean>;
  password_require_special_char: Generated<boolean>;
  password_expiration_days: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  password_changed_at: NullableTimestamp;
  must_change_password: Generated<boolean>;
  is_org_admin: Generated<boolean>;
  is_active: Generated<boolean>;
  mfa_enabled: Generated<boolean>;
  last_login_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MfaTotpTable {
  user_id: string;
  secret_enc: string;
  confirmed_at: NullableTimestamp;
  /** bigint column; always read through a ::int cast or compared in SQL. */
  last_used_step: ColumnType<string | number | null, number | null | undefined, number | null>;
  /** bigint: the last replayed step whose holder was told (ASVS 2.8.5). */
  reuse_reported_step: ColumnType<string | number | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  organization_id: string;
  ip_address: string | null;
  user_agent: string | null;
  mfa_verified_at: NullableTimestamp;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: Timestamp;
  rotated_at: NullableTimestamp;
}

export type LoginFlowKind = "mfa_challenge" | "password_change" | "mfa_setup";

export interface LoginFlowsTable {
  token_hash: string;
  kind: LoginFlowKind;
  user_id: string;
  organization_id: string;
  mfa_verified: Generated<boolean>;
  attempts: Generated<number>;
  ip_address: string | null;
  user_agent: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface SingleUseTokensTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface AuditLogsTable {
  id: Generated<string>;
  seq: ColumnType<number, never, never>;
  organization_id: string | null;
  event_type: string;
  actor_id: string | null;
  actor_email: string | null;
  actor_type: string;
  resource_type: string | null;
  resource_id: string | null;
  resource_name: string | null;
  result: "SUCCESS" | "FAILURE";
  ip_address: string | null;
  error_message: string | null;
  details: ColumnType<Record<string, unknown> | null, string | null, never>;
  organization_name: string | null;
  created_at: ColumnType<Date, never, never>;
}

export interface SigningKeysTable {
  kid: string;
  public_jwk: ColumnType<Record<string, unknown>, string, never>;
  private_key_enc: string;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
}

export interface AuthFailuresTable {
  key: string;
  failures: number;
  window_start: Date;
  locked_until: Date | null;
}

export interface DB {
  organizations: OrganizationsTable;
  users: UsersTable;
  mfa_totp: MfaTotpTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  login_flows: LoginFlowsTable;
  invitations: SingleUseTokensTable;
  password_resets: SingleUseTokensTable;
  audit_logs: AuditLogsTable;
  signing_keys: SigningKeysTable;
  auth_failures: AuthFailuresTable;
}

export type Organization = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type LoginFlow = Selectable<LoginFlowsTable>;
export type AuditLog = Selectable<AuditLogsTable>;
