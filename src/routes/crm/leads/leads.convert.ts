import { createRoute, type RouteHandler, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { accounts, contacts, deals, leads, type Role } from '../../../db/schema/index.ts';
import type { Scoped } from '../../../db/scoped.ts';
import { allows, ownRecordsOnly } from '../../../lib/access.ts';
import { audit } from '../../../lib/audit.ts';
import type { AppEnv } from '../../../lib/context.ts';
import { ApiError, notFound } from '../../../lib/errors.ts';
import { emitEvent } from '../../../lib/events.ts';
import { dataEnvelope, errorResponses, jsonBody, jsonContent, uuidParam } from '../../../lib/openapi.ts';
import { reserve } from '../../../lib/plan-limits.ts';
import { authorize } from '../../../middleware/authorize.ts';
import { prepareDeal } from '../deals/deals.prepare.ts';
import { amountField, currencyField, dealName, dealSchema } from '../deals/deals.schemas.ts';
import { domainField, idField, optionalText } from '../shared/fields.ts';
import { checkIfMatch, toApi } from '../shared/records.ts';
import { diff } from '../shared/resource.ts';
import { leadSchema } from './leads.schemas.ts';

/** Roles that may change only leads (and contacts) they own; the leads resource uses the same list. */
export const leadOwnOnlyRoles: Role[] = ['sales_user'];

const convertLeadSchema = z
  .strictObject({
    account: z
      .union([
        z.strictObject({ id: idField }),
        z.strictObject({ name: z.string().trim().min(1).max(200), domain: domainField.nullable().optional(), industry: optionalText(100) }),
      ])
      .optional()
      .openapi({ description: '`{ id }` links an existing account; `{ name, ... }` creates one (needs accounts write)' }),
    deal: z
      .strictObject({ name: dealName, amount: amountField, currency: currencyField, pipelineId: idField.optional(), stageId: idField.optional() })
      .optional()
      .openapi({ description: 'Creates a deal for the contact/account (needs deals write); pipeline and stage default as on POST /api/deals' }),
  })
  .openapi('ConvertLead', {
    example: { account: { name: 'Globex', domain: 'globex.example' }, deal: { name: 'Globex pilot', amount: 500_000, currency: 'USD' } },
  });

const record = z.record(z.string(), z.unknown());
const convertedSchema = z.object({ lead: leadSchema, contact: record, account: record.optional(), deal: dealSchema.optional() }).openapi('ConvertedLead');

export const convertRoute = createRoute({
  method: 'post',
  path: '/{id}/convert',
  tags: ['Leads'],
  summary: 'Convert a lead into a contact, optionally with an account and a deal',
  description:
    'One transaction: creates a contact from the lead (or links the existing contact with the same email), optionally creates or links an account ' +
    '(set on a new contact, or on a linked one that has none) and creates a deal, then marks the lead `converted`. ' +
    'A lead converts once (409 afterwards). Send `If-Match` with the lead’s ETag to convert only the version you read.',
  middleware: [authorize('leads', 'write'), authorize('contacts', 'write')] as const,
  request: { params: uuidParam, body: jsonBody(convertLeadSchema) },
  responses: {
    201: jsonContent(dataEnvelope(convertedSchema), 'The converted lead and the records created or linked'),
    ...errorResponses(400, 401, 403, 404, 409, 412, 422),
  },
});

type LeadRow = typeof leads.$inferSelect;
type ConvertBody = z.infer<typeof convertLeadSchema>;

const forbidden = (message: string) => new ApiError('insufficient_permissions', message);

/** Validation errors of a nested part name their field from the body root (`deal.stageId`). */
async function within<T>(prefix: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'validation_error' || !err.details) throw err;
    const details = err.details.map((d) => ({ ...d, field: `${prefix}.${d.field}` }));
    throw new ApiError('validation_error', `${prefix}.${err.message}`, details);
  }
}

type ContactRow = typeof contacts.$inferSelect;

/** The tenant's contact with the lead's email, which conversion links instead of creating a duplicate. */
async function matchingContact(s: Scoped, lead: LeadRow): Promise<ContactRow | undefined> {
  if (!lead.email) return undefined;
  const [match] = await s.select(contacts, { where: sql`lower(${contacts.email}) = ${lead.email.toLowerCase()}`, limit: 1 });
  return match;
}

/** The contact the lead becomes: the matching one (given the account if it has none), else a new one. */
async function contactFor(c: Context<AppEnv>, s: Scoped, lead: LeadRow, match: ContactRow | undefined, ownerId: string | null, accountId: string | undefined) {
  if (!match) {
    const { firstName, lastName, email, phone, title, notes } = lead;
    const [created] = await s.insert(contacts, { firstName, lastName, email, phone, title, notes, ownerId, accountId }).returning();
    if (!created) throw new Error('contact insert returned nothing');
    await audit(c, s, { action: 'contact.created', resourceType: 'contact', resourceId: created.id, changes: { after: toApi(created) } });
    await emitEvent(s, 'contact.created', toApi(created));
    return created;
  }
  // Only if the caller may change that contact (own-only roles: their own contacts).
  const principal = c.get('principal');
  const mayChange = !ownRecordsOnly(principal, leadOwnOnlyRoles) || match.ownerId === principal.userId;
  if (!accountId || match.accountId || !mayChange) return match;
  const [updated] = await s
    .update(contacts, { accountId, version: match.version + 1, updatedAt: new Date() }, and(eq(contacts.id, match.id), eq(contacts.version, match.version)))
    .returning();
  if (!updated) throw new ApiError('conflict', 'The matching contact changed during the conversion; retry');
  await audit(c, s, { action: 'contact.updated', resourceType: 'contact', resourceId: match.id, changes: diff(match, updated) });
  await emitEvent(s, 'contact.updated', toApi(updated));
  return updated;
}

