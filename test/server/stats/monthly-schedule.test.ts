/**
 * The scheduled monthly report on a manual clock: due on the first working
 * day of the month (08:00 Beijing time, holidays and make-up days from the
 * calendar), generated, stored with its sha256 and mailed once even with two
 * processes' lanes running over one database.
 */
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createPoller } from '../../../engine/index.js';
import { createEmailChannel } from '../../../notifications/index.js';
import { createOrgDirectory } from '../../../server/access.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import { firstWorkingDay, monthlyReportLane, reportDueAt, type MonthlyScheduleOptions } from '../../../server/stats/monthly-schedule.js';
import { startSmtp } from '../../notifications/support.js';
import { miniAccident } from '../../support/stats-workflows.js';
import { testServer } from '../support.js';

describe('the scheduled monthly report', () => {
  it('falls due on the first working day of the month at 08:00 Beijing time', async () => {
    const ts = await testServer('sqlite');
    onTestFinished(ts.cleanup);
    const cal = await ts.engine.calendars.get('cn');
    expect(firstWorkingDay(cal, '2026-01')).toBe('2026-01-04'); // a make-up Sunday after New Year
    expect(firstWorkingDay(cal, '2026-10')).toBe('2026-10-08'); // after the National Day week
    expect(firstWorkingDay(cal, '2026-11')).toBe('2026-11-02'); // the 1st is a Sunday
    expect(reportDueAt(cal, '2026-10').toISOString()).toBe('2026-10-08T00:00:00.000Z');
  });

  it('is generated, stored with its hash and sent once by two processes', async () => {
    const ts = await testServer('sqlite', { workflows: [miniAccident] });
    onTestFinished(ts.cleanup);
    const smtp = await startSmtp();
    onTestFinished(() => smtp.close());
    const stats = createKnexStatsStore(ts.fresh.store);
    const orgs = createOrgDirectory(ts.people);
    const clerk = { id: 'c', roles: ['clerk'], org: 'donghu' };
    const a = (await ts.engine.createCase({ workflowId: 'accident', org: 'donghu', actor: clerk, data: { occurredAt: '2026-02-20T02:00:00.000Z', deaths: 2 } })).case.id;
    await ts.engine.send(a, { type: 'confirm', payload: { grade: 'general' } }, clerk);
    const lanes = ['p1', 'p2'].map((owner) => {
      const email = createEmailChannel({ url: smtp.url, from: '督办 <duban@duban.test>', pool: false });
      const opts: MonthlyScheduleOptions = {
        clock: ts.clock, calendar: () => ts.engine.calendars.get('cn'), stats, orgs, people: ts.people, history: (id) => ts.engine.history(id), email,
        recipients: ['committee-leader', 'leader', 'boss@city.test'], publicUrl: 'https://duban.test', owner,
      };
      return createPoller({ name: owner, clock: ts.clock, lanes: [monthlyReportLane(opts)] });
    });
    onTestFinished(async () => { await Promise.all(lanes.map((p) => p.stop())); });
    const idle = () => Promise.all(lanes.map((p) => p.idle()));

    // 2 March 2026 10:00: the report of February was due at 08:00 (the 2nd is the first working day).
    await Promise.all(lanes.map((p) => p.start()));
    await idle();
    const feb = await stats.reports.get('2026-02', 'jiangzhou');
    expect(feb?.sentAt).not.toBeNull();
    expect(feb!.sha256).toBe(createHash('sha256').update(feb!.xlsx!).digest('hex'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(feb!.xlsx! as unknown as ArrayBuffer);
    expect(wb.getWorksheet('事故按区县')!.getRow(3).values).toContain('东湖区');
    expect(smtp.mails.map((m) => m.envelopeTo[0]).sort()).toEqual(['boss@city.test', 'committee-leader@example.test', 'leader@example.test']);
    expect(smtp.mails[0]!.parsed.subject).toBe('【月报】江州市安全生产月报（2026年2月）');
    expect(smtp.mails[0]!.parsed.text).toContain('https://duban.test/stats/reports/2026-02?org=jiangzhou');
    expect(smtp.mails[0]!.parsed.text).toContain(feb!.sha256!);

    // October: nothing during the National Day week; the September report on the 8th at 08:00, once.
    ts.clock.set('2026-10-07T23:59:00.000Z');
    await idle();
    expect((await stats.reports.list()).map((r) => r.month)).toEqual(['2026-02']);
    expect(smtp.mails).toHaveLength(3);
    ts.clock.set('2026-10-08T00:00:00.000Z');
    await idle();
    expect((await stats.reports.list()).map((r) => r.month)).toEqual(['2026-09', '2026-02']);
    expect(smtp.mails).toHaveLength(6);
  });
});
