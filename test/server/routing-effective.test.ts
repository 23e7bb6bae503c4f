/**
 * Routing decides who is responsible in practice, over HTTP (issue 10): a
 * district's rule sends a new hazard to the enterprise's grid and to a
 * supervising department (an office of the district, 管行业必须管安全); the
 * department's reviewer then sees the case, finds it in their list and gets
 * its triage task, and a neighbouring district does not. A reassignment
 * with a reason moves the task and who sees the case; the history still
 * replays exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailableForSuite } from '../support/services.js';
import { testServer, type TestServer } from './support.js';
import { as, expectError } from './support-http.js';
import { enforcementWorkflow } from '../../workflows/enforcement.js';
import { tipOffWorkflow } from '../../workflows/tip-off.js';

const SUBMIT = {
  source: 'inspection', location: '储罐区', enterpriseId: 'qingshui-chem', sector: '危险化学品', description: '可燃气体报警器失效',
  photos: ['files/p1.jpg'], foundAt: '2026-03-02T09:30:00+08:00', proposedGrade: 'general', hazardCategory: '危化品储存',
};

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

type Item = { id: string };
type TaskItem = { caseId: string; stateId: string; org: string };

describe.each(backends)('routing that decides on $name', ({ name, enabled }) => {
  let s: TestServer;
  beforeAll(async () => {
    if (!enabled) return;
    s = await testServer(name, { workflows: [enforcementWorkflow, tipOffWorkflow] });
    // Two departments of the district (the org tree has no department level: a district's office sits below it).
    for (const [id, deptName] of [['donghu-yjj', '东湖区应急管理局'], ['donghu-scjg', '东湖区市场监督管理局']] as const) {
      expect((await as(s, 'admin').post('/api/v1/orgs', { id, name: deptName, level: 'township', parentId: 'donghu' })).status).toBe(201);
    }
    for (const [id, org] of [['yjj-reviewer', 'donghu-yjj'], ['scjg-reviewer', 'donghu-scjg']] as const) {
      const r = await as(s, 'admin-donghu').post('/api/v1/users', { id, name: id, orgId: org, roles: ['regulatorReviewer'] });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      s.tokens[id] = r.body.token as string;
    }
  });
  afterAll(async () => {
    if (enabled) await s.cleanup();
  });

  const listIds = async (user: string) => ((await as(s, user).get('/api/v1/cases?limit=100')).body.items as Item[]).map((c) => c.id);
  const tasksOf = async (user: string, caseId: string) => ((await as(s, user).get('/api/v1/tasks')).body.items as TaskItem[]).filter((t) => t.caseId === caseId);

  it.skipIf(!enabled)('refuses a rule naming a department outside its owner\'s subtree', async () => {
    const rule = { id: 'bad', ownerOrg: 'donghu', title: '越界', workflows: ['hazard'], grid: { from: 'enterprise' }, departments: { from: 'named', names: ['xishan'] } };
    const r = await as(s, 'admin-donghu').post('/api/v1/routing-rules', rule);
    expectError(r, 404, 'org_not_found');
    expect(r.body.error.issues[0]).toMatchObject({ code: 'department_out_of_scope', path: ['body', 'departments', 'names', 0] });
  });

  it.skipIf(!enabled)('sends a new hazard to its grid and department: the department sees it and gets the triage, another district does not; reassigning moves both', async () => {
    const rule = {
      id: 'donghu-chem', ownerOrg: 'donghu', title: '东湖区危化隐患由应急管理局受理', workflows: ['hazard'], industries: ['危险化学品'],
      grid: { from: 'enterprise' }, departments: { from: 'named', names: ['donghu-yjj', '消防救援大队'] }, tasksTo: 'department',
    };
    expect((await as(s, 'admin-donghu').post('/api/v1/routing-rules', rule)).status).toBe(200);

    const id = (await as(s, 'inspector').post('/api/v1/cases', { workflowId: 'hazard' })).body.case.id as string;
    // Not routed yet (the start form names the enterprise): the department does not see it.
    expectError(await as(s, 'yjj-reviewer').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
    expect((await as(s, 'inspector').post(`/api/v1/cases/${id}/events`, { type: 'submit', payload: SUBMIT })).status).toBe(200);

    const route = (await as(s, 'inspector').get(`/api/v1/cases/${id}/route`)).body.route;
    expect(route).toMatchObject({
      ruleId: 'donghu-chem', grid: 'donghu-qingshui-g1', township: 'donghu-qingshui', departments: ['东湖区应急管理局', '消防救援大队'], taskOrg: 'donghu-yjj',
    });
    expect([...route.orgs].sort()).toEqual(['donghu-qingshui', 'donghu-qingshui-g1', 'donghu-yjj']);
    const history = (await as(s, 'inspector').get(`/api/v1/cases/${id}/history`)).body.items as { type: string; actor: { id: string }; payload: Record<string, unknown> }[];
    expect(history.filter((e) => e.type === 'case.routed').map((e) => [e.actor.id, e.payload.rule, e.payload.taskOrg])).toEqual([['system:router', 'donghu-chem', 'donghu-yjj']]);

    // The department: sees the case, finds it in its list and holds the triage task.
    expect((await as(s, 'yjj-reviewer').get(`/api/v1/cases/${id}`)).status).toBe(200);
    expect(await listIds('yjj-reviewer')).toContain(id);
    expect(await tasksOf('yjj-reviewer', id)).toMatchObject([{ stateId: 'reported', org: 'donghu-yjj' }]);
    // …and is told so: the state's "you have a task" notice goes again, to the org the task moved to.
    await s.notifier.dispatcher.runDue();
    const inbox = (await as(s, 'yjj-reviewer').get('/api/v1/notifications?limit=100')).body.items as { caseId: string; kind: string; subject: string }[];
    expect(inbox.filter((n) => n.caseId === id)).toMatchObject([{ kind: 'actionRequired', subject: expect.stringContaining('【待办】') }]);
    // The grid sees it too; the other department and the neighbouring district do not.
    expect((await as(s, 'grid-officer').get(`/api/v1/cases/${id}`)).status).toBe(200);
    expect(await listIds('grid-officer')).toContain(id);
    expectError(await as(s, 'scjg-reviewer').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
    expect(await listIds('scjg-reviewer')).not.toContain(id);
    expectError(await as(s, 'xishan-inspector').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
    expect(await listIds('xishan-inspector')).not.toContain(id);
    // Seeing a case routed to you is no power to reassign it.
    expectError(await as(s, 'yjj-reviewer').post(`/api/v1/cases/${id}/reassign`, { grid: null, reason: '不属本局' }), 403, 'forbidden');

    // 改派: the district's leader gives it to the market regulator and the second grid, with a reason.
    const moved = await as(s, 'leader').post(`/api/v1/cases/${id}/reassign`, { grid: 'donghu-qingshui-g2', departments: ['东湖区市场监督管理局'], tasksTo: 'department', reason: '储罐区属特种设备，由市场监管部门受理' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ ruleId: null, grid: 'donghu-qingshui-g2', departments: ['东湖区市场监督管理局'], taskOrg: 'donghu-scjg', routedBy: 'leader' });
    expect(await tasksOf('yjj-reviewer', id)).toEqual([]);
    expect(await tasksOf('scjg-reviewer', id)).toMatchObject([{ stateId: 'reported', org: 'donghu-scjg' }]);
    expectError(await as(s, 'yjj-reviewer').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
    expect(await listIds('yjj-reviewer')).not.toContain(id);
    expectError(await as(s, 'grid-officer').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
    expect(await listIds('scjg-reviewer')).toContain(id);

    // The new department does the triage; its grading task stays with it.
    const accepted = await as(s, 'scjg-reviewer').post(`/api/v1/cases/${id}/events`, { type: 'accept', payload: { jurisdictionConfirmed: true, dedupeKey: 'qingshui-chem/储罐区' } });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const tasks = (await as(s, 'inspector').get(`/api/v1/cases/${id}`)).body.tasks as { stateId: string; org: string }[];
    expect(tasks.map((t) => [t.stateId, t.org])).toEqual([['active.work.accepted', 'donghu-scjg']]);

    // The routings are links of the chain and replay to the stored state.
    expect(await s.engine.verify()).toMatchObject({ ok: true });
    const replayed = await as(s, 'inspector').get(`/api/v1/cases/${id}/replay`);
    expect(replayed.body.state.responsible).toEqual({ taskOrg: 'donghu-scjg', orgs: ['donghu-qingshui-g2', 'donghu-qingshui', 'donghu-scjg'] });
  });

  it.skipIf(!enabled)('routes nothing outside the rule owner\'s subtree: a district\'s rule cannot send its case to another district\'s grid', async () => {
    const rule = { id: 'xishan-all', ownerOrg: 'xishan', title: '西山区隐患按企业网格分派', workflows: ['hazard'], grid: { from: 'enterprise' }, departments: { from: 'named', names: ['西山区应急管理局'] } };
    expect((await as(s, 'admin').post('/api/v1/routing-rules', rule)).status).toBe(200);
    const id = (await as(s, 'xishan-inspector').post('/api/v1/cases', { workflowId: 'hazard' })).body.case.id as string;
    // The hazard names a company of 东湖区: its grid lies outside 西山区, so the rule does not route it.
    expect((await as(s, 'xishan-inspector').post(`/api/v1/cases/${id}/events`, { type: 'submit', payload: SUBMIT })).status).toBe(200);
    expect((await as(s, 'xishan-inspector').get(`/api/v1/cases/${id}/route`)).body).toEqual({ route: null });
    expectError(await as(s, 'grid-officer').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
    expect(s.logs.some((l) => l.caseId === id && String(l.msg).includes('stays unrouted'))).toBe(true);
  });

  it.skipIf(!enabled)('sends a new tip-off to the department the rule names: its inspector verifies it', async () => {
    const rule = { id: 'donghu-tipoffs', ownerOrg: 'donghu', title: '东湖区举报由应急管理局核查', workflows: ['tip-off'], grid: { from: 'enterprise' }, departments: { from: 'named', names: ['donghu-yjj'] }, tasksTo: 'department' };
    expect((await as(s, 'admin-donghu').post('/api/v1/routing-rules', rule)).status).toBe(200);
    for (const [id, org, roles] of [['yjj-inspector', 'donghu-yjj', ['inspector']], ['donghu-tipoffs', 'donghu', ['tipOffOfficer']]] as const) {
      const r = await as(s, 'admin-donghu').post('/api/v1/users', { id, name: id, orgId: org, roles });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      s.tokens[id] = r.body.token as string;
    }
    const intake = await as(s, 'donghu-tipoffs').post('/api/v1/tipoffs', {
      data: { channel: 'hotline12350', content: '清水化工储罐区夜间违规动火', reportedParty: '江州清水化工有限公司', reportedPartyOrg: 'qingshui-chem', anonymous: true, realName: false, receivedAt: '2026-03-02T01:30:00.000Z' },
    });
    expect(intake.status, JSON.stringify(intake.body)).toBe(201);
    const id = intake.body.caseId as string;
    expect((await as(s, 'donghu-tipoffs').get(`/api/v1/cases/${id}/route`)).body.route).toMatchObject({ ruleId: 'donghu-tipoffs', taskOrg: 'donghu-yjj' });
    expect((await as(s, 'donghu-tipoffs').post(`/api/v1/cases/${id}/events`, { type: 'accept', payload: {} })).status).toBe(200);
    // Verification is the department's: the task is offered at it, and its inspector finds it in 我的待办.
    expect(await tasksOf('yjj-inspector', id)).toMatchObject([{ stateId: 'handling.verifying', org: 'donghu-yjj' }]);
    expect(await listIds('yjj-inspector')).toContain(id);
    expect((await s.engine.verify()).ok).toBe(true);
  });
});
