/**
 * Quickstart: takes a hazard case from report to close on a fresh SQLite file
 * — a grid officer reports it, the township office accepts, an inspector
 * grades it general and orders rectification, the enterprise rectifies, a
 * first re-inspection fails, the second passes — then prints the case history
 * with its hash chain and verifies it.
 *
 *   npx tsx examples/quickstart.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createKnexStore, createManualClock, formatStateValue, type Actor } from '../engine/index.js';
import { setDocNumberPrefix } from '../server/index.js';
import { builtinWorkflows } from '../workflows/index.js';

const org = 'jiangzhou-kaifaqu';
const gridOfficer: Actor = { id: 'wang.fang', name: '王芳', roles: ['gridOfficer'], org };
const township: Actor = { id: 'zhao.lei', name: '赵磊', roles: ['townshipSafetyOffice'], org };
const inspector: Actor = { id: 'chen.jun', name: '陈军', roles: ['inspector'], org };
const enterprise: Actor = { id: 'liu.yang', name: '刘洋', roles: ['enterpriseSafetyOfficer'], org };

export async function main(opts: { sqliteFile?: string; log?: (line: string) => void } = {}): Promise<{ caseId: string; state: string; events: number; verified: boolean }> {
  const log = opts.log ?? console.log;
  const store = createKnexStore({ sqliteFile: opts.sqliteFile ?? join(mkdtempSync(join(tmpdir(), 'duban-quickstart-')), 'duban.sqlite') });
  // A manual clock, so the example runs on working days of the built-in 2026 calendar whatever today is.
  const clock = createManualClock('2026-03-02T01:30:00.000Z');
  const day = (n: number) => clock.advance(n * 86_400_000);
  try {
    await store.migrate();
    const engine = await createEngine({ store, clock, workflows: builtinWorkflows });
    // The office's 文号 prefix of its rectification orders: each order takes the next number of the year (江应急责改〔2026〕1号).
    await setDocNumberPrefix(store, { org, series: 'rectificationOrder', prefix: '江应急责改', setBy: 'admin', at: clock.now().toISOString() });
    const { case: c } = await engine.createCase({ workflowId: 'hazard', org, actor: gridOfficer });
    const send = (type: string, actor: Actor, payload: Record<string, unknown> = {}) => engine.send(c.id, { type, payload }, actor);

    await send('submit', gridOfficer, {
      source: 'gridPatrol', location: '开发区纬三路12号 2号车间', gridId: 'G-0103', enterpriseId: 'E-1001', sector: '工贸',
      description: '配电箱门缺失，线缆裸露', photos: ['files/p1.jpg'], foundAt: '2026-03-02T09:10:00+08:00', proposedGrade: 'general', hazardCategory: '电气安全',
    });
    day(1);
    await send('accept', township, { jurisdictionConfirmed: true, dedupeKey: 'E-1001/电气/2号车间' });
    await send('grade', inspector, { grade: 'general', responsibleUnit: 'E-1001 设备科', rectificationDeadline: '2026-03-10' });
    const ordered = await send('issueOrder', inspector, { orderDeadline: '2026-03-10', measures: '更换配电箱门，线缆穿管' });
    for (const d of ordered.case.deadlines) log(`deadline ${d.key}: due ${d.dueDate ?? d.dueAt}, ${d.remainingWorkdays} working days left`);
    day(4);
    await send('submitRectification', enterprise, { rectificationEvidence: ['files/after-1.jpg'], rectificationCost: 800, completedOn: '2026-03-07' });
    await send('fail', inspector, { reinspectionOpinion: '线缆未穿管，重新整改', newDeadline: '2026-03-13' });
    day(2);
    await send('submitRectification', enterprise, { rectificationEvidence: ['files/after-2.jpg'], rectificationCost: 1200, completedOn: '2026-03-09' });
    const done = await send('pass', gridOfficer, { reinspectionOpinion: '整改到位，同意销号', signatures: ['王芳'] });

    log(`\ncase ${c.id}: ${done.case.stateLabel} (rework count ${String(done.case.data.reworkCount)})`);
    const history = await engine.history(c.id);
    for (const e of history) log(`${String(e.seq).padStart(3)}  ${e.at}  ${e.type.padEnd(20)} ${(e.actor.name ?? e.actor.id).padEnd(6)} → ${formatStateValue(e.state.value).padEnd(32)} ${e.hash.slice(0, 12)}`);
    const report = await engine.verify(c.id);
    log(`audit: ${report.ok ? 'hash chain and replay verified' : `BROKEN at ${JSON.stringify(report.failures[0])}`}`);
    return { caseId: c.id, state: done.case.stateLabel, events: history.length, verified: report.ok };
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
