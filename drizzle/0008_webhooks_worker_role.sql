-- Owners bypass RLS unless it is forced (see 0002_app_role).
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE webhook_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- The delivery worker claims due deliveries of every tenant in one statement
-- (src/jobs/webhook-delivery.ts). It switches to this role for the claim only:
-- the webhook_deliveries policy lets this role (and no other) past the tenant
-- filter, and the role may read and update that one table and nothing else.
-- Reading the event and endpoint and recording the outcome happen in the
-- delivery's own tenant scope as crm_app. In production, grant it to the login
-- role the app (or the worker process) connects with:
--   GRANT crm_webhook_worker TO <login_role>;
DO $$
BEGIN
  CREATE ROLE crm_webhook_worker NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--> statement-breakpoint
GRANT crm_webhook_worker TO CURRENT_USER;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO crm_webhook_worker;
--> statement-breakpoint
GRANT SELECT, UPDATE ON webhook_deliveries TO crm_webhook_worker;
