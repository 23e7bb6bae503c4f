/**
 * Engine benchmarks on SQLite, each beside its floor measured in the same run,
 * in interleaved rounds (medians), every side warmed before the first round:
 *
 * - durable sends: `engine.send` of a note (one durable transition, no
 *   effects) by one sender and by 8 concurrent senders, beside a raw
 *   better-sqlite3 insert+update transaction (prepared statements, same pragmas);
 * - replay from event 1: every event of a long case read from the store and
 *   folded through the pinned definition (`engine.replay(id, { fromStart: true })`,
 *   what `audit verify` does), beside xstate's bare `transition()` over the same number of events,
 *   both warmed the same way. `engine.replay` itself starts at the nearest
 *   snapshot (every 16 events) and folds at most 15, so it is not what is timed;
 * - full hazard cases (built-in `hazard` workflow, report → close, 8
 *   transitions) per second, beside the same 8 transactions in raw
 *   better-sqlite3 (insert event + update case, same payloads);
 * - bytes per event of those hazard cases (whole SQLite file, outbox
 *   included, after close) beside the raw database of the same events;
 * - the same hazard process in `bpmn-engine`, in memory, transitions/s, beside
 *   which Duban's durable transitions/s are set.
 *
 *   BENCH_SENDS=2000 BENCH_REPLAY_EVENTS=2000 BENCH_HAZARD_CASES=60 BENCH_ROUNDS=3
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createMachine, initialTransition, transition } from 'xstate';
import { createEngine, createKnexStore, type Engine } from '../engine/index.js';
import { builtinWorkflows } from '../workflows/index.js';
import { benchWorkflow } from './bench-workflow.js';
import { compileHazardBpmn, startHazardProcess, BPMN_TASKS } from './bpmn-hazard.js';
import { HAZARD_TRANSITIONS, hazardCommands, prepareHazardOrg, runHazardCase } from './hazard-path.js';
import { fmt, interleaved, rate, result, ROUNDS, size, type BenchResult } from './lib.js';

const SENDS = size('BENCH_SENDS', 2000, 200);
const CONCURRENT = 8;
const REPLAY_EVENTS = size('BENCH_REPLAY_EVENTS', 2000, 200);
const HAZARD_CASES = size('BENCH_HAZARD_CASES', 60, 8);

const clerk = { id: 'bench', roles: ['clerk'], org: 'bench-org' };

/** The raw floor: prepared insert + update in one transaction, WAL, synchronous NORMAL. */
function openRaw(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE cases (id TEXT PRIMARY KEY, state TEXT, version INTEGER);' +
      'CREATE TABLE events (case_id TEXT, seq INTEGER, type TEXT, payload TEXT, actor TEXT, at TEXT, PRIMARY KEY (case_id, seq))',
  );
  const insertCase = db.prepare('INSERT INTO cases VALUES (?, ?, 0)');
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE cases SET state = ?, version = ? WHERE id = ? AND version = ?');
  const step = db.transaction((id: string, version: number, type: string, payload: string, actor: string, state: string) => {
    insert.run(id, version + 1, type, payload, actor, new Date().toISOString());
    if (update.run(state, version + 1, id, version).changes !== 1) throw new Error('version conflict');
  });
  return { db, insertCase: (id: string) => insertCase.run(id, '{}'), step };
}

function rawSends(dir: string, n: number): number {
  const raw = openRaw(join(dir, `raw-${Math.random().toString(36).slice(2)}.sqlite`));
  const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
  ids.forEach(raw.insertCase);
  const versions = ids.map(() => 0);
  const actor = JSON.stringify(clerk);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const k = i % ids.length;
    raw.step(ids[k]!, versions[k]!, 'note', JSON.stringify({ text: `第${i}条` }), actor, JSON.stringify({ count: versions[k]! + 1, text: `第${i}条` }));
    versions[k]!++;
  }
  const perSec = rate(n, performance.now() - t0);
  raw.db.close();
  return perSec;
}

