/**
 * The administrative moves the built-ins declare, over HTTP as the roles that
 * may and may not perform each: 撤销督办 (终止 a supervision letter by the
 * issuing office's leader), 拿回 of a submitted draft letter, and on a
 * general hazard 退回 from re-inspection to rectification by the inspector and
 * 拿回 of a submitted rectification the inspector has not yet opened.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../../server/people.js';
import { builtinWorkflows } from '../../workflows/index.js';
import { as, expectError } from './support-http.js';
import { testServer, type TestServer } from './support.js';

const DRAFT = {
  title: '关于督促整改粉尘涉爆重大事故隐患的函', basis: '《中华人民共和国安全生产法》第六十五条',
  matters: '对辖区粉尘涉爆企业除尘系统逐一排查，限期报送整改情况', deadline: '2026-03-20', replyFormat: '书面回复，加盖公章，一事一报', contact: '安委办 李督 0791-88880000', urgency: 'urgent',
  units: [{ org: 'donghu', name: '东湖区人民政府', lead: true }, { org: 'xishan', name: '西山区人民政府', lead: false }],
};
const REPORT = {
  // The company's own report of a hazard it proposes as major goes to the regulator (a general one it would fix itself).
  source: 'selfCheck', location: '储罐区', enterpriseId: 'qingshui-chem', sector: '危险化学品', description: '储罐区可燃气体报警器失效',
  photos: ['files/p1.jpg'], foundAt: '2026-03-02T09:30:00+08:00', proposedGrade: 'major', hazardCategory: '危化品储存',
};
const RECTIFIED = { rectificationEvidence: ['files/after.jpg'], rectificationCost: 800, completedOn: '2026-03-04', rectificationSummary: '更换报警器' };

describe('administrative moves of the built-in workflows', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await testServer('sqlite', { workflows: builtinWorkflows });
    for (const [id, orgId, roles] of [['city-reviewer', 'jiangzhou', ['regulatorReviewer']], ['xishan-leader', 'xishan', ['safetyCommitteeLeader']]] as const) {
      s.tokens[id] = (await createUser(s.people, s.clock, { id, name: id, orgId, roles: [...roles] })).token;
    }
  });
  afterEach(async () => {
    await s.cleanup();
  });

  const send = (user: string, id: string, type: string, payload: Record<string, unknown> = {}) => as(s, user).post(`/api/v1/cases/${encodeURIComponent(id)}/events`, { type, payload });
  const ok = async (user: string, id: string, type: string, payload: Record<string, unknown> = {}) => {
    const r = await send(user, id, type, payload);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { case: { status: string; value: unknown; deadlines: unknown }; event: { seq: number } };
  };

  async function draftedLetter(): Promise<{ id: string; seq: number }> {
    const opened = await as(s, 'committee-office').post('/api/v1/cases', { workflowId: 'supervision-letter' });
    expect(opened.status).toBe(201);
    const id = opened.body.case.id as string;
    return { id, seq: (await ok('committee-office', id, 'submitDraft', DRAFT)).event.seq };
  }

  it('撤销督办: the issuing office\'s leader terminates a letter with a reason; the office, another district\'s leader and a reason-less request are refused', async () => {
    const { id } = await draftedLetter();
    expectError(await send('committee-office', id, 'case.terminate', { reason: '事项已由上级统一督办' }), 403, 'forbidden');
    expectError(await send('xishan-leader', id, 'case.terminate', { reason: '事项已由上级统一督办' }), 404, 'case_not_found');
    expectError(await send('committee-leader', id, 'case.terminate', {}), 422, 'invalid_input');
    const done = await ok('committee-leader', id, 'case.terminate', { reason: '事项已由上级统一督办' });
    expect(done.case.status).toBe('done');
  });

  it('拿回: the drafter takes a submitted draft back before the reviewer opens it, never someone else, never after', async () => {
    const a = await draftedLetter();
    expectError(await send('committee-leader', a.id, 'task.takeBack', { seq: a.seq, reason: '漏填联系人' }), 403, 'forbidden');
    expect((await ok('committee-office', a.id, 'task.takeBack', { seq: a.seq, reason: '漏填联系人' })).case.value).toBe('drafting');
    const b = await draftedLetter();
    expect((await as(s, 'city-reviewer').get(`/api/v1/cases/${encodeURIComponent(b.id)}`)).status).toBe(200);
    expectError(await send('committee-office', b.id, 'task.takeBack', { seq: b.seq, reason: '漏填联系人' }), 409, 'task_conflict');
  });

  async function verifying(): Promise<{ id: string; seq: number }> {
    const opened = await as(s, 'enterprise-officer').post('/api/v1/cases', { workflowId: 'hazard' });
    expect(opened.status).toBe(201);
    const id = opened.body.case.id as string;
    await ok('enterprise-officer', id, 'submit', REPORT);
    await ok('township-office', id, 'accept', { jurisdictionConfirmed: true, dedupeKey: 'qingshui-chem/危化品储存/储罐区' });
    await ok('inspector', id, 'grade', { grade: 'general', responsibleUnit: '清水化工 设备科', rectificationDeadline: '2026-03-16' });
    // The order's 文号 comes from the inspector's org's series (东湖区).
    expect((await as(s, 'admin').post('/api/v1/orgs/donghu/doc-number-series/rectificationOrder', { prefix: '东应急责改' })).status).toBe(200);
    await ok('inspector', id, 'issueOrder', { orderDeadline: '2026-03-16', measures: '更换报警器' });
    return { id, seq: (await ok('enterprise-officer', id, 'submitRectification', RECTIFIED)).event.seq };
  }
  const WORK = (state: unknown) => expect.objectContaining({ work: state });

  it('退回: the inspector sends a completion report back to rectification with a reason; the enterprise and the grid officer may not', async () => {
    const { id } = await verifying();
    const back = { to: 'active.work.rectifying', reason: '整改照片不清晰，无法复查' };
    expectError(await send('enterprise-officer', id, 'case.sendBack', back), 403, 'forbidden');
    expectError(await send('grid-officer', id, 'case.sendBack', back), 403, 'forbidden');
    expectError(await send('inspector', id, 'case.sendBack', { ...back, to: 'reported' }), 422, 'invalid_input');
    const sent = (await ok('inspector', id, 'case.sendBack', back)).case as { value: unknown; deadlines: { key: string; dueAt: string }[] };
    expect(sent.value).toEqual({ active: WORK({ rectifying: 'ongoing' }) });
    // The rectification deadline the order set stands (24:00 China time on 2026-03-16); only 复查不合格 sets a new one.
    expect(sent.deadlines).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'active.work.rectifying#rectification', dueAt: '2026-03-16T16:00:00.000Z' })]));
  });

  it('拿回: the enterprise takes its submitted rectification back until the inspector opens the task', async () => {
    const a = await verifying();
    expectError(await send('inspector', a.id, 'task.takeBack', { seq: a.seq, reason: '漏传整改照片' }), 403, 'forbidden');
    expect((await ok('enterprise-officer', a.id, 'task.takeBack', { seq: a.seq, reason: '漏传整改照片' })).case.value).toEqual({ active: WORK({ rectifying: 'ongoing' }) });
    const b = await verifying();
    expect((await as(s, 'inspector').get(`/api/v1/cases/${encodeURIComponent(b.id)}`)).status).toBe(200);
    expectError(await send('enterprise-officer', b.id, 'task.takeBack', { seq: b.seq, reason: '漏传整改照片' }), 409, 'task_conflict');
  });
});
