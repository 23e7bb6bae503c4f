/**
 * Task operations over HTTP: claim, 转办 (transfer, with the target checked
 * by the server) and 撤回 (withdraw), each an event in the case history.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectError } from './support-http.js';
import { testServer, type TestServer } from './support.js';

describe('task operations API', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await testServer('sqlite');
  });
  afterEach(async () => {
    await s.cleanup();
  });

  async function openCounter(): Promise<string> {
    const res = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', data: { count: 0 } });
    expect(res.status).toBe(201);
    return res.body.case.id as string;
  }
  const send = (user: string, id: string, type: string, payload: Record<string, unknown> = {}) => as(s, user).post(`/api/v1/cases/${id}/events`, { type, payload });

  it('claims a task, takes it off colleagues\' worklists and lists it under mine', async () => {
    const id = await openCounter();
    expect((await send('clerk-donghu', id, 'task.claim', { task: 'open' })).status).toBe(200);
    const mine = await as(s, 'clerk-donghu').get('/api/v1/tasks?mine=true');
    expect(mine.body.items.map((t: { caseId: string; assignee: string }) => [t.caseId, t.assignee])).toEqual([[id, 'clerk-donghu']]);
    const colleague = await as(s, 'clerk-city').get('/api/v1/tasks');
    expect(colleague.body.items.map((t: { caseId: string }) => t.caseId)).not.toContain(id);
    expectError(await send('clerk-city', id, 'task.claim', { task: 'open' }), 409, 'task_conflict');
    const cases = await as(s, 'clerk-donghu').get('/api/v1/cases?assignee=me');
    expect(cases.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
  });

  it('transfers only to an existing user holding the role inside the jurisdiction', async () => {
    const id = await openCounter();
    expectError(await send('clerk-donghu', id, 'task.transfer', { task: 'open', to: 'nobody', reason: '休假' }), 404, 'user_not_found');
    expectError(await send('clerk-donghu', id, 'task.transfer', { task: 'open', to: 'clerk-xishan', reason: '休假' }), 404, 'user_not_found');
    expectError(await send('clerk-donghu', id, 'task.transfer', { task: 'open', to: 'chief-donghu', reason: '休假' }), 403, 'forbidden');
    const ok = await send('clerk-donghu', id, 'task.transfer', { task: 'open', to: 'clerk-qingshui', reason: '属地办理' });
    expect(ok.status).toBe(200);
    expect(ok.body.case.tasks[0].assignee).toBe('clerk-qingshui');
    const history = await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}/history`);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual(['case.created', 'task.transfer']);
  });

  it('withdraws one\'s own last action and refuses anyone else', async () => {
    const id = await openCounter();
    await send('clerk-donghu', id, 'note', { text: '现场核查' });
    const submitted = await send('clerk-donghu', id, 'submit');
    expect(submitted.body.case.stateLabel).toBe('review');
    expectError(await send('clerk-city', id, 'task.withdraw', { seq: 3 }), 403, 'forbidden');
    const back = await send('clerk-donghu', id, 'task.withdraw', { seq: 3, reason: '提交有误' });
    expect(back.status).toBe(200);
    expect(back.body.case.stateLabel).toBe('open');
    const verify = await as(s, 'auditor').get(`/api/v1/audit/verify?case=${id}`);
    expect(verify.text).toContain('"ok":true');
  });
});
