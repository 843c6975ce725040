import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import { auditChainHeads, auditLogs } from '../db/schema/index.ts';
import type { Scoped } from '../db/scoped.ts';

/**
 * The audit chain's read side (the write side is the audit_logs_chain trigger,
 * drizzle/0010_audit_chain_functions.sql, which also defines the canonical
 * content and hash functions used here).
 */

/** prev_hash of a tenant's first row when nothing was ever pruned. */
export const GENESIS_HASH = '0'.repeat(64);

export type ChainBreak = 'content_mismatch' | 'hash_mismatch' | 'chain_start_mismatch' | 'chain_broken' | 'chain_head_mismatch';

export interface ChainVerification {
  valid: boolean;
  checked: number;
  firstBrokenSeq?: number;
  firstBrokenId?: string;
  reason?: ChainBreak;
}

interface VerifyRow {
  checked: number | string;
  broken_id: string | null;
  broken_seq: number | string | null;
  reason: ChainBreak | null;
}

/**
 * Recomputes the caller's tenant chain in one statement and names the first
 * broken row (lowest seq). A row is intact when its recomputed content hash
 * equals content_hash, or equals the `redacted` hash a later privacy.erased
 * event recorded for it (with `original` = content_hash); hash must equal
 * sha256(prev_hash || content_hash); prev_hash must equal the previous row's
 * hash (no gap in seq), and the oldest row's prev_hash must be the genesis
 * hash, or the anchorHash of the latest audit_log.pruned event. The newest
 * row must match the chain head, so rows cut from the end are noticed too.
 */
export async function verifyChain(s: Scoped): Promise<ChainVerification> {
  const result = await s.q.execute(sql`
    with chain as (
      select id, seq, action, changes, prev_hash, content_hash, hash,
             audit_sha256(audit_log_content(audit_logs)) as recomputed,
             lag(seq) over w as prior_seq,
             lag(hash) over w as prior_hash
        from ${auditLogs}
       where ${s.where(auditLogs)}
      window w as (order by seq)
    ),
    redactions as (
      select distinct on (r.value->>'id') r.value->>'id' as id, r.value->>'original' as original,
             r.value->>'redacted' as redacted, e.seq as event_seq
        from chain e cross join lateral jsonb_array_elements(e.changes->'redactions') r
       where e.action = 'privacy.erased' and jsonb_typeof(e.changes->'redactions') = 'array'
       order by r.value->>'id', e.seq desc
    ),
    anchor as (
      select e.changes->>'anchorHash' as hash from chain e where e.action = 'audit_log.pruned' order by e.seq desc limit 1
    ),
    checked as (
      select c.id, c.seq,
             case
               when c.recomputed <> c.content_hash and not exists (
                 select 1 from redactions r
                  where r.id = c.id::text and r.event_seq > c.seq and r.original = c.content_hash and r.redacted = c.recomputed
               ) then 'content_mismatch'
               when c.hash <> audit_sha256(c.prev_hash || c.content_hash) then 'hash_mismatch'
               when c.prior_seq is null and c.prev_hash <> coalesce((select hash from anchor), ${GENESIS_HASH}) then 'chain_start_mismatch'
               when c.prior_seq is not null and (c.seq <> c.prior_seq + 1 or c.prev_hash <> c.prior_hash) then 'chain_broken'
             end as reason
        from chain c
    ),
    last as (select c.seq, c.hash from chain c order by c.seq desc limit 1),
    head as (select seq, hash from ${auditChainHeads} where ${s.where(auditChainHeads)})
    select (select count(*) from chain)::int as checked,
           b.id::text as broken_id,
           coalesce(b.seq, t.seq) as broken_seq,
           coalesce(b.reason, t.reason) as reason
      from (select 1) one
      left join lateral (select k.id, k.seq, k.reason from checked k where k.reason is not null order by k.seq limit 1) b on true
      left join lateral (
        select coalesce((select seq from last), 0) + 1 as seq, 'chain_head_mismatch' as reason
         where (select seq from head) is distinct from (select seq from last)
            or (select hash from head) is distinct from (select hash from last)
      ) t on true`);
  const [row] = rowsOf<VerifyRow>(result);
  if (!row) throw new Error('chain verification returned no row');
  const checked = Number(row.checked);
  if (!row.reason) return { valid: true, checked };
  return {
    valid: false,
    checked,
    firstBrokenSeq: Number(row.broken_seq),
    ...(row.broken_id ? { firstBrokenId: row.broken_id } : {}),
    reason: row.reason,
  };
}
