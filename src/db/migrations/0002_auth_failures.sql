-- Failure counters for the abuse limits (DESIGN.md, "Abuse limits"): one row per
-- key (an account, a client IP, an MFA subject), updated by atomic upserts.
CREATE TABLE auth_failures (
  key          text PRIMARY KEY,
  failures     integer NOT NULL,
  window_start timestamptz NOT NULL,
  locked_until timestamptz
);
