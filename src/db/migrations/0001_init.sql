-- Gatehouse schema. Runs unchanged on PostgreSQL 15+ and PGlite.

CREATE TABLE organizations (
  id                            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                          text NOT NULL,
  slug                          text NOT NULL UNIQUE,
  subscription_tier             text NOT NULL DEFAULT 'FREE',
  mfa_required                  boolean NOT NULL DEFAULT false,
  password_min_length           integer NOT NULL DEFAULT 8 CHECK (password_min_length BETWEEN 8 AND 128),
  password_require_uppercase    boolean NOT NULL DEFAULT true,
  password_require_lowercase    boolean NOT NULL DEFAULT true,
  password_require_digit        boolean NOT NULL DEFAULT true,
  password_require_special_char boolean NOT NULL DEFAULT false,
  password_expiration_days      integer CHECK (password_expiration_days BETWEEN 1 AND 365),
  created_at                    timestamptz NOT NULL DEFAULT now(),
  updated_at                    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id      uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email                text NOT NULL,
  name                 text,
  password_hash        text,
  password_changed_at  timestamptz,
  must_change_password boolean NOT NULL DEFAULT false,
  is_org_admin         boolean NOT NULL DEFAULT false,
  is_active            boolean NOT NULL DEFAULT true,
  mfa_enabled          boolean NOT NULL DEFAULT false,
  last_login_at        timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique per organization, case-insensitively; login looks users up by this index.
CREATE UNIQUE INDEX users_org_email_key ON users (organization_id, lower(email));

CREATE TABLE mfa_totp (
  user_id        uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_enc     text NOT NULL,
  confirmed_at   timestamptz,
  -- Highest accepted RFC 6238 time step: a code is accepted only for a later step (replay protection).
  last_used_step bigint,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recovery_codes (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);

CREATE TABLE sessions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  ip_address      text,
  user_agent      text,
  mfa_verified_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_used_at    timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  revoked_at      timestamptz,
  revoked_reason  text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- One row per issued refresh token; a session is a rotation family.
CREATE TABLE refresh_tokens (
  token_hash  text PRIMARY KEY,
  session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  rotated_at  timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Single-purpose intermediate tokens of the sign-in state machine.
CREATE TABLE login_flows (
  token_hash      text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('mfa_challenge', 'password_change', 'mfa_setup')),
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  mfa_verified    boolean NOT NULL DEFAULT false,
  attempts        integer NOT NULL DEFAULT 0,
  ip_address      text,
  user_agent      text,
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_flows_user_idx ON login_flows (user_id);

CREATE TABLE invitations (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_user_idx ON invitations (user_id);

CREATE TABLE password_resets (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE audit_logs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Insertion order: ties in created_at are common, and paging needs a total order.
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  -- Not a foreign key: the trail outlives deleted users and stays append-only.
  organization_id   uuid,
  event_type        text NOT NULL,
  actor_id          uuid,
  actor_email       text,
  actor_type        text NOT NULL,
  resource_type     text,
  resource_id       text,
  resource_name     text,
  result            text NOT NULL CHECK (result IN ('SUCCESS', 'FAILURE')),
  ip_address        text,
  error_message     text,
  details           jsonb,
  organization_name text,
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_logs_org_seq_idx ON audit_logs (organization_id, seq DESC);

-- The audit trail is append-only: refuse UPDATE and DELETE at the database, so no bug can rewrite history.
CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only';
END;
$$;
CREATE TRIGGER audit_logs_no_update BEFORE UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();

CREATE TABLE signing_keys (
  kid             text PRIMARY KEY,
  public_jwk      jsonb NOT NULL,
  private_key_enc text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  retired_at      timestamptz
);
