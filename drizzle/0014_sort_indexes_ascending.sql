-- Plain ascending sort indexes: one index serves both directions (forward for ASC, backward for DESC, with
-- Postgres' default NULLS placement that src/lib/pagination.ts orders by). The .desc() ones were DESC NULLS LAST,
-- which no ORDER BY the helper sends matches, so a large tenant's default list sorted the whole tenant.
DROP INDEX "users_tenant_created_idx";--> statement-breakpoint
DROP INDEX "audit_logs_tenant_created_idx";--> statement-breakpoint
DROP INDEX "security_events_tenant_created_idx";--> statement-breakpoint
DROP INDEX "accounts_tenant_created_idx";--> statement-breakpoint
DROP INDEX "activities_tenant_created_idx";--> statement-breakpoint
DROP INDEX "activities_tenant_related_idx";--> statement-breakpoint
DROP INDEX "activities_tenant_owner_idx";--> statement-breakpoint
DROP INDEX "contacts_tenant_created_idx";--> statement-breakpoint
DROP INDEX "deals_tenant_created_idx";--> statement-breakpoint
DROP INDEX "deals_tenant_status_idx";--> statement-breakpoint
DROP INDEX "leads_tenant_created_idx";--> statement-breakpoint
DROP INDEX "leads_tenant_status_idx";--> statement-breakpoint
DROP INDEX "leads_tenant_owner_idx";--> statement-breakpoint
DROP INDEX "pipelines_tenant_created_idx";--> statement-breakpoint
DROP INDEX "api_keys_tenant_created_idx";--> statement-breakpoint
DROP INDEX "webhook_deliveries_endpoint_created_idx";--> statement-breakpoint
DROP INDEX "webhook_endpoints_tenant_created_idx";--> statement-breakpoint
DROP INDEX "webhook_events_tenant_created_idx";--> statement-breakpoint
CREATE INDEX "users_tenant_created_idx" ON "users" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "audit_logs_tenant_created_idx" ON "audit_logs" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "security_events_tenant_created_idx" ON "security_events" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "accounts_tenant_created_idx" ON "accounts" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "activities_tenant_created_idx" ON "activities" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "activities_tenant_related_idx" ON "activities" USING btree ("tenant_id","related_type","related_id","created_at");--> statement-breakpoint
CREATE INDEX "activities_tenant_owner_idx" ON "activities" USING btree ("tenant_id","owner_id","created_at");--> statement-breakpoint
CREATE INDEX "contacts_tenant_created_idx" ON "contacts" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "deals_tenant_created_idx" ON "deals" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "deals_tenant_status_idx" ON "deals" USING btree ("tenant_id","status","created_at");--> statement-breakpoint
CREATE INDEX "leads_tenant_created_idx" ON "leads" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "leads_tenant_status_idx" ON "leads" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "leads_tenant_owner_idx" ON "leads" USING btree ("tenant_id","owner_id","created_at");--> statement-breakpoint
CREATE INDEX "pipelines_tenant_created_idx" ON "pipelines" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "api_keys_tenant_created_idx" ON "api_keys" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_endpoint_created_idx" ON "webhook_deliveries" USING btree ("tenant_id","endpoint_id","created_at","id");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_tenant_created_idx" ON "webhook_endpoints" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "webhook_events_tenant_created_idx" ON "webhook_events" USING btree ("tenant_id","created_at");