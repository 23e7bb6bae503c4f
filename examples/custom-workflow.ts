/**
 * Loads a workflow written in plain JSON (no TypeScript), registers it and runs
 * a case through it on a fresh SQLite file: proof that an admin can add a
 * workflow without writing code.
 *
 *   npx tsx examples/custom-workflow.ts
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createKnexStore, formatStateValue } from '../engine/index.js';

export async function main(opts: { sqliteFile?: string; log?: (line: string) => void } = {}): Promise<{ caseId: string; state: string; events: number }> {
  const log = opts.log ?? console.log;
  const definition = JSON.parse(readFileSync(new URL('./training-record.workflow.json', import.meta.url), 'utf8')) as unknown;
  const store = createKnexStore({ sqliteFile: opts.sqliteFile ?? join(mkdtempSync(join(tmpdir(), 'duban-custom-')), 'duban.sqlite') });
  try {
    await store.migrate();
    const engine = await createEngine({ store });
    const { ref } = await engine.registerWorkflow(definition);
    log(`registered ${ref}`);
    const officer = { id: 'zhang.wei', roles: ['enterpriseSafetyOfficer'], org: 'xinhe-township' };
    const office = { id: 'li.na', roles: ['townshipSafetyOffice'], org: 'xinhe-township' };
    const { case: c } = await engine.createCase({ workflowId: 'training-record', org: 'xinhe-township', data: { enterprise: '新河机械厂' }, actor: officer });
    await engine.send(c.id, { type: 'submit', payload: { trainees: 42, hours: 6 } }, officer);
    await engine.send(c.id, { type: 'sendBack', payload: { comments: '学时不足8小时，请补充培训' } }, office);
    await engine.send(c.id, { type: 'submit', payload: { trainees: 42, hours: 8 } }, officer);
    const done = await engine.send(c.id, { type: 'approve' }, office);
    const history = await engine.history(c.id);
    for (const e of history) log(`${e.seq}  ${e.type.padEnd(13)} ${e.actor.id.padEnd(10)} → ${formatStateValue(e.state.value)}`);
    const report = await engine.verify(c.id);
    log(`state: ${done.case.stateLabel}; audit chain ${report.ok ? 'verified' : 'BROKEN'}`);
    return { caseId: c.id, state: done.case.stateLabel, events: history.length };
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
