/**
 * 会签 / 加签 / 减签, 委派 and 抄送 over HTTP, as the people who may and may
 * not perform each: every operation is an event; refusals carry their codes.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../../server/people.js';
import { signWorkflow } from '../support/sign-workflow.js';
import { as, expectError, web } from './support-http.js';
import { testServer, type TestServer } from './support.js';

const USERS: [string, string, string[]][] = [
  ['leader-city', 'jiangzhou', ['leader']], ['staff-city', 'jiangzhou', ['staff']],
  ['reviewer-donghu', 'donghu', ['reviewer']], ['reviewer-xishan', 'xishan', ['reviewer']], ['reviewer-qingshui', 'donghu-qingshui', ['reviewer']],
  ['auditor-city', 'jiangzhou', ['auditor', 'reviewer']],
];

describe('signatures, delegation and copies API', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await testServer('sqlite', { workflows: [signWorkflow('all')] });
    for (const [id, orgId, roles] of USERS) s.tokens[id] = (await createUser(s.people, s.clock, { id, name: id, orgId, roles })).token;
  });
  afterEach(async () => {
    await s.cleanup();
  });

  const send = (user: string, id: string, type: string, payload: Record<string, unknown> = {}) => as(s, user).post(`/api/v1/cases/${id}/events`, { type, payload });

  async function atReview(): Promise<string> {
    const res = await as(s, 'clerk-city').post('/api/v1/cases', { workflowId: 'sign-demo', data: {} });
    expect(res.status).toBe(201);
    const id = res.body.case.id as string;
    expect((await send('clerk-city', id, 'submit', { units: ['donghu', 'xishan'] })).status).toBe(200);
    return id;
  }

  it('lets each signer sign once, shows who signed and who is pending, and refuses everyone else', async () => {
    const id = await atReview();
    expect((await send('leader-city', id, 'approve')).status).toBe(200);
    // A department outside the case's subtree reads the case it signs; one that signs nothing does not.
    const seen = await as(s, 'reviewer-donghu').get(`/api/v1/cases/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.taskOps.sign).toEqual(['joint']);
    expect(seen.body.signing[0].slots.map((x: { org: string; status: string }) => [x.org, x.status])).toEqual([['donghu', 'pending'], ['xishan', 'pending']]);
    expectError(await as(s, 'reviewer-qingshui').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
    expectError(await send('reviewer-qingshui', id, 'task.sign', { task: 'joint', decision: 'approve' }), 404, 'case_not_found');
    expectError(await send('clerk-city', id, 'task.sign', { task: 'joint', decision: 'approve' }), 403, 'forbidden');
    expectError(await send('auditor-city', id, 'task.sign', { task: 'joint', decision: 'approve' }), 403, 'read_only');
    expectError(await send('leader-city', id, 'jointPassed'), 403, 'system_only_event');
    const signed = await send('reviewer-donghu', id, 'task.sign', { task: 'joint', decision: 'approve', comment: '同意' });
    expect(signed.status).toBe(200);
    expect(signed.body.case.signing[0].slots[0]).toMatchObject({ status: 'approved', signature: { userId: 'reviewer-donghu', comment: '同意' } });
    expect(signed.body.case.taskOps.sign).toEqual([]);
    expectError(await send('reviewer-donghu', id, 'task.sign', { task: 'joint', decision: 'approve' }), 409, 'task_conflict');
    expectError(await send('reviewer-donghu', id, 'task.sign', { task: 'joint', decision: 'perhaps' }), 422, 'invalid_input');
    // The signer's worklist row went with the signature; the pending one's stays.
    expect((await as(s, 'reviewer-donghu').get('/api/v1/tasks')).body.items).toEqual([]);
    expect((await as(s, 'reviewer-xishan').get('/api/v1/tasks')).body.items.map((t: { taskKey: string }) => t.taskKey)).toEqual([`${id}:joint#s2`]);
  });

  it('gives each signer\'s worklist row the task\'s due time, also to a signer added later, and marks it overdue once it passes', async () => {
    const base = signWorkflow('all', 'sign-due');
    await s.engine.registerWorkflow({ ...base, states: { ...base.states, joint: { ...base.states.joint, deadlines: [{ id: 'joint', duration: 'P3D' }] } } });
    const id = (await as(s, 'clerk-city').post('/api/v1/cases', { workflowId: 'sign-due', data: {} })).body.case.id as string;
    await send('clerk-city', id, 'submit', { units: ['donghu', 'xishan'] });
    const approved = await send('leader-city', id, 'approve');
    const dueAt = approved.body.case.deadlines[0].dueAt as string;
    expect(dueAt).toEqual(expect.any(String));
    const row = async (user: string) => (await as(s, user).get('/api/v1/tasks')).body.items.find((t: { caseId: string }) => t.caseId === id) as { taskKey: string; dueAt: string | null; overdue: boolean };
    expect(await row('reviewer-donghu')).toMatchObject({ taskKey: `${id}:joint#s1`, dueAt, overdue: false });
    expect(await row('reviewer-xishan')).toMatchObject({ taskKey: `${id}:joint#s2`, dueAt, overdue: false });
    await send('leader-city', id, 'task.addSigners', { task: 'joint', signers: [{ role: 'reviewer', org: 'donghu-qingshui' }], reason: '请镇参加' });
    expect(await row('reviewer-qingshui')).toMatchObject({ taskKey: `${id}:joint#s3`, dueAt });
    s.clock.set(new Date(Date.parse(dueAt) + 60_000));
    expect(await row('reviewer-xishan')).toMatchObject({ dueAt, overdue: true });
    const page = (await request(s.app).get('/tasks').set(await web(s, 'reviewer-xishan'))).text;
    expect(page).toMatch(/<tr class="overdue">[^]*?已逾期/);
  });

  it('adds (加签) and removes (减签) signers only by the roles the definition allows', async () => {
    const id = await atReview();
    await send('leader-city', id, 'approve');
    expectError(await send('clerk-city', id, 'task.addSigners', { task: 'joint', signers: [{ role: 'reviewer', org: 'donghu-qingshui' }], reason: '请镇参加' }), 403, 'forbidden');
    expectError(await send('reviewer-donghu', id, 'task.removeSigner', { task: 'joint', slot: 's2', reason: 'x' }), 403, 'forbidden');
    expectError(await send('leader-city', id, 'task.addSigners', { task: 'joint', signers: [{ role: 'reviewer', org: 'nowhere' }], reason: '请镇参加' }), 404, 'org_not_found');
    expect((await send('leader-city', id, 'task.addSigners', { task: 'joint', signers: [{ role: 'reviewer', org: 'donghu-qingshui' }], reason: '请镇参加' })).status).toBe(200);
    expect((await as(s, 'reviewer-qingshui').get(`/api/v1/cases/${id}`)).body.taskOps.sign).toEqual(['joint']);
    const removed = await send('leader-city', id, 'task.removeSigner', { task: 'joint', slot: 's2', reason: '西山区不参加' });
    expect(removed.body.case.signing[0].slots.map((x: { id: string }) => x.id)).toEqual(['s1', 's3']);
    await send('reviewer-qingshui', id, 'task.sign', { task: 'joint', decision: 'approve' });
    const last = await send('reviewer-donghu', id, 'task.sign', { task: 'joint', decision: 'approve' });
    expect(last.body.case).toMatchObject({ status: 'done', stateLabel: 'closed' });
    const history = await as(s, 'clerk-city').get(`/api/v1/cases/${id}/history`);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual(['case.created', 'submit', 'approve', 'task.addSigners', 'task.removeSigner', 'task.sign', 'task.sign']);
  });

  it('delegates (委派) a task that comes back to the delegator, and only the delegate hands it back', async () => {
    const id = await atReview();
    expectError(await send('leader-city', id, 'task.delegate', { task: 'review', to: 'nobody', reason: '先审' }), 404, 'user_not_found');
    expectError(await send('clerk-city', id, 'task.delegate', { task: 'review', to: 'staff-city', reason: '先审' }), 403, 'forbidden');
    const out = await send('leader-city', id, 'task.delegate', { task: 'review', to: 'staff-city', reason: '请先审阅材料' });
    expect(out.body.case.delegations).toEqual([expect.objectContaining({ task: 'review', holder: 'leader-city', delegate: 'staff-city', reason: '请先审阅材料' })]);
    expect(out.body.case.availableEvents).toEqual([]);
    expectError(await send('leader-city', id, 'approve'), 409, 'task_conflict');
    expectError(await send('leader-city', id, 'task.resolve', { task: 'review', comment: '好' }), 403, 'forbidden');
    const staff = await as(s, 'staff-city').get(`/api/v1/cases/${id}`);
    expect(staff.body.taskOps.resolve).toEqual(['review']);
    const back = await send('staff-city', id, 'task.resolve', { task: 'review', comment: '材料齐全，建议通过' });
    expect(back.status).toBe(200);
    expect(back.body.case.tasks.map((t: { assignee: string }) => t.assignee)).toEqual(['leader-city']);
    expect((await send('leader-city', id, 'approve')).status).toBe(200);
  });

  it('lists a delegated task in the worklist of a delegate without its role (API and 待办 page) until it is handed back', async () => {
    const id = await atReview();
    const keys = async (user: string) => (await as(s, user).get('/api/v1/tasks')).body.items.map((t: { taskKey: string }) => t.taskKey);
    const page = async (user: string) => (await request(s.app).get('/tasks').set(await web(s, user))).text;
    expect(await keys('staff-city')).toEqual([]);
    await send('leader-city', id, 'task.delegate', { task: 'review', to: 'staff-city', reason: '请先审阅材料' });
    expect(await keys('staff-city')).toEqual([`${id}:review`]);
    expect((await as(s, 'staff-city').get('/api/v1/tasks?mine=true')).body.items).toEqual([expect.objectContaining({ taskKey: `${id}:review`, assignee: 'staff-city', overdue: false })]);
    expect(await page('staff-city')).toContain(`href="/cases/${encodeURIComponent(id)}"`);
    // Someone else without the role still sees nothing.
    expect(await keys('clerk-donghu')).toEqual([]);
    expect((await send('staff-city', id, 'task.resolve', { task: 'review', comment: '材料齐全，建议通过' })).status).toBe(200);
    expect(await keys('staff-city')).toEqual([]);
    expect(await page('staff-city')).not.toContain(`href="/cases/${encodeURIComponent(id)}"`);
    expect(await keys('leader-city')).toEqual([`${id}:review`]);
  });

  it('copies (抄送) the case to the named units, lists it under 抄送我的 and records the reading once', async () => {
    const id = await atReview();
    await send('leader-city', id, 'approve');
    await send('reviewer-donghu', id, 'task.sign', { task: 'joint', decision: 'approve' });
    await send('reviewer-xishan', id, 'task.sign', { task: 'joint', decision: 'approve' });
    const mine = await as(s, 'clerk-donghu').get('/api/v1/copies');
    expect(mine.body.items).toEqual([expect.objectContaining({ caseId: id, stateId: 'closed', title: '验收结果抄送', readAt: null })]);
    expect((await as(s, 'clerk-qingshui').get('/api/v1/copies')).body.items).toEqual([]);
    expectError(await send('clerk-qingshui', id, 'copy.read', { copy: mine.body.items[0].copyKey }), 404, 'case_not_found');
    expectError(await send('clerk-city', id, 'copy.read', { copy: mine.body.items[0].copyKey }), 403, 'forbidden');
    expect((await send('clerk-donghu', id, 'copy.read', { copy: mine.body.items[0].copyKey })).status).toBe(200);
    expectError(await send('clerk-donghu', id, 'copy.read', { copy: mine.body.items[0].copyKey }), 409, 'task_conflict');
    const after = await as(s, 'clerk-donghu').get('/api/v1/copies');
    expect(after.body.items[0].readAt).toBe('2026-03-02T02:00:00.000Z');
    expect((await as(s, 'clerk-donghu').get('/api/v1/copies?unread=true')).body.items).toEqual([]);
    expect((await as(s, 'clerk-xishan').get('/api/v1/copies?unread=true')).body.items).toHaveLength(1);
  });
});
