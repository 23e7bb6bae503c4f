/**
 * Calendars over HTTP: provisional years said everywhere, the official notice
 * re-baselining open deadlines, and calendars that belong to an org.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../engine/index.js';
import { as, expectError, openCase, signIn, web } from './support-http.js';
import { testServer, type TestServer } from './support.js';

/** The permit review, counted on a calendar that 东湖区 registers for itself. */
const localPermit = defineWorkflow({
  id: 'local-permit',
  version: 1,
  title: { zh: '区级许可审查', en: 'District permit review' },
  roles: ['chief'],
  calendar: 'donghu-rest',
  data: { type: 'object', properties: {} },
  initial: 'review',
  states: {
    review: { task: { title: '审查申请', role: 'chief' }, deadlines: [{ id: 'decide', title: '审查期限', duration: '3 workdays' }], on: { approve: { target: 'done', roles: ['chief'] } } },
    done: { type: 'final' },
  },
});

let s: TestServer;
afterEach(() => s.cleanup());

describe('provisional years over HTTP', () => {
  it('marks a deadline computed on 2027 in the deadline API, the case, the task list and the pages (暂定); not one on an official year', async () => {
    s = await testServer();
    s.clock.set('2026-12-30T02:00:00.000Z');
    const d = await as(s, 'clerk-donghu').get(`/api/v1/calendars/cn/deadline?start=2026-12-30T02:00:00%2B08:00&duration=${encodeURIComponent('3 workdays')}`);
    expect(d.body).toMatchObject({ dueDate: '2027-01-05', provisional: true, provisionalYears: [2027] });
    const official = await as(s, 'clerk-donghu').get(`/api/v1/calendars/cn/deadline?start=2026-12-01T02:00:00%2B08:00&duration=${encodeURIComponent('3 workdays')}`);
    expect(official.body.provisional).toBeUndefined();

    const id = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
    const c = (await as(s, 'chief-donghu').get(`/api/v1/cases/${id}`)).body;
    expect(c.deadlines[0]).toMatchObject({ dueDate: '2027-01-05', provisional: true, provisionalYears: [2027] });
    const tasks = (await as(s, 'chief-donghu').get('/api/v1/tasks')).body.items;
    expect(tasks.find((t: { caseId: string }) => t.caseId === id)).toMatchObject({ dueProvisional: true });

    const page = await request(s.app).get(`/cases/${id}`).set(await web(s, 'chief-donghu'));
    expect(page.text).toContain('暂定');
    expect(page.text).toContain('2027年放假安排尚未公布');
    const worklist = await request(s.app).get('/tasks').set(await web(s, 'chief-donghu'));
    expect(worklist.text).toContain('暂定');
  });

  it('re-baselines an open case when the root admin posts the official year, with a history event', async () => {
    s = await testServer();
    s.clock.set('2026-12-30T02:00:00.000Z');
    const id = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
    // Test data for the notice (not the real 2027 notice): a make-up working Saturday on 2 January.
    const posted = await as(s, 'admin').post('/api/v1/calendars/cn/years', {
      years: [2027], source: '测试用2027年通知', days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }, { date: '2027-01-02', kind: 'workday', name: '元旦调休上班' }],
    });
    expect([posted.status, posted.body]).toEqual([201, { id: 'cn', version: 2, created: true, rebaselined: { cases: 1, failed: 0 } }]);
    const c = (await as(s, 'chief-donghu').get(`/api/v1/cases/${id}`)).body;
    expect(c.deadlines[0]).toMatchObject({ dueDate: '2027-01-04', calendar: { id: 'cn', version: 2 } });
    expect(c.deadlines[0].provisional).toBeUndefined();
    const history = (await as(s, 'chief-donghu').get(`/api/v1/cases/${id}/history`)).body.items;
    expect(history.at(-1)).toMatchObject({ type: 'deadline.rebaselined', payload: { calendar: 'cn', changes: [{ oldDueDate: '2027-01-05', newDueDate: '2027-01-04', fromVersion: 1, toVersion: 2 }] } });
    expect((await s.engine.verify(id)).ok).toBe(true);
    expect((await request(s.app).get(`/cases/${id}`).set(await web(s, 'chief-donghu'))).text).toContain('按正式放假安排重新核定期限');
  });
});

