-- OWASP ASVS 2.8.5: a TOTP code presented again within its window is refused,
-- audited, and its holder is mailed. The last step reported lets exactly one of
-- the requests replaying a code send that mail, however many raced, on any instance.
ALTER TABLE mfa_totp ADD COLUMN reuse_reported_step bigint;