async function accountFor(c: Context<AppEnv>, s: Scoped, input: NonNullable<ConvertBody['account']>, ownerId: string | null) {
  if ('id' in input) {
    const [linked] = await s.select(accounts, { where: eq(accounts.id, input.id), limit: 1 });
    if (!linked) throw new ApiError('validation_error', 'id does not exist', [{ field: 'id', message: 'no such record in this tenant' }]);
    return linked;
  }
  if (input.domain) {
    const [taken] = await s.select(accounts, { where: sql`lower(${accounts.domain}) = ${input.domain}`, limit: 1 });
    if (taken) {
      throw new ApiError('conflict', `An account with domain ${input.domain} already exists; link it with { "id": "${taken.id}" }`, [
        { field: 'account.domain', message: 'already used by another account' },
      ]);
    }
  }
  const [created] = await s.insert(accounts, { ...input, ownerId }).returning();
  if (!created) throw new Error('account insert returned nothing');
  await audit(c, s, { action: 'account.created', resourceType: 'account', resourceId: created.id, changes: { after: toApi(created) } });
  await emitEvent(s, 'account.created', toApi(created));
  return created;
}

export const convertLead: RouteHandler<typeof convertRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const principal = c.get('principal');
  if (body.deal && !allows(principal, 'deals', 'write')) throw forbidden('Your role cannot write deals');
  if (body.account && !('id' in body.account) && !allows(principal, 'accounts', 'write')) {
    throw forbidden('Your role cannot create accounts; link an existing one with { "id": ... }');
  }

  const result = await c.get('tenantDb').transaction(async (s) => {
    const [lead] = await s.select(leads, { where: eq(leads.id, id), limit: 1 });
    if (!lead) throw notFound('Lead');
    if (ownRecordsOnly(principal, leadOwnOnlyRoles) && lead.ownerId !== principal.userId) {
      throw forbidden('Your role can convert only leads you own');
    }
    if (lead.status === 'converted') throw new ApiError('conflict', 'This lead is already converted');
    checkIfMatch(c, lead);
    const match = await matchingContact(s, lead);
    // A new contact counts against the plan's leads + contacts limit. Reserving takes the tenant lock,
    // before any row lock as in every other leads/contacts write, so the two cannot deadlock.
    if (!match) await reserve(s, 'leadsAndContacts');
    // Claim the lead: a concurrent conversion waits here and then finds nothing to claim.
    const [claimed] = await s
      .update(
        leads,
        { status: 'converted', convertedAt: new Date(), version: lead.version + 1, updatedAt: new Date() },
        and(eq(leads.id, id), eq(leads.version, lead.version)),
      )
      .returning({ id: leads.id });
    if (!claimed) throw new ApiError('conflict', 'The lead was converted or changed by another request; re-read it');

    const ownerId = lead.ownerId ?? principal.userId;
    const account = body.account ? await within('account', () => accountFor(c, s, body.account as NonNullable<ConvertBody['account']>, ownerId)) : undefined;
    const contact = await contactFor(c, s, lead, match, ownerId, account?.id);
    let deal: typeof deals.$inferSelect | undefined;
    if (body.deal) {
      const input = { ...body.deal, contactId: contact.id, accountId: account?.id ?? contact.accountId, ownerId };
      const values = await within('deal', () => prepareDeal({ s, input, existing: null }));
      [deal] = await s.insert(deals, values as typeof deals.$inferInsert).returning();
      if (!deal) throw new Error('deal insert returned nothing');
      await audit(c, s, { action: 'deal.created', resourceType: 'deal', resourceId: deal.id, changes: { after: toApi(deal) } });
      await emitEvent(s, 'deal.created', toApi(deal));
    }

    const [converted] = await s.update(leads, { convertedContactId: contact.id }, eq(leads.id, id)).returning();
    if (!converted) throw new Error('lead update returned nothing');
    await audit(c, s, {
      action: 'lead.converted',
      resourceType: 'lead',
      resourceId: id,
      changes: { ...diff(lead, converted), links: { contactId: contact.id, accountId: account?.id ?? null, dealId: deal?.id ?? null } },
    });
    const outcome = {
      lead: toApi(converted),
      contact: toApi(contact),
      ...(account && { account: toApi(account) }),
      ...(deal && { deal: toApi(deal) }),
    };
    await emitEvent(s, 'lead.converted', outcome);
    return outcome;
  });
  c.header('Location', `/api/contacts/${(result.contact as { id: string }).id}`);
  return c.json({ data: result } as never, 201);
};
