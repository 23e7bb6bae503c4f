/**
 * Bytes of notification outbox per event: runs general hazards report → close
 * (submit, accept, grade, order, rectification, verify, pass) on a fresh
 * SQLite file and divides the pages the outbox table and its indexes take
 * (SQLite's `dbstat`) by the number of events. Also prints the bytes of the
 * rendering input the rows store (`vars` + `confidential` JSON) per event.
 *
 *   npx tsx bench/outbox-bytes.ts [cases]     (default 300)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine, createKnexStore, type Actor } from '../engine/index.js';
import { createTemplateCatalog } from '../notifications/index.js';
import { setDocNumberPrefix } from '../server/index.js';
import { builtinWorkflows } from '../workflows/index.js';

const ORG = 'district-a';
const as = (...roles: string[]): Actor => ({ id: roles.length === 1 && roles[0] === 'system' ? 'system:bench' : `u-${roles.join('+')}`, roles, org: ORG, name: `用户${roles.join('')}` });

const submit = {
  source: 'gridPatrol', location: '开发区纬三路12号 2号车间', gridId: 'G-0103', enterpriseId: 'E-1001', sector: '工贸',
  description: '粉尘涉爆车间除尘系统未设置泄爆装置', photos: ['files/p1.jpg'], foundAt: '2026-03-01T09:30:00+08:00', proposedGrade: 'general', hazardCategory: '粉尘防爆',
};
const steps: [string, string, Record<string, unknown>?][] = [
  ['submit', 'gridOfficer', submit],
  ['accept', 'townshipSafetyOffice', { jurisdictionConfirmed: true, dedupeKey: 'E-1001/粉尘防爆/2号车间' }],
  ['grade', 'inspector', { grade: 'general', responsibleUnit: 'E-1001 设备科', rectificationDeadline: '2026-03-16' }],
  ['issueOrder', 'inspector', { orderDeadline: '2026-03-16', measures: '加装泄爆装置' }],
  ['submitRectification', 'enterpriseSafetyOfficer', { rectificationEvidence: ['files/after.jpg'], rectificationCost: 12000, completedOn: '2026-03-10' }],
  ['pass', 'gridOfficer', { reinspectionOpinion: '整改到位，同意销号', signatures: ['张三', '李四'] }],
];

export async function main(cases = Number(process.argv[2] ?? 300)): Promise<{ bytesPerEvent: number; inputBytesPerEvent: number; rowsPerEvent: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'duban-outbox-bytes-'));
  const store = createKnexStore({ sqliteFile: join(dir, 'bench.sqlite') });
  try {
    await store.migrate();
    const engine = await createEngine({ store, templates: createTemplateCatalog(), workflows: builtinWorkflows });
    await setDocNumberPrefix(store, { org: ORG, series: 'rectificationOrder', prefix: '应急责改', setBy: 'bench', at: new Date().toISOString() });
    for (let i = 0; i < cases; i++) {
      const { case: c } = await engine.createCase({ workflowId: 'hazard', org: ORG, actor: as('gridOfficer') });
      for (const [type, role, payload] of steps) await engine.send(c.id, { type, ...(payload ? { payload } : {}) }, as(role));
    }
    const knex = store.knex;
    const events = Number(((await knex('case_events').count({ n: '*' }).first()) as { n: number }).n);
    const rows = Number(((await knex('outbox').count({ n: '*' }).first()) as { n: number }).n);
    // The outbox table and its indexes, in whole pages as the file holds them.
    const pages = (await knex.raw(`SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'outbox')`)) as { bytes: number }[];
    const input = (await knex('outbox').sum({ n: knex.raw('length(CAST(vars AS BLOB)) + length(CAST(confidential AS BLOB))') }).first()) as { n: number | null };
    const bytesPerEvent = Math.round(Number(pages[0]?.bytes ?? 0) / events);
    const inputBytesPerEvent = Math.round(Number(input.n ?? 0) / events);
    const rowsPerEvent = rows / events;
    console.log(`${cases} general hazards report → close: ${events} events, ${rows} outbox rows (${rowsPerEvent.toFixed(2)} per event)`);
    console.log(`outbox table and indexes (dbstat pages): ${bytesPerEvent} B per event; rendering input (vars + confidential JSON): ${inputBytesPerEvent} B per event`);
    return { bytesPerEvent, inputBytesPerEvent, rowsPerEvent };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
