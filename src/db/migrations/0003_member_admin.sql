-- Organization administration (issue #6).

-- Member listing pages by (created_at, id) inside one organization (keyset
-- pagination): this index answers every page with a range scan, however deep.
CREATE INDEX users_org_created_idx ON users (organization_id, created_at, id);

-- The last-admin rule counts an organization's active admins on every demotion,
-- deactivation and deletion; admins are few, so a partial index keeps that exact and cheap.
CREATE INDEX users_org_admins_idx ON users (organization_id) WHERE is_org_admin AND is_active;

-- Audit filters by actor inside an organization (case-insensitive, as the API matches it).
CREATE INDEX audit_logs_org_actor_idx ON audit_logs (organization_id, lower(actor_email), seq DESC);

-- Row triggers (0001) refuse UPDATE and DELETE, but TRUNCATE fires no row
-- trigger: refuse it with a statement trigger so the trail stays append-only.
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();