/** `senders` loops, each sending notes to its own cases, `n` sends in all. */
async function engineSends(engine: Engine, caseIds: string[], n: number, senders: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      const mine = caseIds.filter((_, i) => i % senders === s);
      for (let i = next++; i < n; i = next++) await engine.send(mine[i % mine.length]!, { type: 'note', payload: { text: `第${i}条` } }, clerk);
    }),
  );
  return rate(n, performance.now() - t0);
}

function bareXstate(events: number): number {
  const machine = createMachine({ initial: 'open', states: { open: { on: { note: {} } } } });
  let [s] = initialTransition(machine);
  const t0 = performance.now();
  for (let i = 1; i < events; i++) [s] = transition(machine, s, { type: 'note' });
  if (s.value !== 'open') throw new Error('unexpected state');
  return rate(events - 1, performance.now() - t0);
}

/** The hazard path as raw transactions: one insert of the event and one update of the case per transition. */
function rawHazardCases(file: string, cases: number): number {
  const raw = openRaw(file);
  const cmds = hazardCommands();
  const t0 = performance.now();
  for (let c = 0; c < cases; c++) {
    const id = `h${c}-${Math.random().toString(36).slice(2)}`;
    raw.insertCase(id);
    let data: Record<string, unknown> = {};
    raw.step(id, 0, 'case.created', '{}', JSON.stringify({ id: 'bench-gridOfficer', roles: ['gridOfficer'], org: 'bench' }), JSON.stringify({ value: 'draft', data }));
    cmds.forEach((cmd, i) => {
      data = { ...data, ...cmd.payload };
      raw.step(id, i + 1, cmd.type, JSON.stringify(cmd.payload), JSON.stringify({ id: `bench-${cmd.role}`, roles: [cmd.role], org: 'bench' }), JSON.stringify({ value: cmd.type, data }));
    });
  }
  const perSec = rate(cases, performance.now() - t0);
  raw.db.close();
  return perSec;
}

async function bpmnTransitions(sourceContext: unknown, cases: number): Promise<number> {
  const cmds = hazardCommands();
  const t0 = performance.now();
  for (let c = 0; c < cases; c++) {
    const p = await startHazardProcess(sourceContext, `hazard-${c}`);
    BPMN_TASKS.forEach((task, i) => p.signal(task, cmds[i]!.payload));
    if (!p.completed()) throw new Error(`bpmn-engine hazard process ${c} did not complete`);
  }
  return rate(cases * HAZARD_TRANSITIONS, performance.now() - t0);
}

/** The whole database: the main file and any WAL left (none after a clean close). */
function dbBytes(file: string): number {
  return statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
}

