import ExcelJS from 'exceljs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createEngine, createManualClock, type Actor } from '../../../engine/index.js';
import { createKnexPeopleStore } from '../../../server/index.js';
import { createOrgDirectory } from '../../../server/access.js';
import { createFactsProjection, factsDefinitions } from '../../../server/stats/facts-store.js';
import { buildMonthlyReport, monthlyHtml, monthlyWorkbook } from '../../../server/stats/report.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import { reportPeriods } from '../../../server/stats/monthly.js';
import { freshSqliteStore } from '../../support/stores.js';
import { statsWorkflows } from '../../support/stats-workflows.js';

const clerk = (org: string): Actor => ({ id: 'u-clerk', roles: ['clerk'], org });

/**
 * A seeded November 2026 in a city with two districts (东城区 with a township, 西城区).
 * Hand counts are in the expectations below.
 */
async function seed() {
  const fresh = await freshSqliteStore();
  onTestFinished(fresh.cleanup);
  const { store } = fresh;
  store.addProjection(createFactsProjection(factsDefinitions(statsWorkflows)));
  const clock = createManualClock('2025-11-10T02:00:00.000Z');
  const people = createKnexPeopleStore(store);
  const at = '2025-01-01T00:00:00.000Z';
  await people.addOrg({ id: 'city', name: '示范市', parentId: null, level: 'city', createdAt: at });
  await people.addOrg({ id: 'east', name: '东城区', parentId: 'city', level: 'county', createdAt: at });
  await people.addOrg({ id: 'east-t1', name: '东城街道', parentId: 'east', level: 'township', createdAt: at });
  await people.addOrg({ id: 'west', name: '西城区', parentId: 'city', level: 'county', createdAt: at });
  const orgs = createOrgDirectory(people);
  const engine = await createEngine({ store, clock, workflows: statsWorkflows });
  const to = (iso: string) => clock.set(new Date(iso));
  const open = async (workflowId: string, org: string, data: Record<string, unknown> = {}) => (await engine.createCase({ workflowId, org, actor: clerk(org), data })).case.id;
  const send = async (id: string, type: string, org: string, payload: Record<string, unknown> = {}) => engine.send(id, { type, payload }, clerk(org));
  const fireDue = async () => {
    for (const t of await store.timers.listDue(clock.now().toISOString(), 100)) await engine.fireTimer(t);
  };

  // Last year: one general accident in 东城区 (1 death, 10万).
  const a0 = await open('accident', 'east-t1', { sector: '道路运输', occurredAt: '2025-11-09T02:00:00.000Z', deaths: 1, seriousInjuries: 0, directLossCny: 100_000 });
  await send(a0, 'confirm', 'east-t1', { grade: 'general' });
  // March: a general accident in 西城区 (2 deaths, 1 injured, 50万).
  to('2026-03-05T02:00:00.000Z');
  const a1 = await open('accident', 'west', { sector: '建筑施工', occurredAt: '2026-03-04T02:00:00.000Z', deaths: 2, seriousInjuries: 1, directLossCny: 500_000 });
  await send(a1, 'confirm', 'west', { grade: 'general' });
  to('2026-10-01T02:00:00.000Z');
  await open('supervision-letter', 'west'); // L1: outstanding
  to('2026-10-15T02:00:00.000Z');
  const h4 = await open('hazard', 'west', { grade: 'general', sector: '工贸' }); // found in October, rejected in November
  to('2026-10-20T02:00:00.000Z');
  const t2 = await open('tip-off', 'west'); // received in October, handled in November
  // Reported on 1 November, happened at 20:00 on 31 October Beijing time: October's.
  to('2026-11-01T01:00:00.000Z');
  const a5 = await open('accident', 'west', { sector: '建筑施工', occurredAt: '2026-10-31T12:00:00.000Z', deaths: 1, seriousInjuries: 0, directLossCny: 0 });
  await send(a5, 'confirm', 'west', { grade: 'general' });
  to('2026-11-02T02:00:00.000Z');
  const h1 = await open('hazard', 'east-t1', { grade: 'major', sector: '危险化学品' });
  const l2 = await open('supervision-letter', 'east');
  to('2026-11-03T02:00:00.000Z');
  // November's one accident: serious, listed, 3 deaths, 4 injured, 200万.
  const a2 = await open('accident', 'east-t1', { sector: '道路运输', occurredAt: '2026-11-02T02:00:00.000Z', deaths: 3, seriousInjuries: 4, directLossCny: 2_000_000 });
  await send(a2, 'confirm', 'east-t1', { grade: 'serious', listed: true });
  const h2 = await open('hazard', 'east', { grade: 'general', sector: '工贸' });
  to('2026-11-04T02:00:00.000Z');
  await open('accident', 'east', { sector: '工贸', occurredAt: '2026-11-03T02:00:00.000Z', deaths: 0, seriousInjuries: 1, directLossCny: 50_000 }); // never confirmed
  to('2026-11-05T02:00:00.000Z');
  const a4 = await open('accident', 'west', { sector: '工贸', occurredAt: '2026-11-05T01:00:00.000Z', deaths: 1, seriousInjuries: 0, directLossCny: 10_000 });
  await send(a4, 'confirm', 'west', { grade: 'general' });
  await send(a4, 'dismiss', 'west'); // not a work-safety accident
  to('2026-11-06T02:00:00.000Z');
  await send(h2, 'writeOff', 'east'); // rectified on time
  to('2026-11-07T02:00:00.000Z');
  const t1 = await open('tip-off', 'west');
  to('2026-11-08T02:00:00.000Z');
  await send(h4, 'reject', 'west');
  to('2026-11-09T02:00:00.000Z');
  await send(t1, 'handle', 'west');
  to('2026-11-10T02:00:00.000Z');
  const h3 = await open('hazard', 'west', { grade: 'major', sector: '矿山' });
  to('2026-11-11T02:00:00.000Z');
  await send(t2, 'handle', 'west');
  to('2026-11-12T02:00:00.000Z');
  await open('tip-off', 'east'); // received, not handled
  to('2026-11-15T02:00:00.000Z');
  await send(l2, 'accept', 'east');
  to('2026-11-19T02:00:00.000Z');
  await fireDue(); // h1 overdue
  to('2026-11-20T02:00:00.000Z');
  await send(h1, 'writeOff', 'east-t1'); // rectified, late
  to('2026-11-25T02:00:00.000Z');
  await open('hazard', 'east', { grade: 'major', sector: '工贸' }); // h5: open major, not yet due
  to('2026-11-28T02:00:00.000Z');
  await fireDue(); // h3 overdue
  await open('supervision-letter', 'east'); // L3: outstanding
  // December: what happens after the month does not change November's month-end figures.
  to('2026-12-03T02:00:00.000Z');
  await send(h3, 'writeOff', 'west');
  await send(a2, 'close', 'east-t1');
  return { stats: createKnexStatsStore(store), history: (id: string) => engine.history(id), orgs };
}

