-- Scaled out (issue #11): every instance keeps sessions, users' rights and
-- organizations in memory, so a change made anywhere must reach every memory.
-- These triggers send one NOTIFY on channel gatehouse_invalidate per change,
-- from inside the writer's own transaction. PostgreSQL delivers a NOTIFY at
-- commit and never for a rolled-back transaction, so a listener hears of a
-- revocation exactly when it becomes true. Any writer is covered: another
-- instance, the host CLI, an operator's SQL. Payloads (src/cluster/invalidation.ts):
--   s:<session id>   a session was revoked or deleted
--   u:<user id>      a user's active flag, admin right or email changed, or the user was deleted
--   o:<org id>       an organization changed or was deleted
--   k                the signing key set changed (rotation)
-- Identical payloads within one transaction are delivered once.

CREATE FUNCTION gatehouse_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gatehouse_invalidate', 's:' || OLD.id);
  RETURN NULL;
END $$;

-- Only the change that ends a session: refreshes (last_used_at, expires_at) stay silent.
CREATE TRIGGER sessions_revoked_notify AFTER UPDATE ON sessions
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION gatehouse_notify_session();
CREATE TRIGGER sessions_deleted_notify AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION gatehouse_notify_session();

CREATE FUNCTION gatehouse_notify_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gatehouse_invalidate', 'u:' || OLD.id);
  RETURN NULL;
END $$;

-- What a cached session carries of its user (src/features/sessions/repo.ts, findActivePrincipal).
CREATE TRIGGER users_rights_notify AFTER UPDATE ON users
  FOR EACH ROW WHEN (
    OLD.is_active IS DISTINCT FROM NEW.is_active
    OR OLD.is_org_admin IS DISTINCT FROM NEW.is_org_admin
    OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION gatehouse_notify_user();
CREATE TRIGGER users_deleted_notify AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION gatehouse_notify_user();

CREATE FUNCTION gatehouse_notify_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gatehouse_invalidate', 'o:' || OLD.id);
  RETURN NULL;
END $$;

CREATE TRIGGER organizations_changed_notify AFTER UPDATE OR DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION gatehouse_notify_organization();

CREATE FUNCTION gatehouse_notify_signing_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gatehouse_invalidate', 'k');
  RETURN NULL;
END $$;

CREATE TRIGGER signing_keys_changed_notify AFTER INSERT OR UPDATE OR DELETE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_signing_keys();
