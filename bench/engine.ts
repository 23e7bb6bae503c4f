/**
 * Engine benchmark: durable transitions per second of `engine.send` on SQLite
 * beside a raw better-sqlite3 insert+update transaction on the same kind of
 * file; replay events per second beside xstate's bare `transition`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createMachine, initialTransition, transition } from 'xstate';
import { createEngine, createKnexStore } from '../engine/index.js';
import { benchWorkflow } from './bench-workflow.js';

const SENDS = Number(process.env.BENCH_SENDS ?? 3000);
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 5000);


const actor = { id: 'bench', roles: ['clerk'], org: 'bench-org' };

function rate(n: number, ms: number): number {
  return (n / ms) * 1000;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

async function measureEngine(dir: string): Promise<{ sendsPerSec: number; replayPerSec: number }> {
  const store = createKnexStore({ sqliteFile: join(dir, 'engine.sqlite') });
  await store.migrate();
  const engine = await createEngine({ store, workflows: [benchWorkflow] });
  const cases = await Promise.all(Array.from({ length: 10 }, () => engine.createCase({ workflowId: 'bench-notes', org: 'bench-org', data: { count: 0 }, actor })));
  const t0 = performance.now();
  for (let i = 0; i < SENDS; i++) await engine.send(cases[i % cases.length]!.case.id, { type: 'note', payload: { text: `第${i}条` } }, actor);
  const sendsPerSec = rate(SENDS, performance.now() - t0);

  const { case: long } = await engine.createCase({ workflowId: 'bench-notes', org: 'bench-org', data: { count: 0 }, actor });
  for (let i = 1; i < REPLAY_EVENTS; i++) await engine.send(long.id, { type: 'note', payload: { text: `r${i}` } }, actor);
  const t1 = performance.now();
  const r = await engine.replay(long.id);
  const replayPerSec = rate(r.seq, performance.now() - t1);
  await store.close();
  return { sendsPerSec, replayPerSec };
}

/** The floor: one insert and one update in a transaction, prepared statements, same pragmas. */
function measureRawSqlite(dir: string): number {
  const db = new Database(join(dir, 'raw.sqlite'));
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

/** The floor for replay: a bare xstate machine with one self transition. */
function measureBareXstate(): number {
  const machine = createMachine({ initial: 'open', states: { open: { on: { note: {} } } } });
  let [s] = initialTransition(machine);
  const t0 = performance.now();
  for (let i = 1; i < REPLAY_EVENTS; i++) [s] = transition(machine, s, { type: 'note' });
  return rate(REPLAY_EVENTS, performance.now() - t0);
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-'));
  try {
    const raw = measureRawSqlite(dir);
    const bare = measureBareXstate();
    const { sendsPerSec, replayPerSec } = await measureEngine(dir);
    console.log(`durable transitions  engine.send (SQLite): ${fmt(sendsPerSec)}/s   raw better-sqlite3 insert+update: ${fmt(raw)}/s   ratio ${(sendsPerSec / raw).toFixed(3)}  (${SENDS} sends)`);
    console.log(`replay               engine.replay:        ${fmt(replayPerSec)} events/s   bare xstate transition: ${fmt(bare)}/s   ratio ${(replayPerSec / bare).toFixed(3)}  (${REPLAY_EVENTS} events)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
