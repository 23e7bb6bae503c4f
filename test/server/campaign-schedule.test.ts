/**
 * Campaign progress reports on a timer, and campaign edits (issue 10): at the
 * end of each week of a weekly campaign the reports of that week are opened
 * for every district, exactly once though two processes run the schedule
 * (two pollers with their own claims, on the manual clock); an admin of the
 * owning org edits the campaign with a reason, recorded as a change; others
 * may not, and a district outside the owner or one cases count for is
 * refused. The schedule then follows the edited time box.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createPoller } from '../../engine/index.js';
import { createOrgDirectory } from '../../server/access.js';
import { campaignReportLane, periodEnds } from '../../server/campaigns/report-schedule.js';
import { campaignReportWorkflow } from '../../workflows/index.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { testServer, type TestServer } from './support.js';
import { as, expectError } from './support-http.js';

const CAMPAIGN = {
  id: 'chem-2026', title: '危险化学品企业专项整治', startsOn: '2026-03-02', endsOn: '2026-03-31', reportPeriod: 'weekly',
  industries: ['危险化学品'], districts: ['donghu', 'xishan'], targets: [{ district: 'donghu', found: 20, rectified: 18 }],
};

describe('the periods of a campaign', () => {
  it('end on Sundays (weekly) or months\' last days (monthly), not on the first day, and on the last day', () => {
    expect(periodEnds({ startsOn: '2026-03-01', endsOn: '2026-03-20', reportPeriod: 'weekly' }, '9999-12-31')).toEqual(['2026-03-08', '2026-03-15', '2026-03-20']);
    expect(periodEnds({ startsOn: '2026-01-15', endsOn: '2026-04-10', reportPeriod: 'monthly' }, '9999-12-31')).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-10']);
    expect(periodEnds({ startsOn: '2026-03-02', endsOn: '2026-03-31', reportPeriod: 'weekly' }, '2026-03-10')).toEqual(['2026-03-08']);
  });
});

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('scheduled campaign reports and edits on $name', ({ name, enabled }) => {
  let s: TestServer;
  beforeAll(async () => {
    if (!enabled) return;
    s = await testServer(name, { workflows: [campaignReportWorkflow] });
    expect((await as(s, 'committee-office').post('/api/v1/campaigns', CAMPAIGN)).status).toBe(201);
  });
  afterAll(async () => {
    if (enabled) await s.cleanup();
  });

  const reportIds = async () => ((await as(s, 'committee-office').get('/api/v1/cases?workflow=campaign-report&limit=100')).body.items as { id: string }[]).map((c) => c.id).sort();

  it.skipIf(!enabled)('opens each week\'s reports for every district at the week\'s end, once though two processes run the schedule', async () => {
    const orgs = createOrgDirectory(s.people);
    const pollers = ['p1', 'p2'].map((owner) => createPoller({ name: owner, clock: s.clock, lanes: [campaignReportLane({ engine: s.engine, orgs, owner })] }));
    onTestFinished(async () => { await Promise.all(pollers.map((p) => p.stop())); });
    const idle = () => Promise.all(pollers.map((p) => p.idle()));
    await Promise.all(pollers.map((p) => p.start()));
    await idle();
    expect(await reportIds()).toEqual([]);

    // Sunday 2026-03-08 23:59 in Beijing: the week has not ended.
    s.clock.set('2026-03-08T15:59:00.000Z');
    await idle();
    expect(await reportIds()).toEqual([]);
    // Midnight: the week's reports, one per district, carrying the figures of the week.
    s.clock.set('2026-03-08T16:00:00.000Z');
    await idle();
    expect(await reportIds()).toEqual(['donghu:CR-chem-2026-2026-03-08', 'xishan:CR-chem-2026-2026-03-08']);
    const report = (await as(s, 'committee-office').get('/api/v1/cases/donghu:CR-chem-2026-2026-03-08')).body;
    expect(report.data).toMatchObject({ campaignId: 'chem-2026', periodFrom: '2026-03-02', periodTo: '2026-03-08', targetFound: 20 });
    const history = (await as(s, 'committee-office').get('/api/v1/cases/donghu:CR-chem-2026-2026-03-08/history')).body.items as { actor: { id: string } }[];
    expect(history[0]!.actor.id).toBe('system:campaign-schedule');
    // Asking for the same week again opens nothing new.
    const again = await as(s, 'committee-office').post('/api/v1/campaigns/chem-2026/reports', { periodTo: '2026-03-08' });
    expect(again.body.cases.map((c: { duplicate: boolean }) => c.duplicate)).toEqual([true, true]);

    // A week later both processes wake again; still one report per district and week.
    s.clock.set('2026-03-15T16:00:00.000Z');
    await idle();
    expect(await reportIds()).toHaveLength(4);
    expect(await s.engine.verify()).toMatchObject({ ok: true });
  });

  it.skipIf(!enabled)('is edited by an admin of the owning org with a reason, recorded as a change, within the owner\'s subtree', async () => {
    const edit = { endsOn: '2026-03-18', title: '危险化学品企业专项整治（第一阶段）', reason: '按市安委会部署提前结束第一阶段' };
    // Not an admin, or an admin of a district (not the owner): refused.
    expectError(await as(s, 'committee-office').post('/api/v1/campaigns/chem-2026', edit), 403, 'forbidden');
    expectError(await as(s, 'admin-donghu').post('/api/v1/campaigns/chem-2026', edit), 403, 'forbidden');
    expectError(await as(s, 'admin').post('/api/v1/campaigns/chem-2026', { reason: '无' }), 400, 'invalid_request');
    expectError(await as(s, 'admin').post('/api/v1/campaigns/chem-2026', { endsOn: '2026-02-01', reason: '误填' }), 400, 'invalid_request');
    const outside = await as(s, 'admin').post('/api/v1/campaigns/chem-2026', { districts: ['donghu', 'nowhere'], reason: '调整' });
    expectError(outside, 404, 'org_not_found');

    const r = await as(s, 'admin').post('/api/v1/campaigns/chem-2026', edit);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ endsOn: '2026-03-18', title: edit.title, districts: ['donghu', 'xishan'] });
    const changes = (await as(s, 'leader').get('/api/v1/campaigns/chem-2026/changes')).body.items;
    expect(changes).toMatchObject([{ seq: 1, changedBy: 'admin', reason: edit.reason, before: { endsOn: '2026-03-31', title: CAMPAIGN.title }, after: { endsOn: '2026-03-18', title: edit.title } }]);

    // The schedule follows the edited time box: the last period ends on 03-18, not on Sunday 03-22.
    const orgs = createOrgDirectory(s.people);
    const poller = createPoller({ name: 'p3', clock: s.clock, lanes: [campaignReportLane({ engine: s.engine, orgs, owner: 'p3' })] });
    onTestFinished(() => poller.stop());
    await poller.start();
    s.clock.set('2026-03-18T16:00:00.000Z');
    await poller.idle();
    expect((await reportIds()).filter((id) => id.endsWith('2026-03-18'))).toEqual(['donghu:CR-chem-2026-2026-03-18', 'xishan:CR-chem-2026-2026-03-18']);
    s.clock.set('2026-03-22T16:00:00.000Z');
    await poller.idle();
    expect(await reportIds()).toHaveLength(6);
  });
});
