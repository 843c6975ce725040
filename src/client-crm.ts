import type { z } from '@hono/zod-openapi';
import type { StatusCode } from 'hono/utils/http-status';
import type { errorSchema } from './lib/openapi.ts';
import type { paginationSchema } from './lib/pagination.ts';
import type { accountSchema, createAccountSchema, updateAccountSchema } from './routes/crm/accounts/accounts.schemas.ts';
import type { activitySchema, createActivitySchema, updateActivitySchema } from './routes/crm/activities/activities.schemas.ts';
import type { contactSchema, createContactSchema, updateContactSchema } from './routes/crm/contacts/contacts.schemas.ts';
import type { createDealSchema, dealSchema, updateDealSchema } from './routes/crm/deals/deals.schemas.ts';
import type { createLeadSchema, leadSchema, updateLeadSchema } from './routes/crm/leads/leads.schemas.ts';

/**
 * Client types of the CRM resources built by crmResource()
 * (src/routes/crm/shared/resource.ts). That factory returns an untyped
 * router, so the five routes it always creates are described here from the
 * same zod schemas that validate them: keep in step with the factory.
 */
export type ApiError = z.output<typeof errorSchema>;
type Pagination = z.output<typeof paginationSchema>;

type Json<Output, Status extends StatusCode> = { output: Output; outputFormat: 'json'; status: Status };
type Failure<Status extends StatusCode> = Json<ApiError, Status>;
/** One endpoint per possible response, as hono/client expects. */
type Endpoint<Input, Responses> = Responses extends unknown ? { input: Input } & Responses : never;

/** List filters differ per resource (see /docs); the common ones are named. */
export type ListQuery = {
  limit?: string;
  cursor?: string;
  sort?: string;
  q?: string;
  include?: 'total';
} & Record<string, string | undefined>;

type IdParam = { param: { id: string } };
type WriteHeaders = { header?: { 'Idempotency-Key'?: string; 'If-Match'?: string } };

export type CrmResourceSchema<Path extends string, Schemas extends { record: z.ZodType; create: z.ZodType; update: z.ZodType }> = {
  [P in Path]: {
    $get: Endpoint<{ query?: ListQuery }, Json<{ data: z.output<Schemas['record']>[]; pagination: Pagination }, 200> | Failure<400 | 401 | 403>>;
    $post: Endpoint<
      { json: z.input<Schemas['create']> } & WriteHeaders,
      Json<{ data: z.output<Schemas['record']> }, 201> | Failure<400 | 401 | 402 | 403 | 409 | 422>
    >;
  };
} & {
  [P in `${Path}/:id`]: {
    $get: Endpoint<IdParam, Json<{ data: z.output<Schemas['record']> & { recentActivities?: Record<string, unknown>[] } }, 200> | Failure<400 | 401 | 403 | 404>>;
    $patch: Endpoint<
      IdParam & { json: z.input<Schemas['update']> } & WriteHeaders,
      Json<{ data: z.output<Schemas['record']> }, 200> | Failure<400 | 401 | 403 | 404 | 409 | 412>
    >;
    $delete: Endpoint<IdParam, { output: null; outputFormat: 'body'; status: 204 } | Failure<400 | 401 | 403 | 404 | 412>>;
  };
};

export type CrmSchema = CrmResourceSchema<'/api/leads', { record: typeof leadSchema; create: typeof createLeadSchema; update: typeof updateLeadSchema }> &
  CrmResourceSchema<'/api/contacts', { record: typeof contactSchema; create: typeof createContactSchema; update: typeof updateContactSchema }> &
  CrmResourceSchema<'/api/accounts', { record: typeof accountSchema; create: typeof createAccountSchema; update: typeof updateAccountSchema }> &
  CrmResourceSchema<'/api/deals', { record: typeof dealSchema; create: typeof createDealSchema; update: typeof updateDealSchema }> &
  CrmResourceSchema<'/api/activities', { record: typeof activitySchema; create: typeof createActivitySchema; update: typeof updateActivitySchema }>;
