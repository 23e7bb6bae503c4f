import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createKnexStore, createManualClock } from '../../engine/index.js';
import { createKnexPeopleStore } from '../../server/index.js';
import { createFactsProjection, factsDefinitions } from '../../server/stats/facts-store.js';
import { createKnexStatsStore } from '../../server/stats/knex-stats.js';
import { miniHazard, statsClerk } from '../support/stats-workflows.js';

const run = promisify(execFile);
const bin = new URL('../../bin/duban.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'duban-stats-cli-'));
const db = join(dir, 'duban.sqlite');

async function duban(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { env: { ...process.env, DUBAN_DB: db, DATABASE_URL: '' }, timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

// The stand-in hazard as a version the built-ins do not use, so `duban` can register its own beside it.
const hazard99 = { ...miniHazard, version: 99 };
let before: unknown[] = [];

beforeAll(async () => {
  const store = createKnexStore({ sqliteFile: db });
  await store.migrate();
  store.addProjection(createFactsProjection(factsDefinitions([hazard99])));
  const people = createKnexPeopleStore(store);
  await people.addOrg({ id: 'city', name: '示范市', parentId: null, level: 'city', createdAt: '2025-01-01T00:00:00.000Z' });
  await people.addOrg({ id: 'east', name: '东城区', parentId: 'city', level: 'county', createdAt: '2025-01-01T00:00:00.000Z' });
  const engine = await createEngine({ store, clock: createManualClock('2026-11-02T02:00:00.000Z'), workflows: [hazard99] });
  await engine.createCase({ workflowId: 'hazard', org: 'east', actor: { ...statsClerk, org: 'east' }, data: { grade: 'major', sector: '危险化学品' } });
  before = await createKnexStatsStore(store).facts.list();
  await store.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('duban stats and report', { timeout: 120_000 }, () => {
  it('rebuilds the facts from the history with the same result', async () => {
    const r = await duban('stats', 'rebuild');
    expect(r.out).toContain('case facts rebuilt: 1 cases');
    expect(r.code).toBe(0);
    const store = createKnexStore({ sqliteFile: db });
    try {
      expect(await createKnexStatsStore(store).facts.list()).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('writes the monthly report as a workbook and as JSON', async () => {
    const xlsx = join(dir, 'report.xlsx');
    const r = await duban('report', 'monthly', '--month', '2026-11', '--format', 'xlsx', '--out', xlsx);
    expect(r.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    const hz = wb.getWorksheet('隐患排查治理')!;
    expect(hz.getRow(2).values).toEqual([undefined, '东城区', 1, 0, 0, 0, 1]);
    const json = join(dir, 'report.json');
    expect((await duban('report', 'monthly', '--month', '2026-11', '--org', 'east', '--format', 'json', '--out', json)).code).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ scope: '东城区', hazards: { total: { found: 1, openMajor: 1 } } });
    expect((await duban('report', 'monthly', '--month', '2026-11', '--org', 'nowhere', '--out', json)).code).not.toBe(0);
    expect((await duban('report', 'monthly', '--month', 'November', '--out', json)).code).toBe(2);
  });
});