export async function main(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-engine-'));
  try {
    // Sends and replay: the small notes workflow.
    const store = createKnexStore({ sqliteFile: join(dir, 'engine.sqlite') });
    await store.migrate();
    const engine = await createEngine({ store, workflows: [benchWorkflow] });
    const caseIds: string[] = [];
    for (let i = 0; i < 16; i++) caseIds.push((await engine.createCase({ workflowId: 'bench-notes', org: 'bench-org', data: { count: 0 }, actor: clerk })).case.id);
    const { case: long } = await engine.createCase({ workflowId: 'bench-notes', org: 'bench-org', data: { count: 0 }, actor: clerk });
    for (let i = 1; i < REPLAY_EVENTS; i++) await engine.send(long.id, { type: 'note', payload: { text: `r${i}` } }, clerk);
    // Warm every side before the first timed round.
    rawSends(dir, Math.min(SENDS, 500));
    await engineSends(engine, caseIds, Math.min(SENDS, 300), 1);
    // Replay from event 1: read every event (full states rebuilt from the stored deltas) and fold them all.
    const replay = async () => {
      const t0 = performance.now();
      const r = await engine.replay(long.id, { fromStart: true });
      if (r.seq !== REPLAY_EVENTS) throw new Error(`replay stopped at ${r.seq}, not ${REPLAY_EVENTS}`);
      return rate(r.seq, performance.now() - t0);
    };
    for (let i = 0; i < 3; i++) {
      bareXstate(REPLAY_EVENTS);
      await replay();
    }
    const m = await interleaved(ROUNDS, {
      raw: () => rawSends(dir, SENDS),
      single: () => engineSends(engine, caseIds, SENDS, 1),
      concurrent: () => engineSends(engine, caseIds, SENDS, CONCURRENT),
      bare: () => bareXstate(REPLAY_EVENTS),
      replay,
    });
    await store.close();

    // Hazard cases, their bytes per event, and the bpmn-engine peer.
    const hazardFile = join(dir, 'hazard.sqlite');
    // The empty database, migrated and with the built-in definitions registered (a fixed ~340 KB that
    // does not grow with events), is measured closed, and subtracted.
    const migrator = createKnexStore({ sqliteFile: hazardFile });
    await migrator.migrate();
    await createEngine({ store: migrator, workflows: builtinWorkflows });
    await migrator.close();
    const bytesBefore = dbBytes(hazardFile);
    const hazardStore = createKnexStore({ sqliteFile: hazardFile });
    const hazardEngine = await createEngine({ store: hazardStore, workflows: builtinWorkflows });
    await prepareHazardOrg(hazardStore);
    const sourceContext = await compileHazardBpmn();
    let rawRound = 0;
    const rawFile = () => join(dir, `raw-hazard-${rawRound++}.sqlite`);
    const warm = Math.max(2, Math.ceil(HAZARD_CASES / 4));
    for (let i = 0; i < warm; i++) await runHazardCase(hazardEngine);
    rawHazardCases(rawFile(), warm);
    await bpmnTransitions(sourceContext, warm);
    const h = await interleaved(ROUNDS, {
      raw: () => rawHazardCases(rawFile(), HAZARD_CASES),
      duban: async () => {
        const t0 = performance.now();
        for (let i = 0; i < HAZARD_CASES; i++) await runHazardCase(hazardEngine);
        return rate(HAZARD_CASES, performance.now() - t0);
      },
      bpmn: () => bpmnTransitions(sourceContext, HAZARD_CASES),
    });
    const hazardCases = warm + ROUNDS * HAZARD_CASES;
    await hazardStore.close();
    const events = hazardCases * HAZARD_TRANSITIONS;
    const dubanBytes = (dbBytes(hazardFile) - bytesBefore) / events;
    // The raw floor's bytes: its files hold warm + ROUNDS × HAZARD_CASES cases in all.
    let rawBytes = 0;
    for (let i = 0; i < rawRound; i++) rawBytes += dbBytes(join(dir, `raw-hazard-${i}.sqlite`));
    rawBytes /= events;

    const rounds = `median of ${ROUNDS} interleaved rounds`;
    const floor = 'raw better-sqlite3 insert+update tx';
    return [
      result('durable sends, SQLite, 1 sender', m.single, 'sends/s', { name: floor, value: m.raw }, `${fmt(SENDS)} sends over 16 cases; ${rounds}`),
      result(`durable sends, SQLite, ${CONCURRENT} concurrent senders`, m.concurrent, 'sends/s', { name: floor, value: m.raw }, `${fmt(SENDS)} sends over 16 cases; ${rounds}`),
      result('replay from event 1', m.replay, 'events/s', { name: 'bare xstate transition(), warm', value: m.bare }, `one case of ${fmt(REPLAY_EVENTS)} events, all read from SQLite and folded through the definition (no snapshot); ${rounds}`),
      result('hazard cases report→close, SQLite', h.duban, 'cases/s', { name: `same ${HAZARD_TRANSITIONS + 1} tx in raw better-sqlite3 (creation included)`, value: h.raw }, `built-in hazard workflow, general path, ${HAZARD_TRANSITIONS} transitions; ${fmt(HAZARD_CASES)} cases a round; ${rounds}`),
      result('bytes per event, hazard case', dubanBytes, 'B', { name: 'raw SQLite of the same events', value: rawBytes }, `(whole SQLite file incl. outbox, after close, less the empty migrated file with the definitions registered) / ${fmt(events)} events (${fmt(hazardCases)} cases); ratio above 1 = more bytes`),
      result('hazard transitions, Duban durable SQLite', h.duban * HAZARD_TRANSITIONS, 'transitions/s', { name: 'bpmn-engine in memory, same process', value: h.bpmn }, `report→accept→grade→order→rectify→verify→close, ${HAZARD_TRANSITIONS} transitions a case; ratio above 1 = Duban faster; ${rounds}`),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