describe('warning ahead', () => {
  it('says from 1 October, in /readyz and on the admin pages, that next year is still provisional — without failing readiness', async () => {
    s = await testServer();
    s.clock.set('2026-09-30T12:00:00+08:00');
    expect((await request(s.app).get('/readyz')).body).toEqual({ status: 'ready' });
    expect((await request(s.app).get('/admin/workflows').set(await web(s, 'admin'))).text).not.toContain('calendar-notice');

    s.clock.set('2026-10-01T00:00:00+08:00');
    const ready = await request(s.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', warnings: [{ code: 'calendar_next_year_provisional', calendar: 'cn', year: 2027 }] });
    // Twelve hours on, the session signed in above has expired: sign in afresh.
    const admin = await request(s.app).get('/admin/workflows').set('Cookie', await signIn(s, s.tokens.admin!));
    expect(admin.text).toContain('2027年放假安排尚未导入');
    expect((await request(s.app).get('/tasks').set(await web(s, 'chief-donghu'))).text).not.toContain('calendar-notice');

    await as(s, 'admin').post('/api/v1/calendars/cn/years', { years: [2027], days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }] });
    expect((await request(s.app).get('/readyz')).body).toEqual({ status: 'ready' });
  });
});

describe('calendars belong to an org', () => {
  it('refuses a district admin posting years to cn, and nothing changes', async () => {
    s = await testServer();
    const r = await as(s, 'admin-donghu').post('/api/v1/calendars/cn/years', { years: [2026], days: [{ date: '2026-12-01', kind: 'holiday', name: '全月放假' }] });
    expectError(r, 403, 'out_of_jurisdiction');
    expectError(await as(s, 'admin-donghu').post('/api/v1/calendars', { id: 'cn', years: [2026], days: [] }), 403, 'out_of_jurisdiction');
    const list = (await as(s, 'admin').get('/api/v1/calendars')).body.items;
    expect(list.map((c: { id: string; version: number }) => [c.id, c.version])).toEqual([['cn', 1]]);
    expect(list[0]).toMatchObject({ ownerOrg: 'jiangzhou', years: [2025, 2026], provisionalYears: [2027, 2028, 2029] });
  });

  it("registers a district's calendar at its org, shows its owner, and keeps it to that subtree", async () => {
    s = await testServer('sqlite', { workflows: [localPermit] });
    const cal = { id: 'donghu-rest', years: [2026], days: [{ date: '2026-03-04', kind: 'holiday', name: '区定休息日' }] };
    const added = await as(s, 'admin-donghu').post('/api/v1/calendars', cal);
    expect(added.status).toBe(201);
    expectError(await as(s, 'admin-donghu').post('/api/v1/calendars', { ...cal, id: 'xishan-rest', org: 'xishan' }), 403, 'out_of_jurisdiction');

    expect((await as(s, 'clerk-donghu').get('/api/v1/calendars')).body.items).toContainEqual(expect.objectContaining({ id: 'donghu-rest', ownerOrg: 'donghu' }));
    expect((await as(s, 'clerk-xishan').get('/api/v1/calendars')).body.items.map((c: { id: string }) => c.id)).toEqual(['cn']);
    expectError(await as(s, 'clerk-xishan').get('/api/v1/calendars/donghu-rest/deadline?start=2026-03-02T02:00:00Z&duration=P1D'), 404, 'calendar_not_found');
    expectError(await as(s, 'admin').post('/api/v1/calendars', { ...cal, org: 'xishan' }), 422, 'invalid_calendar');

    // 东湖区's cases count on it (3 March + 3 working days skips the district's day off on the 4th) …
    const id = await openCase(s, 'chief-donghu', { workflowId: 'local-permit' });
    expect((await as(s, 'chief-donghu').get(`/api/v1/cases/${id}`)).body.deadlines[0]).toMatchObject({ dueDate: '2026-03-06', calendar: { id: 'donghu-rest' } });
    // … a case of 西山区 cannot use it.
    const foreign = await as(s, 'chief-xishan').post('/api/v1/cases', { workflowId: 'local-permit' });
    expectError(foreign, 422, 'calendar_out_of_scope');
    await expect(s.engine.calendars.assertUsableAt('donghu-rest', 'xishan')).rejects.toMatchObject({ code: 'calendar_out_of_scope' });
    await expect(s.engine.calendars.assertUsableAt('donghu-rest', 'donghu-qingshui')).resolves.toBeUndefined();
  });
});
