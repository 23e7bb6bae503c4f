/**
 * Store write figures (not part of `npm run bench` yet): `engine.send` on SQLite with one sender and
 * with 8 concurrent senders, each beside a raw better-sqlite3 insert+update transaction measured in
 * the same run; statements per send; bytes per event of hazard cases report → close, whole
 * database included (after a WAL checkpoint and VACUUM).
 *
 * Run: npx tsx bench/store-writes.ts   (BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test adds PostgreSQL)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEngine, createKnexStore, createManualClock, type Actor } from '../engine/index.js';
import { hazardWorkflow } from '../workflows/index.js';
import { setDocNumberPrefix } from '../server/index.js';
import { benchWorkflow } from './bench-workflow.js';

const SENDS = Number(process.env.BENCH_SENDS ?? 3000);
const HAZARD_CASES = Number(process.env.BENCH_HAZARD_CASES ?? 200);
const actor = { id: 'bench', roles: ['clerk'], org: 'bench-org' };
const rate = (n: number, ms: number) => (n / ms) * 1000;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

function rawSqlite(dir: string, name: string): number {
  const db = new Database(join(dir, `${name}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE cases (id TEXT PRIMARY KEY, state TEXT, version INTEGER); CREATE TABLE events (case_id TEXT, seq INTEGER, payload TEXT, PRIMARY KEY (case_id, seq))');
  const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
  for (const id of ids) db.prepare('INSERT INTO cases VALUES (?, ?, 0)').run(id, '{}');
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?)');
  const update = db.prepare('UPDATE cases SET state = ?, version = ? WHERE id = ? AND version = ?');
  const versions = new Map(ids.map((id) => [id, 0]));
  const tx = db.transaction((id: string, i: number) => {
    const v = versions.get(id)!;
    insert.run(id, v + 1, JSON.stringify({ text: `第${i}条` }));
    update.run(JSON.stringify({ count: v + 1 }), v + 1, id, v);
    versions.set(id, v + 1);
  });
  const t0 = performance.now();
  for (let i = 0; i < SENDS; i++) tx(ids[i % ids.length]!, i);
  const perSec = rate(SENDS, performance.now() - t0);
  db.close();
  return perSec;
}

async function engineSends(dir: string, name: string, senders: number, databaseUrl?: string): Promise<{ perSec: number; statementsPerSend: number }> {
  let statements = 0;
  const onStatement = (sql: string) => void (/^(BEGIN|COMMIT|ROLLBACK)/.test(sql) ? 0 : statements++);
  const schema = `bench_${process.pid}_${name}`;
  const store = databaseUrl ? createKnexStore({ databaseUrl, schema, onStatement }) : createKnexStore({ sqliteFile: join(dir, `${name}.sqlite`), onStatement });
  await store.migrate();
  const engine = await createEngine({ store, workflows: [benchWorkflow] });
  const cases = await Promise.all(Array.from({ length: 10 }, () => engine.createCase({ workflowId: 'bench-notes', org: 'bench-org', data: { count: 0 }, actor })));
  for (const c of cases) await engine.send(c.case.id, { type: 'note', payload: { text: 'warm' } }, actor);
  statements = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: senders }, async (_, s) => {
    for (let i = s; i < SENDS; i += senders) await engine.send(cases[i % cases.length]!.case.id, { type: 'note', payload: { text: `第${i}条` } }, actor);
  }));
  const perSec = rate(SENDS, performance.now() - t0);
  if (databaseUrl) await (store as unknown as { knex: { raw(sql: string): Promise<unknown> } }).knex.raw(`DROP SCHEMA ${schema} CASCADE`);
  await store.close();
  return { perSec, statementsPerSend: statements / SENDS };
}

const P = {
  submit: { source: 'gridPatrol', location: '开发区纬三路12号 2号车间', gridId: 'G-0103', enterpriseId: 'E-1001', sector: '工贸', description: '粉尘涉爆车间除尘系统未设置泄爆装置', photos: ['files/p1.jpg'], foundAt: '2026-03-01T09:30:00+08:00', proposedGrade: 'general', hazardCategory: '粉尘防爆' },
  accept: { jurisdictionConfirmed: true, dedupeKey: 'E-1001/粉尘防爆/2号车间' },
  grade: { grade: 'general', responsibleUnit: 'E-1001 设备科', rectificationDeadline: '2026-03-16' },
  order: { orderDeadline: '2026-03-16', measures: '加装泄爆装置' },
  rectification: { rectificationEvidence: ['files/after.jpg'], rectificationCost: 12000, completedOn: '2026-03-10' },
  pass: { reinspectionOpinion: '整改到位，同意销号', signatures: ['张三', '李四'] },
};
const who = (...roles: string[]): Actor => ({ id: `u-${roles.join('+')}`, roles, org: 'district-a' });

/** Bytes per event of hazard cases report → close (general hazard), whole SQLite database, and per table. */
async function hazardBytes(dir: string): Promise<{ perEvent: number; events: number; tables: Record<string, number> }> {
  const file = join(dir, 'hazard.sqlite');
  const store = createKnexStore({ sqliteFile: file });
  await store.migrate();
  const engine = await createEngine({ store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [hazardWorkflow] });
  await setDocNumberPrefix(store, { org: 'district-a', series: 'rectificationOrder', prefix: '应急责改', setBy: 'bench', at: '2026-03-02T02:00:00.000Z' });
  let events = 0;
  for (let i = 0; i < HAZARD_CASES; i++) {
    const { case: c } = await engine.createCase({ workflowId: 'hazard', org: 'district-a', data: {}, actor: who('gridOfficer') });
    const steps: [string, Actor, Record<string, unknown>?][] = [
      ['submit', who('gridOfficer'), P.submit], ['accept', who('townshipSafetyOffice'), P.accept], ['grade', who('inspector'), P.grade], ['issueOrder', who('inspector'), P.order],
      ['submitRectification', who('enterpriseSafetyOfficer'), P.rectification], ['pass', who('gridOfficer'), P.pass],
    ];
    for (const [type, a, payload] of steps) await engine.send(c.id, { type, payload }, a);
    events += 1 + steps.length;
  }
  await store.close();
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('VACUUM');
  const tables = Object.fromEntries((db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC").all() as { name: string; bytes: number }[]).map((r) => [r.name, Math.round(r.bytes / events)]));
  db.close();
  return { perEvent: statSync(file).size / events, events, tables };
}

const dir = mkdtempSync(join(tmpdir(), 'duban-bench-store-'));
try {
  const raw1 = rawSqlite(dir, 'raw1');
  const one = await engineSends(dir, 'one', 1);
  const raw8 = rawSqlite(dir, 'raw8');
  const eight = await engineSends(dir, 'eight', 8);
  console.log(`engine.send, 1 sender:   ${fmt(one.perSec)}/s  raw better-sqlite3 insert+update: ${fmt(raw1)}/s  ratio ${(one.perSec / raw1).toFixed(3)}  (${one.statementsPerSend.toFixed(2)} statements per send, BEGIN/COMMIT aside)`);
  console.log(`engine.send, 8 senders:  ${fmt(eight.perSec)}/s  raw better-sqlite3 insert+update: ${fmt(raw8)}/s  ratio ${(eight.perSec / raw8).toFixed(3)}`);
  const pg = process.env.BENCH_PG_URL;
  if (pg) {
    const pg1 = await engineSends(dir, 'pgone', 1, pg);
    const pg8 = await engineSends(dir, 'pgeight', 8, pg);
    console.log(`engine.send on PostgreSQL: 1 sender ${fmt(pg1.perSec)}/s, 8 senders ${fmt(pg8.perSec)}/s  (${pg8.statementsPerSend.toFixed(2)} statements per send)`);
  }
  const bytes = await hazardBytes(dir);
  console.log(`bytes per event, hazard report → close, whole SQLite database: ${fmt(bytes.perEvent)} B (${bytes.events} events)`);
  console.log(`  per table and index (B per event): ${Object.entries(bytes.tables).filter(([, b]) => b > 0).map(([t, b]) => `${t} ${b}`).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
