/**
 * The scale run (`npm run bench:scale`, `-- --quick` for 500 cases): the same
 * work through real processes twice —
 *
 * - distributed: two `duban serve` and two `duban worker` on a PostgreSQL
 *   database of their own and Redis (a key prefix of their own);
 * - embedded: one `duban serve` on a SQLite file (the baseline);
 *
 * each opening BENCH_SCALE_CASES cases (10,000) of the `drill-ladder`
 * workflow through the HTTP API, each case with five timers (two reminders,
 * the due time, two escalations, the last closing it) due within seconds of
 * its opening and one mail at its due time, to a loopback SMTP server. The
 * run ends when every case is closed; then it counts, in the database and at
 * the SMTP server, that every timer fired exactly once and every mail
 * arrived exactly once, and fails otherwise. Prints the wall time and the
 * rates of each mode beside each other; writes bench-results/<date>-scale.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startCluster, type Cluster } from '../test/support/cluster.js';
import { drillLadderWorkflow } from '../test/support/drill-workflow.js';
import type { DubanProcess } from '../test/support/processes.js';
import { machine, QUICK, rate, result, size, table, type BenchResult } from './lib.js';

const CASES = size('BENCH_SCALE_CASES', 10_000, 500);
/** Requests in flight while opening cases. */
const LANES = size('BENCH_SCALE_LANES', 16, 8);
const TIMERS_PER_CASE = 5;
const DEADLINE_MS = 60 * 60_000;

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

interface Run {
  openMs: number;
  totalMs: number;
}

/**
 * Opens every case over the serve processes, LANES at a time. Each falls due 30 s after the server opened it
 * (the workflow's duration, on the server's clock): a due time the client chose could find a request slowed by
 * load opening its case after the first reminder's time, and a reminder already past at opening is skipped.
 */