const fig = (count: number, deaths: number, injuries: number, directLossCny: number) => ({ count, deaths, injuries, directLossCny });

describe('the monthly report', () => {
  it('cuts months in Beijing time', () => {
    const p = reportPeriods('2026-11');
    expect(new Date(p.month.from).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(new Date(p.month.to).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(new Date(p.lastYtd.from).toISOString()).toBe('2024-12-31T16:00:00.000Z');
  });

  it('matches the hand counts of a seeded month, and reads back as a workbook', async () => {
    const { stats, history, orgs } = await seed();
    const r = await buildMonthlyReport(stats, history, orgs, { month: '2026-11' });
    expect(r.scope).toBe('示范市');
    expect(r.accidents.total).toEqual({ label: '合计', month: fig(1, 3, 4, 2_000_000), lastYearMonth: fig(1, 1, 0, 100_000), ytd: fig(3, 6, 5, 2_500_000), lastYearYtd: fig(1, 1, 0, 100_000) });
    expect(r.accidents.byGrade.map((g) => [g.label, g.month.count, g.ytd.count])).toEqual([['一般事故', 0, 2], ['较大事故', 1, 1], ['重大事故', 0, 0], ['特别重大事故', 0, 0]]);
    expect(r.accidents.byDistrict.map((d) => [d.label, d.month.count, d.ytd.count, d.ytd.deaths, d.lastYearMonth.count])).toEqual([['东城区', 1, 1, 3, 1], ['西城区', 0, 2, 3, 0]]);
    expect(r.accidents.byIndustry.map((d) => [d.label, d.ytd.count])).toEqual([['建筑施工', 2], ['道路运输', 1]]);
    expect(r.hazards.byDistrict).toEqual([
      { label: '东城区', found: 3, rectified: 2, rectifiedOnTime: 1, overdue: 0, openMajor: 1 },
      { label: '西城区', found: 1, rectified: 0, rectifiedOnTime: 0, overdue: 1, openMajor: 1 },
    ]);
    expect(r.hazards.total).toEqual({ label: '合计', found: 4, rectified: 2, rectifiedOnTime: 1, overdue: 1, openMajor: 2 });
    expect(r.letters).toEqual({ outstanding: 2, listedAccidentsOutstanding: 1 });
    expect(r.tipOffs).toEqual({ received: 2, handled: 2 });

    // One district's subtree.
    const east = await buildMonthlyReport(stats, history, orgs, { month: '2026-11', org: 'east' });
    expect(east.scope).toBe('东城区');
    expect(east.hazards.total).toMatchObject({ found: 3, openMajor: 1 });
    expect(east.accidents.total.ytd.count).toBe(1);

    // As of 15 November (from the history): h1 was still open and not yet overdue.
    const mid = await buildMonthlyReport(stats, history, orgs, { month: '2026-11', at: '2026-11-15T12:00:00.000Z' });
    expect(mid.hazards.total).toMatchObject({ found: 3, rectified: 1, openMajor: 2, overdue: 0 });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await monthlyWorkbook(r)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['事故按等级', '事故按行业', '事故按区县', '隐患排查治理', '督办与举报', '说明']);
    const byDistrict = wb.getWorksheet('事故按区县')!;
    expect(byDistrict.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(byDistrict.getRow(2).getCell(2).value).toBe('起数');
    expect(byDistrict.getRow(5).values).toEqual([undefined, '合计', 1, 3, 4, 200, 1, 1, 0, 10, 3, 6, 5, 250, 1, 1, 0, 10]);
    expect(byDistrict.getColumn(5).numFmt).toBe('#,##0.00');
    const hz = wb.getWorksheet('隐患排查治理')!;
    expect(hz.getRow(1).values).toEqual([undefined, '区县', '排查发现', '整改完成', '按期整改', '逾期未改', '重大隐患未销号']);
    expect(hz.getRow(4).values).toEqual([undefined, '合计', 4, 2, 1, 1, 2]);
    expect(wb.getWorksheet('督办与举报')!.getRow(2).values).toEqual([undefined, '督办函未办结', 2]);

    const html = monthlyHtml(r);
    expect(html).toContain('示范市安全生产月报（2026年11月）');
    expect(html).toContain('size: A4');
    expect(html).not.toMatch(/east|hazard|accident|general|2026-11-/);
  });
});
