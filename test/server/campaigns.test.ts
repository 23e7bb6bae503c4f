/**
 * 专项整治 campaigns over HTTP (issue 10): created by the committee office of
 * the city within its subtree, hazards joining one only while it is active
 * and covers their org and industry (checked before anything is opened), the
 * figures per district against the targets, and the weekly progress reports
 * opened per district, filled in by the district and accepted by the city.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/people.js';
import { campaignReportWorkflow } from '../../workflows/index.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { testServer, type TestServer } from './support.js';
import { as, expectError } from './support-http.js';

const CAMPAIGN = {
  id: 'dust-2026', title: '危险化学品企业专项整治', startsOn: '2026-03-01', endsOn: '2026-06-30', reportPeriod: 'weekly',
  industries: ['危险化学品'], districts: ['donghu', 'xishan'], targets: [{ district: 'donghu', found: 20, rectified: 18 }],
};
const SELF_CHECK = {
  source: 'selfCheck', location: '储罐区', enterpriseId: 'qingshui-chem', sector: '危险化学品', description: '储罐区可燃气体报警器失效',
  photos: ['files/p1.jpg'], foundAt: '2026-03-02T09:30:00+08:00', proposedGrade: 'general', hazardCategory: '危化品储存', rectificationDeadline: '2026-03-06',
};

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('campaigns over HTTP on $name', ({ name, enabled }) => {
  let s: TestServer;
  beforeAll(async () => {
    if (!enabled) return;
    s = await testServer(name, { workflows: [campaignReportWorkflow] });
    s.tokens['donghu-office'] = (await createUser(s.people, s.clock, { id: 'donghu-office', name: '东湖区安委办 赵办', orgId: 'donghu', roles: ['safetyCommitteeOffice'] })).token;
  });
  afterAll(async () => {
    if (enabled) await s.cleanup();
  });

  /** Events of a case sent as a user, each expected to succeed. */
  const send = async (user: string, caseId: string, type: string, payload: Record<string, unknown> = {}) => {
    const r = await as(s, user).post(`/api/v1/cases/${encodeURIComponent(caseId)}/events`, { type, payload });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { case: { data: Record<string, unknown>; status: string } };
  };

  it.skipIf(!enabled)('is created by the committee office within its subtree, never by a grid officer or for a district outside the owner', async () => {
    expectError(await as(s, 'grid-officer').post('/api/v1/campaigns', CAMPAIGN), 403, 'forbidden');
    expectError(await as(s, 'donghu-office').post('/api/v1/campaigns', { ...CAMPAIGN, id: 'x', districts: ['xishan'], targets: [] }), 404, 'org_not_found');
    expectError(await as(s, 'committee-office').post('/api/v1/campaigns', { ...CAMPAIGN, id: 'y', targets: [{ district: 'donghu-qingshui', found: 1, rectified: 1 }] }), 400, 'invalid_request');
    const created = await as(s, 'committee-office').post('/api/v1/campaigns', CAMPAIGN);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ownerOrg: 'jiangzhou', status: 'active' });
    expectError(await as(s, 'committee-office').post('/api/v1/campaigns', CAMPAIGN), 409, 'already_exists');
  });

  it.skipIf(!enabled)('takes a hazard of a covered enterprise and industry, and refuses one of another industry without opening it', async () => {
    const opened = await as(s, 'enterprise-officer').post('/api/v1/cases', { workflowId: 'hazard', campaignId: CAMPAIGN.id });
    expect(opened.status).toBe(201);
    const id = (opened.body as { case: { id: string } }).case.id;
    const before = (await as(s, 'hengda-officer').get('/api/v1/cases')).body.items.length;
    // 恒达机械 is 机械制造: the campaign covers 危险化学品 only.
    expectError(await as(s, 'hengda-officer').post('/api/v1/cases', { workflowId: 'hazard', campaignId: CAMPAIGN.id }), 422, 'campaign_not_applicable');
    expect((await as(s, 'hengda-officer').get('/api/v1/cases')).body.items).toHaveLength(before);
    expectError(await as(s, 'enterprise-officer').post('/api/v1/cases', { workflowId: 'hazard', campaignId: 'no-such' }), 404, 'campaign_not_found');

    // The company finds, fixes and verifies a general hazard itself: it counts as found and rectified for 东湖区.
    await send('enterprise-officer', id, 'submit', SELF_CHECK);
    await send('enterprise-officer', id, 'submitRectification', { rectificationEvidence: ['files/after.jpg'], rectificationCost: 800, completedOn: '2026-03-04', rectificationSummary: '更换报警器' });
    const closed = await send('enterprise-principal', id, 'selfVerify', { selfVerificationRecord: '验收合格' });
    expect(closed.case.status).toBe('done');
    const second = await as(s, 'enterprise-officer').post('/api/v1/cases', { workflowId: 'hazard', campaignId: CAMPAIGN.id });
    expect(second.status).toBe(201);

    const read = await as(s, 'committee-office').get(`/api/v1/campaigns/${CAMPAIGN.id}`);
    expect(read.body.figures).toEqual([
      { district: 'donghu', name: '东湖区', found: 2, rectified: 1, otherCases: 0, targetFound: 20, targetRectified: 18 },
      { district: 'xishan', name: '西山区', found: 0, rectified: 0, otherCases: 0, targetFound: null, targetRectified: null },
    ]);
    // A district reads its own district's figures only; a case joins one campaign.
    const forDistrict = await as(s, 'inspector').get('/api/v1/campaigns');
    expect(forDistrict.body.items.map((c: { figures: { district: string }[] }) => c.figures.map((f) => f.district))).toEqual([['donghu']]);
    const again = await as(s, 'inspector').post(`/api/v1/campaigns/${CAMPAIGN.id}/cases`, { caseId: id });
    expect(again.body).toMatchObject({ district: 'donghu', added: false });
  });

  it.skipIf(!enabled)('opens the week\'s progress report per district with the figures of the period, filled in by the district and accepted by the city', async () => {
    s.clock.set('2026-03-09T01:00:00.000Z'); // Monday
    expectError(await as(s, 'committee-office').post(`/api/v1/campaigns/${CAMPAIGN.id}/reports`, { periodTo: '2026-03-15' }), 400, 'invalid_request');
    expectError(await as(s, 'donghu-office').post(`/api/v1/campaigns/${CAMPAIGN.id}/reports`, { periodTo: '2026-03-08' }), 403, 'forbidden');
    const opened = await as(s, 'committee-office').post(`/api/v1/campaigns/${CAMPAIGN.id}/reports`, { periodTo: '2026-03-08' });
    expect(opened.status).toBe(201);
    expect(opened.body.period).toEqual({ from: '2026-03-02', to: '2026-03-08' });
    expect(opened.body.cases.map((c: { district: string; duplicate: boolean }) => [c.district, c.duplicate])).toEqual([['donghu', false], ['xishan', false]]);
    const again = await as(s, 'committee-office').post(`/api/v1/campaigns/${CAMPAIGN.id}/reports`, { periodTo: '2026-03-08' });
    expect(again.body.cases?.map((c: { duplicate: boolean }) => c.duplicate), JSON.stringify(again.body)).toEqual([true, true]);

    const donghu = opened.body.cases[0].caseId as string;
    const report = await as(s, 'donghu-office').get(`/api/v1/cases/${encodeURIComponent(donghu)}`);
    expect(report.body.data).toMatchObject({ districtName: '东湖区', found: 2, rectified: 1, targetFound: 20, periodFrom: '2026-03-02', periodTo: '2026-03-08' });
    // Three working days after Monday 2026-03-09 (the day it opens does not count): due at the end of Thursday 2026-03-12.
    expect(report.body.deadlines[0]).toMatchObject({ dueAt: '2026-03-12T16:00:00.000Z' });
    await send('donghu-office', donghu, 'submitReport', { inspectedUnits: 12, measures: '开展危化企业全覆盖检查', problems: '个别企业报警器老化', nextSteps: '下周复查' });
    // The district cannot accept its own report; the city office does.
    expectError(await as(s, 'donghu-office').post(`/api/v1/cases/${encodeURIComponent(donghu)}/events`, { type: 'acceptReport', payload: {} }), 422, 'guard_failed');
    const accepted = await send('committee-office', donghu, 'acceptReport', { reviewComments: '同意' });
    expect(accepted.case.status).toBe('done');
  });

  it.skipIf(!enabled)('refuses cases once the campaign is closed', async () => {
    expectError(await as(s, 'inspector').post(`/api/v1/campaigns/${CAMPAIGN.id}/close`), 403, 'forbidden');
    expect((await as(s, 'committee-office').post(`/api/v1/campaigns/${CAMPAIGN.id}/close`)).body.status).toBe('closed');
    expectError(await as(s, 'enterprise-officer').post('/api/v1/cases', { workflowId: 'hazard', campaignId: CAMPAIGN.id }), 422, 'campaign_not_applicable');
  });
});
