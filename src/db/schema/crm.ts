import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, id, tenantId, tenantIsolation, timestamps } from './columns.ts';
import { users } from './users.ts';

const owner = () => uuid('owner_id').references(() => users.id, { onDelete: 'set null' });
const customFields = () => jsonb('custom_fields').$type<Record<string, unknown>>().notNull().default({});
/** Optimistic concurrency: bumped on every update; the ETag is derived from it. */
const version = () => integer('version').notNull().default(1);

export const leadStatuses = ['new', 'contacted', 'qualified', 'unqualified', 'converted'] as const;
export const dealStatuses = ['open', 'won', 'lost'] as const;
export const activityTypes = ['note', 'call', 'email', 'meeting', 'task'] as const;
export const relatedTypes = ['lead', 'contact', 'account', 'deal'] as const;
export const accountSizes = ['1-10', '11-50', '51-200', '201-1000', '1001-5000', '5000+'] as const;

/** The text `q` searches: one lower-cased column per table, trigram-indexed. */
const searchable = (expr: ReturnType<typeof sql>) => text('search').generatedAlwaysAs(expr);

export const accounts = pgTable(
  'accounts',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    domain: text('domain'),
    industry: text('industry'),
    size: text('size', { enum: accountSizes }),
    ownerId: owner(),
    customFields: customFields(),
    version: version(),
    search: searchable(sql`lower(name || ' ' || coalesce(domain, ''))`),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('accounts_tenant_domain_key').on(t.tenantId, sql`lower(${t.domain})`),
    index('accounts_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('accounts_tenant_owner_idx').on(t.tenantId, t.ownerId),
    index('accounts_tenant_updated_idx').on(t.tenantId, t.updatedAt, t.id),
    index('accounts_tenant_name_idx').on(t.tenantId, t.name, t.id),
    index('accounts_search_idx').using('gin', sql`${t.search} gin_trgm_ops`),
    tenantIsolation('accounts'),
  ],
).enableRLS();

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    tenantId: tenantId(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull(),
    email: text('email'),
    phone: text('phone'),
    title: text('title'),
    accountId: uuid('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    ownerId: owner(),
    notes: text('notes'),
    customFields: customFields(),
    version: version(),
    search: searchable(sql`lower(first_name || ' ' || last_name || ' ' || coalesce(email, ''))`),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('contacts_tenant_email_key').on(t.tenantId, sql`lower(${t.email})`),
    index('contacts_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('contacts_tenant_owner_idx').on(t.tenantId, t.ownerId),
    index('contacts_tenant_account_idx').on(t.tenantId, t.accountId),
    index('contacts_tenant_updated_idx').on(t.tenantId, t.updatedAt, t.id),
    index('contacts_tenant_last_name_idx').on(t.tenantId, t.lastName, t.id),
    index('contacts_search_idx').using('gin', sql`${t.search} gin_trgm_ops`),
    tenantIsolation('contacts'),
  ],
).enableRLS();

export const leads = pgTable(
  'leads',
  {
    id: id(),
    tenantId: tenantId(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull(),
    email: text('email'),
    phone: text('phone'),
    company: text('company'),
    title: text('title'),
    source: text('source'),
    status: text('status', { enum: leadStatuses }).notNull().default('new'),
    score: integer('score').notNull().default(0),
    ownerId: owner(),
    notes: text('notes'),
    customFields: customFields(),
    convertedAt: at('converted_at'),
    convertedContactId: uuid('converted_contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    version: version(),
    search: searchable(sql`lower(first_name || ' ' || last_name || ' ' || coalesce(email, '') || ' ' || coalesce(company, ''))`),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('leads_tenant_email_key').on(t.tenantId, sql`lower(${t.email})`),
    index('leads_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('leads_tenant_status_idx').on(t.tenantId, t.status, t.createdAt, t.id),
    index('leads_tenant_owner_idx').on(t.tenantId, t.ownerId, t.createdAt),
    index('leads_tenant_source_idx').on(t.tenantId, t.source),
    index('leads_tenant_updated_idx').on(t.tenantId, t.updatedAt, t.id),
    index('leads_tenant_last_name_idx').on(t.tenantId, t.lastName, t.id),
    index('leads_tenant_score_idx').on(t.tenantId, t.score, t.id),
    index('leads_search_idx').using('gin', sql`${t.search} gin_trgm_ops`),
    check('leads_score_range', sql`${t.score} between 0 and 100`),
    tenantIsolation('leads'),
  ],
).enableRLS();

export const pipelines = pgTable(
  'pipelines',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [index('pipelines_tenant_created_idx').on(t.tenantId, t.createdAt, t.id), tenantIsolation('pipelines')],
).enableRLS();

export const stages = pgTable(
  'stages',
  {
    id: id(),
    tenantId: tenantId(),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    probability: integer('probability').notNull(),
    ...timestamps(),
  },
  (t) => [
    index('stages_tenant_pipeline_idx').on(t.tenantId, t.pipelineId, t.position),
    check('stages_probability_range', sql`${t.probability} between 0 and 100`),
    tenantIsolation('stages'),
  ],
).enableRLS();

export const deals = pgTable(
  'deals',
  {
    id: id(),
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** Integer minor units of `currency` (cents for USD). */
    amount: bigint('amount', { mode: 'number' }).notNull().default(0),
    currency: text('currency').notNull().default('USD'),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id, { onDelete: 'restrict' }),
    stageId: uuid('stage_id')
      .notNull()
      .references(() => stages.id, { onDelete: 'restrict' }),
    expectedCloseDate: date('expected_close_date', { mode: 'string' }),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    accountId: uuid('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    ownerId: owner(),
    status: text('status', { enum: dealStatuses }).notNull().default('open'),
    lostReason: text('lost_reason'),
    closedAt: at('closed_at'),
    customFields: customFields(),
    version: version(),
    search: searchable(sql`lower(name)`),
    ...timestamps(),
  },
  (t) => [
    index('deals_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('deals_tenant_status_idx').on(t.tenantId, t.status, t.createdAt),
    index('deals_tenant_stage_idx').on(t.tenantId, t.pipelineId, t.stageId),
    index('deals_tenant_owner_idx').on(t.tenantId, t.ownerId),
    index('deals_tenant_account_idx').on(t.tenantId, t.accountId),
    index('deals_tenant_contact_idx').on(t.tenantId, t.contactId),
    index('deals_tenant_updated_idx').on(t.tenantId, t.updatedAt, t.id),
    index('deals_tenant_amount_idx').on(t.tenantId, t.amount, t.id),
    index('deals_tenant_name_idx').on(t.tenantId, t.name, t.id),
    index('deals_search_idx').using('gin', sql`${t.search} gin_trgm_ops`),
    check('deals_amount_nonnegative', sql`${t.amount} >= 0`),
    tenantIsolation('deals'),
  ],
).enableRLS();

export const activities = pgTable(
  'activities',
  {
    id: id(),
    tenantId: tenantId(),
    type: text('type', { enum: activityTypes }).notNull(),
    subject: text('subject').notNull(),
    body: text('body'),
    dueAt: at('due_at'),
    completedAt: at('completed_at'),
    relatedType: text('related_type', { enum: relatedTypes }),
    relatedId: uuid('related_id'),
    ownerId: owner(),
    version: version(),
    search: searchable(sql`lower(subject)`),
    ...timestamps(),
  },
  (t) => [
    index('activities_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
    index('activities_tenant_related_idx').on(t.tenantId, t.relatedType, t.relatedId, t.createdAt),
    index('activities_tenant_owner_idx').on(t.tenantId, t.ownerId, t.createdAt),
    index('activities_tenant_updated_idx').on(t.tenantId, t.updatedAt, t.id),
    // Overdue open tasks (GET /api/reports/activity): without it the report reads every activity of the tenant.
    index('activities_tenant_open_tasks_idx').on(t.tenantId, t.dueAt).where(sql`${t.type} = 'task' and ${t.completedAt} is null`),
    index('activities_search_idx').using('gin', sql`${t.search} gin_trgm_ops`),
    tenantIsolation('activities'),
  ],
).enableRLS();

export const customFieldTypes = ['text', 'number', 'date', 'boolean', 'select', 'multiselect', 'url', 'email'] as const;
export const customFieldResources = ['leads', 'contacts', 'accounts', 'deals'] as const;

export const customFieldDefinitions = pgTable(
  'custom_field_definitions',
  {
    id: id(),
    tenantId: tenantId(),
    resource: text('resource', { enum: customFieldResources }).notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    type: text('type', { enum: customFieldTypes }).notNull(),
    options: jsonb('options').$type<string[]>(),
    required: boolean('required').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('custom_field_definitions_key').on(t.tenantId, t.resource, t.key), tenantIsolation('custom_field_definitions')],
).enableRLS();

/** Stored responses for Idempotency-Key replays (24 h). */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: id(),
    tenantId: tenantId(),
    /** The credential (user or API key id) and route the key is scoped to. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['running', 'done'] })
      .notNull()
      .default('running'),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    responseHeaders: jsonb('response_headers').$type<Record<string, string>>(),
    createdAt: at('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_scope_key').on(t.tenantId, t.scope, t.key),
    index('idempotency_keys_expires_idx').on(t.expiresAt),
    tenantIsolation('idempotency_keys'),
  ],
).enableRLS();
