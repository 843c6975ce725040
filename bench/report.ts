/** bench/results.json's shape, the targets checked against it, and the generated part of BENCHMARKS.md. */

export interface LoadRun {
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface Results {
  meta: {
    date: string;
    quick: boolean;
    node: string;
    cpus: number;
    durationSeconds: number;
    connections: number[];
    data: { tenants: number; leadsPerTenant: number; largeTenantLeads: number };
  };
  load: (LoadRun & { name: string; rssBeforeMb: number; rssAfterMb: number; ratioToCeiling: number | null })[];
  ceiling: LoadRun[];
  pgbench: { connections: number; tps: number; latencyMs: number }[];
  roundTrips: Record<string, { roundTrips: number; statements: number }>;
  memory: {
    export?: { rows: number; seconds: number; rssBeforeMb: number; peakRssGrowthMb: number };
    import?: { rows: number; seconds: number; rssBeforeMb: number; rssAfterMb: number };
  };
  bcrypt: { cost: number; nativePerSec: number; bcryptjsPerSec: number; ratio: number } | null;
  worker: {
    rawBytes: number;
    gzipBytes: number;
    stripeInBundle: boolean;
    stripeAtStartup: boolean | null;
    startupMs: number | null;
    /** Wall ms the first request of a fresh isolate takes over the next ones (it loads the routes). */
    firstRequestMs: number | null;
  } | null;
  targets: { target: string; measured: string; met: boolean | null }[];
}

const READS = ['list', 'list_status', 'list_search', 'deep_page'];
const WRITES = ['create'];

/** Each target of issue 8 against this run; met is null when the run did not measure it. */
export function targetsOf(r: Results): Results['targets'] {
  const at = (name: string, connections: number) => r.load.find((l) => l.name === name && l.connections === connections);
  const top = Math.max(...r.meta.connections);
  const out: Results['targets'] = [];
  const add = (target: string, measured: string | null, met: boolean | null) =>
    out.push({ target, measured: measured ?? 'not measured', met: measured === null ? null : met });

  const ratios = r.load.filter((l) => l.name === 'list' && l.ratioToCeiling !== null).map((l) => `${l.ratioToCeiling} (x${l.connections})`);
  // Met only at every connection count: one good count (an idle single connection) says little about cost per request.
  const worst = Math.min(...r.load.filter((l) => l.name === 'list' && l.ratioToCeiling !== null).map((l) => l.ratioToCeiling as number));
  add('authenticated list >= 0.8 x bare-Hono ceiling (every connection count)', ratios.length ? ratios.join(', ') : null, worst >= 0.8);

  const readTrips = ['list', 'api_key_list', 'get_with_activities'].map((n) => [n, r.roundTrips[n]?.roundTrips] as const);
  const readsMeasured = readTrips.every(([, t]) => t !== undefined);
  add(
    'exactly 1 round trip per authenticated read (JWT, API key)',
    readsMeasured ? readTrips.map(([n, t]) => `${n} ${t}`).join(', ') : null,
    readTrips.every(([, t]) => t === 1),
  );
  const writeTrips = WRITES.map((n) => [n, r.roundTrips[n]?.roundTrips] as const);
  add(
    '<= 2 round trips per write',
    writeTrips.every(([, t]) => t !== undefined) ? writeTrips.map(([n, t]) => `${n} ${t}`).join(', ') : null,
    writeTrips.every(([, t]) => (t ?? 99) <= 2),
  );

  const p99s = READS.map((n) => [n, at(n, top)?.p99] as const);
  add(
    `p99 of list/filter/search/deep page <= 15 ms at ${top} connections`,
    p99s.every(([, p]) => p !== undefined) ? p99s.map(([n, p]) => `${n} ${p} ms`).join(', ') : null,
    p99s.every(([, p]) => (p ?? 99) <= 15),
  );

  const deep = at('deep_page', top);
  const first = at('page_one_large', top);
  add(
    'deep page (400 cursors) latency <= 1.5 x page one',
    deep && first ? `p50 ${deep.p50} vs ${first.p50} ms, req/s ${deep.reqPerSec} vs ${first.reqPerSec}` : null,
    !!deep && !!first && deep.p50 <= 1.5 * Math.max(first.p50, 1),
  );

  const imp = r.memory.import;
  add('import of 10,000 rows <= 3 s', imp ? `${imp.rows} rows in ${imp.seconds} s` : null, !!imp && imp.seconds <= 3 * (imp.rows / 10_000));
  const exp = r.memory.export;
  add(
    'export of 100,000 rows: peak RSS growth <= 50 MB',
    exp ? `${exp.rows} rows in ${exp.seconds} s, +${exp.peakRssGrowthMb} MB` : null,
    !!exp && exp.peakRssGrowthMb <= 50,
  );

  const w = r.worker;
  const stripe = !w?.stripeInBundle ? 'absent' : w.stripeAtStartup === false ? 'bundled, not run at startup' : w.stripeAtStartup ? 'run at startup' : 'bundled';
  add(
    'Worker bundle <= 400 KB gzip, Stripe not in the hot path',
    w ? `${Math.round(w.gzipBytes / 1024)} KiB gzip (Stripe SDK ${stripe})` : null,
    !!w && w.gzipBytes <= 400 * 1024 && w.stripeAtStartup !== true,
  );
  const firstRequest = w?.firstRequestMs != null ? `; first request +${w.firstRequestMs} ms wall (loads the deps, builds the routes)` : '';
  add('Worker startup <= 50 ms', w?.startupMs != null ? `${w.startupMs} ms CPU${firstRequest}` : null, w?.startupMs != null && w.startupMs <= 50);

  const b = r.bcrypt;
  add('native bcrypt >= 2 x bcryptjs logins/s', b ? `${b.nativePerSec}/s vs ${b.bcryptjsPerSec}/s (x${b.ratio})` : null, !!b && b.ratio >= 2);
  return out;
}

export const GENERATED_START = '<!-- bench:generated:start (npm run bench rewrites everything below this line) -->';

/** The hand-written part of `existing` (everything above the marker), then the tables of this run. */
export function renderMarkdown(existing: string, r: Results): string {
  const marker = existing.indexOf(GENERATED_START);
  const intro = (marker >= 0 ? existing.slice(0, marker) : existing || '# Benchmarks\n\n').trimEnd();
  const lines: string[] = [intro, '', GENERATED_START, ''];
  const m = r.meta;
  lines.push(
    `Run ${m.date}${m.quick ? ' (quick)' : ''}: Node ${m.node}, ${m.cpus} CPUs, ${m.durationSeconds} s per load, ${m.data.tenants} tenants x ${m.data.leadsPerTenant} leads + one tenant with ${m.data.largeTenantLeads} leads.`,
    '',
    '### Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'yes' : 'no'} |`),
    '',
    '### Load (autocannon against the Node server)',
    '',
    '| endpoint | conns | req/s | p50 ms | p99 ms | errors | vs ceiling | RSS before → after MB | round trips |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.load.map(
      (l) =>
        `| ${l.name} | ${l.connections} | ${l.reqPerSec} | ${l.p50} | ${l.p99} | ${l.errors} | ${l.ratioToCeiling ?? ''} | ${l.rssBeforeMb} → ${l.rssAfterMb} | ${r.roundTrips[l.name]?.roundTrips ?? ''} |`,
    ),
    '',
    '### Ceilings (same SQL, same tenant)',
    '',
    '| ceiling | conns | req/s or tps | p50 ms | p99 ms / avg ms |',
    '|---|---|---|---|---|',
    ...r.ceiling.map((c) => `| bare Hono + same driver | ${c.connections} | ${c.reqPerSec} | ${c.p50} | ${c.p99} |`),
    ...r.pgbench.map((p) => `| pgbench (pipelined BEGIN/scope/SELECT/COMMIT) | ${p.connections} | ${p.tps} | | avg ${p.latencyMs} |`),
    '',
    '### Round trips per request (statements in parentheses)',
    '',
    '| endpoint | round trips |',
    '|---|---|',
    ...Object.entries(r.roundTrips).map(([name, t]) => `| ${name} | ${t.roundTrips} (${t.statements}) |`),
    '',
  );
  return `${lines.join('\n')}\n`;
}
