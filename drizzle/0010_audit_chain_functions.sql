-- Tamper-evident audit log (README, Compliance). Each tenant's audit rows form
-- a hash chain: seq 1, 2, 3, ...; content_hash = sha256 of the row's canonical
-- text; hash = sha256(prev_hash || content_hash); the first row's prev_hash is
-- GENESIS (64 zeros) or, after pruning, the anchor recorded by the chained
-- audit_log.pruned event. Verification recomputes it in one query
-- (src/lib/audit-chain.ts) with the same functions as below.

-- sha256 is built in (Postgres 11+, PGlite): no extension needed.
CREATE OR REPLACE FUNCTION audit_sha256(input text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT encode(sha256(convert_to(input, 'UTF8')), 'hex') $$;
--> statement-breakpoint
-- The canonical text of a row's content: a jsonb array (jsonb::text is canonical:
-- sorted keys, fixed spacing), the time in UTC with milliseconds (the column's precision).
CREATE OR REPLACE FUNCTION audit_log_content(r audit_logs) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT jsonb_build_array(
    r.id, r.tenant_id, r.seq, r.actor_type, r.actor_id, r.action, r.resource_type, r.resource_id,
    r.changes, r.request_id, r.ip, r.user_agent,
    to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  )::text
$$;
--> statement-breakpoint
-- Links each new row to its tenant's chain head. The upsert locks the head row,
-- so concurrent writers of one tenant take turns (READ COMMITTED re-reads the
-- head after the lock) and other tenants are not blocked. SECURITY DEFINER:
-- crm_app cannot write audit_chain_heads itself.
CREATE OR REPLACE FUNCTION audit_logs_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
  head_seq bigint;
  head_hash text;
BEGIN
  INSERT INTO audit_chain_heads AS h (tenant_id, seq, hash)
  VALUES (NEW.tenant_id, 1, repeat('0', 64))
  ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq + 1
  RETURNING h.seq, h.hash INTO head_seq, head_hash;
  NEW.seq := head_seq;
  NEW.prev_hash := head_hash;
  NEW.content_hash := audit_sha256(audit_log_content(NEW));
  NEW.hash := audit_sha256(NEW.prev_hash || NEW.content_hash);
  UPDATE audit_chain_heads SET hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Rows written before the chain existed are chained in (created_at, id) order.
-- NO FORCE for the backfill: a non-superuser owner would otherwise see no rows.
ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DO $$
DECLARE
  r audit_logs;
  prev text;
  tenant uuid;
  n bigint;
BEGIN
  FOR r IN SELECT * FROM audit_logs ORDER BY tenant_id, created_at, id LOOP
    IF tenant IS DISTINCT FROM r.tenant_id THEN
      tenant := r.tenant_id;
      prev := repeat('0', 64);
      n := 0;
    END IF;
    n := n + 1;
    r.seq := n;
    r.prev_hash := prev;
    r.content_hash := audit_sha256(audit_log_content(r));
    r.hash := audit_sha256(prev || r.content_hash);
    UPDATE audit_logs SET seq = r.seq, prev_hash = r.prev_hash, content_hash = r.content_hash, hash = r.hash WHERE id = r.id;
    prev := r.hash;
  END LOOP;
  INSERT INTO audit_chain_heads (tenant_id, seq, hash)
  SELECT DISTINCT ON (tenant_id) tenant_id, seq, hash FROM audit_logs ORDER BY tenant_id, seq DESC;
END
$$;
--> statement-breakpoint
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE UNIQUE INDEX "audit_logs_tenant_seq_key" ON "audit_logs" USING btree ("tenant_id","seq");
--> statement-breakpoint
CREATE TRIGGER audit_logs_chain BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION audit_logs_chain();
--> statement-breakpoint
-- Append-only for the app: history changes only through the two functions below,
-- and each leaves a chained event behind (verification fails without it).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM crm_app;
--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_heads FROM crm_app;
--> statement-breakpoint
GRANT SELECT ON audit_chain_heads TO crm_app;
--> statement-breakpoint
-- Replaces, in a JSON value, every string that contains one of `contains` or
-- equals one of `equals` (both lower case) with "[erased]".
CREATE OR REPLACE FUNCTION audit_redact_json(v jsonb, contains text[], equals text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  CASE jsonb_typeof(v)
    WHEN 'object' THEN
      RETURN (SELECT coalesce(jsonb_object_agg(e.key, audit_redact_json(e.value, contains, equals)), '{}'::jsonb) FROM jsonb_each(v) AS e);
    WHEN 'array' THEN
      RETURN (SELECT coalesce(jsonb_agg(audit_redact_json(a.value, contains, equals) ORDER BY a.n), '[]'::jsonb)
                FROM jsonb_array_elements(v) WITH ORDINALITY AS a(value, n));
    WHEN 'string' THEN
      IF lower(v #>> '{}') = ANY (equals)
         OR EXISTS (SELECT 1 FROM unnest(contains) AS t(term) WHERE t.term <> '' AND strpos(lower(v #>> '{}'), t.term) > 0) THEN
        RETURN to_jsonb('[erased]'::text);
      END IF;
      RETURN v;
    ELSE
      RETURN v;
  END CASE;
END
$$;
--> statement-breakpoint
-- Privacy erasure: redacts the current tenant's audit diffs about the erased
-- records (resource_ids) or mentioning a `contains` term. content_hash keeps
-- the original; the caller records every (id, original, redacted hash) in the
-- chained privacy.erased event of the same transaction, which is what lets
-- verification accept the new content.
CREATE OR REPLACE FUNCTION audit_redact(resource_ids text[], contains text[], equals text[])
RETURNS TABLE (row_id uuid, row_seq bigint, original_hash text, redacted_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
  tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
BEGIN
  IF tenant IS NULL THEN
    RAISE EXCEPTION 'audit_redact runs inside a tenant scope';
  END IF;
  RETURN QUERY
  WITH target AS (
    SELECT a.id, audit_redact_json(a.changes, contains, equals) AS redacted
      FROM audit_logs a
     WHERE a.tenant_id = tenant AND a.changes IS NOT NULL
       AND (a.resource_id = ANY (resource_ids)
            OR EXISTS (SELECT 1 FROM unnest(contains) AS t(term) WHERE t.term <> '' AND strpos(lower(a.changes::text), t.term) > 0))
  ), changed AS (
    UPDATE audit_logs a SET changes = target.redacted
      FROM target
     WHERE a.id = target.id AND a.tenant_id = tenant AND a.changes IS DISTINCT FROM target.redacted
    RETURNING a.id, a.seq, a.content_hash, audit_sha256(audit_log_content(a)) AS redacted_hash
  )
  SELECT c.id, c.seq, c.content_hash, c.redacted_hash FROM changed c ORDER BY c.seq;
END
$$;
--> statement-breakpoint
-- Retention: deletes the oldest part of the current tenant's chain, up to the
-- oldest row created at or after `cutoff` (the chain stays one contiguous run),
-- and appends a chained audit_log.pruned event whose anchorHash is the last
-- pruned row's hash: verification starts from the row whose prev_hash matches it.
CREATE OR REPLACE FUNCTION audit_prune(cutoff timestamptz)
RETURNS TABLE (pruned bigint, from_seq bigint, to_seq bigint, anchor_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
  tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  keep_from bigint;
  n bigint;
  first_seq bigint;
  last_seq bigint;
  anchor text;
BEGIN
  IF tenant IS NULL THEN
    RAISE EXCEPTION 'audit_prune runs inside a tenant scope';
  END IF;
  -- Serialises with writers of this tenant: no row is chained in while the prefix goes.
  PERFORM 1 FROM audit_chain_heads h WHERE h.tenant_id = tenant FOR UPDATE;
  SELECT min(a.seq) INTO keep_from FROM audit_logs a WHERE a.tenant_id = tenant AND a.created_at >= cutoff;
  WITH gone AS (
    DELETE FROM audit_logs a WHERE a.tenant_id = tenant AND (keep_from IS NULL OR a.seq < keep_from)
    RETURNING a.seq, a.hash
  )
  SELECT count(*), min(g.seq), max(g.seq), (array_agg(g.hash ORDER BY g.seq DESC))[1]
    INTO n, first_seq, last_seq, anchor FROM gone g;
  IF n = 0 THEN
    RETURN;
  END IF;
  INSERT INTO audit_logs (tenant_id, actor_type, action, resource_type, changes)
  VALUES (tenant, 'system', 'audit_log.pruned', 'audit_log',
          jsonb_build_object('fromSeq', first_seq, 'toSeq', last_seq, 'count', n, 'anchorHash', anchor,
                             'before', to_char(cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
  RETURN QUERY SELECT n, first_seq, last_seq, anchor;
END
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_redact(text[], text[], text[]), audit_prune(timestamptz) TO crm_app;
