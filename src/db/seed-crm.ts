import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';

export interface CrmSeedSize {
  accounts: number;
  contacts: number;
  leads: number;
  deals: number;
  activities: number;
}

/** Proportions used by `--scale`: per 1,000 leads, 500 contacts, 100 accounts, 200 deals, 1,000 activities. */
export const scaledSize = (leads: number): CrmSeedSize => ({
  leads,
  contacts: Math.ceil(leads / 2),
  accounts: Math.ceil(leads / 10),
  deals: Math.ceil(leads / 5),
  activities: leads,
});

const FIRST = sql`array['Ada','Grace','Alan','Katherine','Linus','Margaret','Dennis','Barbara','Ken','Frances','Edsger','Radia','Tim','Hedy','John','Annie','Claude','Joan','Donald','Sophie']`;
const LAST = sql`array['Lovelace','Hopper','Turing','Johnson','Torvalds','Hamilton','Ritchie','Liskov','Thompson','Allen','Dijkstra','Perlman','Berners-Lee','Lamarr','McCarthy','Easley','Shannon','Clarke','Knuth','Wilson']`;
const COMPANY = sql`array['Initech','Globex','Umbrella','Hooli','Stark Industries','Wayne Enterprises','Cyberdyne','Soylent','Tyrell','Wonka','Aperture','Black Mesa','Vandelay','Massive Dynamic','Oscorp']`;
const SOURCE = sql`array['web','referral','event','cold_call','partner','ads']`;
const INDUSTRY = sql`array['software','manufacturing','finance','healthcare','retail','education','logistics']`;
const SIZE = sql`array['1-10','11-50','51-200','201-1000','1001-5000','5000+']`;
const LEAD_STATUS = sql`array['new','new','contacted','contacted','qualified','unqualified']`;
const ACTIVITY = sql`array['note','call','email','meeting','task']`;
const pick = (arr: ReturnType<typeof sql>, i: ReturnType<typeof sql>) => sql`(${arr})[1 + (${i}) % array_length(${arr}, 1)]`;

/**
 * Realistic CRM data for one tenant, generated inside Postgres (generate_series),
 * so a million rows load in minutes. Runs through the app role with the tenant
 * set, like any request: RLS applies to the seed too.
 */
export async function seedCrm(db: Database, tenantId: string, size: CrmSeedSize, seed = 0): Promise<void> {
  await db.transaction(tenantId, async (q) => {
    const users = sql`(select array_agg(id order by created_at, id) from users where status = 'active')`;
    const owner = (i: ReturnType<typeof sql>) => sql`(${users})[1 + (${i}) % greatest(array_length(${users}, 1), 1)]`;
    // Spread creation times over the last year so date filters and sorting have something to work with.
    const created = (i: ReturnType<typeof sql>) => sql`now() - ((${i} * 7919 + ${seed}) % 525600) * interval '1 minute'`;

    await q.execute(sql`
      insert into accounts (tenant_id, name, domain, industry, size, owner_id, created_at, updated_at)
      select ${tenantId}, ${pick(COMPANY, sql`i`)} || ' ' || i, 'acct' || i || '-' || ${seed} || '.example', ${pick(INDUSTRY, sql`i`)}, ${pick(SIZE, sql`i`)},
             ${owner(sql`i`)}, ${created(sql`i`)}, ${created(sql`i`)}
      from generate_series(1, ${size.accounts}) i`);
    await q.execute(sql`
      insert into contacts (tenant_id, first_name, last_name, email, phone, title, account_id, owner_id, created_at, updated_at)
      select ${tenantId}, ${pick(FIRST, sql`i`)}, ${pick(LAST, sql`i / 20`)}, 'contact' || i || '@' || 'c' || ${seed} || '.example',
             '+1 555 ' || lpad((i % 10000)::text, 4, '0'), 'Head of ' || ${pick(INDUSTRY, sql`i`)},
             (select id from accounts order by created_at, id offset (i % greatest(${size.accounts}, 1)) limit 1),
             ${owner(sql`i`)}, ${created(sql`i`)}, ${created(sql`i`)}
      from generate_series(1, ${size.contacts}) i`);
    await q.execute(sql`
      insert into leads (tenant_id, first_name, last_name, email, company, title, source, status, score, owner_id, created_at, updated_at)
      select ${tenantId}, ${pick(FIRST, sql`i + 3`)}, ${pick(LAST, sql`i / 7`)}, 'lead' || i || '@' || 'l' || ${seed} || '.example',
             ${pick(COMPANY, sql`i`)}, 'Manager', ${pick(SOURCE, sql`i`)}, ${pick(LEAD_STATUS, sql`i`)}, (i * 37) % 101,
             ${owner(sql`i`)}, ${created(sql`i`)}, ${created(sql`i`)}
      from generate_series(1, ${size.leads}) i`);

    await q.execute(sql`insert into pipelines (tenant_id, name, is_default) values (${tenantId}, 'Sales', true), (${tenantId}, 'Renewals', false)`);
    await q.execute(sql`
      insert into stages (tenant_id, pipeline_id, name, position, probability)
      select ${tenantId}, p.id, s.name, s.position, s.probability
      from pipelines p
      cross join lateral (values ('Prospecting', 1, 10), ('Qualification', 2, 25), ('Proposal', 3, 50), ('Negotiation', 4, 75), ('Closing', 5, 90)) s(name, position, probability)`);
    await q.execute(sql`
      insert into deals (tenant_id, name, amount, currency, pipeline_id, stage_id, expected_close_date, contact_id, account_id, owner_id, status, lost_reason, closed_at, created_at, updated_at)
      select ${tenantId}, ${pick(COMPANY, sql`i`)} || ' deal ' || i, ((i * 7907) % 500000) * 100, case when i % 5 = 0 then 'EUR' else 'USD' end,
             st.pipeline_id, st.id, (current_date + ((i % 180) - 60))::date,
             (select id from contacts order by created_at, id offset (i % greatest(${size.contacts}, 1)) limit 1),
             (select id from accounts order by created_at, id offset (i % greatest(${size.accounts}, 1)) limit 1),
             ${owner(sql`i`)}, s.status, case when s.status = 'lost' then 'Budget' end, case when s.status <> 'open' then now() end,
             ${created(sql`i`)}, ${created(sql`i`)}
      from generate_series(1, ${size.deals}) i
      cross join lateral (select case when i % 10 = 0 then 'won' when i % 10 = 1 then 'lost' else 'open' end as status) s
      cross join lateral (select id, pipeline_id from stages order by pipeline_id, position offset (i % 10) limit 1) st`);
    await q.execute(sql`
      with targets as (
        select 'lead' as type, id, row_number() over (order by id) as n from leads
        union all select 'contact', id, row_number() over (order by id) from contacts
        union all select 'deal', id, row_number() over (order by id) from deals
      ), numbered as (select type, id, row_number() over (order by type, n) as k from targets)
      insert into activities (tenant_id, type, subject, body, due_at, completed_at, related_type, related_id, owner_id, created_at, updated_at)
      select ${tenantId}, ${pick(ACTIVITY, sql`i`)}, initcap(${pick(ACTIVITY, sql`i`)}) || ' #' || i, 'Notes for activity ' || i,
             case when i % 5 = 4 then now() + ((i % 30) - 10) * interval '1 day' end,
             case when i % 3 = 0 then now() end, t.type, t.id, ${owner(sql`i`)}, ${created(sql`i`)}, ${created(sql`i`)}
      from generate_series(1, ${size.activities}) i
      join numbered t on t.k = 1 + (i * 7) % greatest((select count(*) from numbered), 1)`);
  });
}
