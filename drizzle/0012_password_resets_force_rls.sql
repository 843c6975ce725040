-- Owners bypass RLS unless it is forced (see 0002_app_role). Reset tokens are
-- looked up inside the tenant the token names (pwr_<tenantId>.<secret>), so
-- nothing needs to read this table across tenants.
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