async function openCases(cluster: Cluster, serves: DubanProcess[]): Promise<void> {
  let next = 0;
  const lane = async (l: number) => {
    for (let i = next++; i < CASES; i = next++) {
      const serve = serves[(i + l) % serves.length]!;
      const r = await openOne(cluster, serve, i);
      if (r.status !== 201) throw new Error(`opening case ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  };
  await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
}

/**
 * Opens case `i` with an idempotency key of its own, retrying a request the network lost (a keep-alive
 * connection reset under load, say) as a client should: the key makes the retry land the case once.
 */
async function openOne(cluster: Cluster, serve: DubanProcess, i: number): Promise<{ status: number; body: Record<string, unknown> }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await cluster.api(serve, 'inspector', 'POST', '/api/v1/cases', { workflowId: 'drill-ladder', org: 'donghu-qingshui-g1', data: { n: i } }, { 'idempotency-key': `scale-case-${i}` });
      return { status: r.status === 200 ? 201 : r.status, body: r.body };
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

const num = (rows: Record<string, unknown>[]) => Number(Object.values(rows[0] ?? {})[0] ?? 0);

/** Waits until every case is closed and nothing is left to fire or send, printing progress. */
async function untilDone(q: Query, cluster: Cluster, label: string): Promise<void> {
  const until = Date.now() + DEADLINE_MS;
  let printedAt = 0;
  for (;;) {
    const open = num(await q(`SELECT count(*) AS n FROM cases WHERE status <> 'done'`));
    const timers = num(await q('SELECT count(*) AS n FROM timers'));
    const outbox = num(await q(`SELECT count(*) AS n FROM outbox WHERE status <> 'sent'`));
    const line = `${label}: ${open} case(s) open, ${timers} timer(s), ${outbox} mail(s) waiting, ${cluster.smtp.total()} arrived`;
    // A line every 15 s: readable in a log file as on a terminal.
    if (Date.now() - printedAt >= 15_000) {
      process.stderr.write(`${line}\n`);
      printedAt = Date.now();
    }
    if (open === 0 && timers === 0 && outbox === 0 && cluster.smtp.total() >= CASES) break;
    if (Date.now() > until) throw new Error(`${label}: not done after ${DEADLINE_MS / 60_000} min (${line})`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Counts in the database and at the SMTP server; throws naming the first count that is not exact. */
async function verify(q: Query, cluster: Cluster, label: string): Promise<void> {
  const fail = (what: string) => {
    throw new Error(`${label}: ${what}`);
  };
  const cases = num(await q(`SELECT count(*) AS n FROM cases WHERE workflow_id = 'drill-ladder' AND status = 'done'`));
  if (cases !== CASES) fail(`${cases} closed cases, expected ${CASES}`);
  const fired = num(await q(`SELECT count(*) AS n FROM case_events WHERE type LIKE 'deadline.%'`));
  const uneven = await q(`SELECT case_id FROM case_events WHERE type LIKE 'deadline.%' GROUP BY case_id HAVING count(*) <> ${TIMERS_PER_CASE}`);
  if (fired !== CASES * TIMERS_PER_CASE || uneven.length > 0) {
    // What the first few such cases recorded, to tell a lost timer from one refused as no longer due.
    for (const row of uneven.slice(0, 3)) {
      const events = await q(`SELECT seq, type, at, payload FROM case_events WHERE case_id = '${String(row.case_id)}' ORDER BY seq`);
      process.stderr.write(`${label}: case ${String(row.case_id)}:\n${events.map((e) => `  ${String(e.seq)} ${String(e.type)} ${String(e.at)} ${String(e.payload).slice(0, 160)}`).join('\n')}\n`);
    }
  }
  if (fired !== CASES * TIMERS_PER_CASE) fail(`${fired} timer events, expected ${CASES * TIMERS_PER_CASE}`);
  if (uneven.length > 0) fail(`${uneven.length} case(s) without exactly ${TIMERS_PER_CASE} timer events`);
  const sent = num(await q(`SELECT count(*) AS n FROM deliveries WHERE channel = 'email' AND status = 'sent'`));
  if (sent !== CASES) fail(`${sent} e-mail deliveries recorded, expected ${CASES}`);
  if (cluster.smtp.arrivals.size !== CASES) fail(`${cluster.smtp.arrivals.size} distinct mails at the SMTP server, expected ${CASES}`);
  const dup = cluster.smtp.duplicates();
  if (dup.length > 0 || cluster.smtp.total() !== CASES) fail(`${cluster.smtp.total()} mails arrived, ${dup.length} more than once (${dup.slice(0, 3).join(', ')})`);
}

async function runMode(mode: 'distributed' | 'embedded'): Promise<Run> {
  const cluster = await startCluster({ workflows: [drillLadderWorkflow], mode, env: { DUBAN_LOG_LEVEL: 'error' } });
  let sqlite: Database.Database | undefined;
  try {
    const serves = mode === 'distributed'
      ? (await Promise.all([cluster.serve('serve-1'), cluster.serve('serve-2'), cluster.worker('worker-1'), cluster.worker('worker-2')])).slice(0, 2)
      : [await cluster.serve('serve-1')];
    const q: Query = cluster.db
      ? (sql) => cluster.db!.query(sql)
      : async (sql) => {
        sqlite ??= new Database(cluster.env.DUBAN_DB!, { readonly: true });
        return sqlite.prepare(sql).all() as Record<string, unknown>[];
      };
    const t0 = performance.now();
    await openCases(cluster, serves);
    const openMs = performance.now() - t0;
    await untilDone(q, cluster, mode);
    const totalMs = performance.now() - t0;
    await verify(q, cluster, mode);
    return { openMs, totalMs };
  } finally {
    sqlite?.close();
    await cluster.close();
  }
}

const m = machine();
console.log(`Duban scale run${QUICK ? ' (quick)' : ''}: ${CASES} cases, ${CASES * TIMERS_PER_CASE} timers, ${CASES} mails per mode; ${m.cpus} × ${m.model}, Node ${m.node}`);
// BENCH_SCALE_MODE=embedded|distributed runs one mode alone (to look into it); the figures need both.
const only = process.env.BENCH_SCALE_MODE;
if (only === 'embedded' || only === 'distributed') {
  const run = await runMode(only);
  console.log(`${only}: opened in ${(run.openMs / 1000).toFixed(1)} s, all closed after ${(run.totalMs / 1000).toFixed(1)} s; counts exact`);
  process.exit(0);
}
const distributed = await runMode('distributed');
const embedded = await runMode('embedded');
const note = `${CASES} cases × ${TIMERS_PER_CASE} timers, 1 mail each; distributed: 2 serve + 2 worker on PostgreSQL + Redis; embedded: 1 serve on SQLite; exact counts verified`;
const results: BenchResult[] = [
  result('scale: wall time, open to all closed (distributed)', distributed.totalMs / 1000, 's', { name: 'embedded', value: embedded.totalMs / 1000 }, note),
  result('scale: cases opened over HTTP (distributed)', rate(CASES, distributed.openMs), 'cases/s', { name: 'embedded', value: rate(CASES, embedded.openMs) }),
  result('scale: timers fired (distributed)', rate(CASES * TIMERS_PER_CASE, distributed.totalMs), 'timers/s', { name: 'embedded', value: rate(CASES * TIMERS_PER_CASE, embedded.totalMs) }),
  result('scale: mails delivered (distributed)', rate(CASES, distributed.totalMs), 'mails/s', { name: 'embedded', value: rate(CASES, embedded.totalMs) }),
];
console.log(`\n${table(results)}\n\n- ${note}`);
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `${new Date().toISOString().slice(0, 10)}-scale${QUICK ? '-quick' : ''}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${file}`);
