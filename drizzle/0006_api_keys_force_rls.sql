-- Owners bypass RLS unless it is forced (see 0002_app_role). API keys are
-- looked up inside the key's own tenant scope (the tenant id is part of the
-- key, src/lib/api-key-secret.ts), so no function or role needs to bypass it.
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
