import type { RouteHandler } from '@hono/zod-openapi';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import { activities, contacts, leads } from '../../db/schema/index.ts';
import { audit } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/context.ts';
import type * as routes from './privacy.routes.ts';

interface Redaction {
  row_id: string;
  row_seq: number | string;
  original_hash: string;
  redacted_hash: string;
}

/** A JS string array as a Postgres text[] parameter, the same way on every driver. */
const textArray = (values: string[]) => sql`array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

/**
 * What identifies the person in audit diffs: strings containing the email or
 * a full name are erased anywhere; strings equal to a first or last name only
 * in the rows audit_redact picks (about the erased records, or holding the
 * email or a full name), so another "Ann" elsewhere in the log keeps hers.
 */
export function redactionTerms(email: string, people: { firstName: string; lastName: string }[]) {
  const contains = new Set([email]);
  const equals = new Set<string>();
  for (const p of people) {
    const full = `${p.firstName} ${p.lastName}`.trim().toLowerCase();
    if (p.firstName && p.lastName) contains.add(full);
    for (const part of [full, p.firstName.toLowerCase(), p.lastName.toLowerCase()]) if (part) equals.add(part);
  }
  return { contains: [...contains], equals: [...equals] };
}

/** The activities of the erased records of one type (none when there are none). */
const activitiesOf = (type: 'lead' | 'contact', records: { id: string }[]) =>
  records.length
    ? and(
        eq(activities.relatedType, type),
        inArray(
          activities.relatedId,
          records.map((r) => r.id),
        ),
      )
    : undefined;

export const erase: RouteHandler<typeof routes.erase, AppEnv> = async (c) => {
  const email = c.req.valid('json').email.trim().toLowerCase();
  const result = await c.get('tenantDb').transaction(async (s) => {
    const erasedLeads = await s
      .delete(leads, eq(sql`lower(${leads.email})`, email))
      .returning({ id: leads.id, firstName: leads.firstName, lastName: leads.lastName });
    const erasedContacts = await s
      .delete(contacts, eq(sql`lower(${contacts.email})`, email))
      .returning({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName });
    const related = or(activitiesOf('lead', erasedLeads), activitiesOf('contact', erasedContacts));
    const erasedActivities = related ? await s.delete(activities, related).returning({ id: activities.id }) : [];

    const people = [...erasedLeads, ...erasedContacts];
    const { contains, equals } = redactionTerms(email, people);
    const resourceIds = [...people, ...erasedActivities].map((r) => r.id);
    // The one sanctioned way to change audit history (SECURITY DEFINER, this tenant only).
    const redactions = rowsOf<Redaction>(
      await s.q.execute(sql`select * from audit_redact(${textArray(resourceIds)}, ${textArray(contains)}, ${textArray(equals)})`),
    );
    const erased = { leads: erasedLeads.length, contacts: erasedContacts.length, activities: erasedActivities.length, auditRowsRedacted: redactions.length };
    // No email or name here: the event names records by id and proves each redaction by its hashes.
    await audit(c, s, {
      action: 'privacy.erased',
      resourceType: 'privacy',
      changes: {
        erased,
        leadIds: erasedLeads.map((r) => r.id),
        contactIds: erasedContacts.map((r) => r.id),
        redactions: redactions.map((r) => ({ id: r.row_id, seq: Number(r.row_seq), original: r.original_hash, redacted: r.redacted_hash })),
      },
    });
    return erased;
  });
  return c.json({ data: { email, erased: result } }, 200);
};
