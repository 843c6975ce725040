CREATE INDEX "accounts_tenant_updated_idx" ON "accounts" USING btree ("tenant_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "accounts_tenant_name_idx" ON "accounts" USING btree ("tenant_id","name","id");--> statement-breakpoint
CREATE INDEX "activities_tenant_updated_idx" ON "activities" USING btree ("tenant_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "contacts_tenant_updated_idx" ON "contacts" USING btree ("tenant_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "contacts_tenant_last_name_idx" ON "contacts" USING btree ("tenant_id","last_name","id");--> statement-breakpoint
CREATE INDEX "deals_tenant_updated_idx" ON "deals" USING btree ("tenant_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "deals_tenant_amount_idx" ON "deals" USING btree ("tenant_id","amount","id");--> statement-breakpoint
CREATE INDEX "deals_tenant_name_idx" ON "deals" USING btree ("tenant_id","name","id");--> statement-breakpoint
CREATE INDEX "leads_tenant_updated_idx" ON "leads" USING btree ("tenant_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "leads_tenant_last_name_idx" ON "leads" USING btree ("tenant_id","last_name","id");--> statement-breakpoint
CREATE INDEX "leads_tenant_score_idx" ON "leads" USING btree ("tenant_id","score","id");