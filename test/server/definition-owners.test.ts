/**
 * Issue 8, on the demo tree over HTTP (SQLite and, when it answers,
 * PostgreSQL): a workflow version belongs to the org it is registered at and
 * governs only that subtree; every org a step names is checked when the step
 * runs; a substantiated tip-off goes to the regulator of the reported party.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../engine/index.js';
import { createUser } from '../../server/people.js';
import { hazardWorkflow, tipOffWorkflow } from '../../workflows/index.js';
import { counterWorkflow } from '../support/counter-workflow.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { as, expectError, openCase } from './support-http.js';
import { testServer, type TestServer } from './support.js';

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

/** A workflow that starts one `counter` case per org listed in `targets`. */
const fanout = (version: number) =>
  defineWorkflow({
    id: 'fanout', version, title: '分派', roles: ['clerk'],
    data: { type: 'object', properties: { targets: { type: 'array', items: { type: 'string' } } } },
    initial: 'spreading',
    states: {
      spreading: { spawn: { workflow: 'counter', forEach: 'targets', org: { var: 'item' }, input: { count: 0 } }, on: { finish: { target: 'done', roles: ['clerk'] } } },
      done: { type: 'final' },
    },
  });

/** A counter whose task, or whose entry notice, names a fixed org. */
const namingOrg = (id: string, where: 'task' | 'notify', org: string) =>
  defineWorkflow({
    id, version: 1, title: '指定机构', roles: ['clerk'], initial: 'open',
    states: {
      open: {
        task: { title: '办理', role: 'clerk', ...(where === 'task' ? { org } : {}) },
        ...(where === 'notify' ? { notify: [{ template: 'task-assigned', kind: 'actionRequired' as const, to: [{ role: 'clerk', org }] }] } : {}),
        on: { close: { target: 'closed', roles: ['clerk'] } },
      },
      closed: { type: 'final' },
    },
  });

const INTAKE = {
  channel: 'hotline12350', content: '某机械厂粉尘车间除尘系统未设泄爆装置', reportedParty: '某机械厂', reportedEnterpriseId: 'E-2001',
  location: '清水镇纬三路12号', sector: '工贸', tipsterName: '王举报', tipsterContact: 'wang@example.test', anonymous: false, realName: true,
};

describe.each(backends)('definition owners and run-time jurisdiction on $name', ({ name, enabled }) => {
  let s: TestServer;
  beforeEach(async () => {
    if (!enabled) return;
    s = await testServer(name, { workflows: [tipOffWorkflow] });
    s.tokens['tipoff-donghu'] = (await createUser(s.people, s.clock, { id: 'tipoff-donghu', name: '举报受理员', orgId: 'donghu', roles: ['tipOffOfficer'] })).token;
  });
  afterEach(async () => {
    if (enabled) await s.cleanup();
  });
  const caseOf = async (id: string, userId = 'admin') => (await as(s, userId).get(`/api/v1/cases/${id}`)).body as { org: string; workflowVersion: number; workflowOwner: string | null; parent: unknown; children: { caseId: string; org: string }[] };

  describe.skipIf(!enabled)('a version belongs to an org', () => {
    it('lets a district override hazard for its own subtree only: the other district’s new cases keep the root’s version', async () => {
      const v3 = { ...hazardWorkflow, version: 3, title: '东湖区隐患（放宽版）' };
      const reg = await as(s, 'admin-donghu').post('/api/v1/workflows', v3);
      expect([reg.status, reg.body]).toEqual([201, { ref: 'hazard@3', created: true, ownerOrg: 'donghu', ownerName: '东湖区' }]);

      const xishan = await as(s, 'xishan-inspector').post('/api/v1/cases', { workflowId: 'hazard' });
      expect(xishan.status).toBe(201);
      expect(xishan.body.case).toMatchObject({ org: 'xishan', workflowVersion: hazardWorkflow.version, workflowOwner: null });
      expect(xishan.body.event.payload).toMatchObject({ workflow: `hazard@${hazardWorkflow.version}`, workflowOwner: null });
      const donghu = await as(s, 'inspector').post('/api/v1/cases', { workflowId: 'hazard' });
      expect(donghu.body.case).toMatchObject({ org: 'donghu', workflowVersion: 3, workflowOwner: 'donghu' });
      expect(donghu.body.event.payload).toMatchObject({ workflow: 'hazard@3', workflowOwner: 'donghu' });
      // A township below 东湖区 inherits the override.
      expect((await caseOf(await openCase(s, 'inspector', { workflowId: 'hazard', org: 'donghu-qingshui' }))).workflowVersion).toBe(3);

      // Pinning the other district's version answers like a missing one.
      expectError(await as(s, 'xishan-inspector').post('/api/v1/cases', { workflowId: 'hazard', version: 3 }), 404, 'workflow_not_found');
      expectError(await as(s, 'xishan-inspector').get('/api/v1/workflows/hazard?version=3'), 404, 'workflow_not_found');
    });

    it('refuses a registration outside the admin’s subtree or at an unknown org, and only a root admin registers at the root', async () => {
      const v4 = { ...counterWorkflow, version: 4 };
      expectError(await as(s, 'admin-donghu').post('/api/v1/workflows', { ...v4, org: 'xishan' }), 403, 'out_of_jurisdiction');
      expectError(await as(s, 'admin-donghu').post('/api/v1/workflows', { ...v4, org: 'jiangzhou' }), 403, 'out_of_jurisdiction');
      expectError(await as(s, 'admin-donghu').post('/api/v1/workflows', { ...v4, org: 'no-such-org' }), 404, 'org_not_found');
      const below = await as(s, 'admin-donghu').post('/api/v1/workflows', { ...v4, org: 'donghu-qingshui' });
      expect([below.status, below.body.ownerOrg, below.body.ownerName]).toEqual([201, 'donghu-qingshui', '清水镇']);
      // A version number belongs to one org: the same content elsewhere is a conflict.
      expectError(await as(s, 'admin').post('/api/v1/workflows', v4), 409, 'definition_conflict');
      expect((await caseOf(await openCase(s, 'clerk-qingshui', { workflowId: 'counter', data: { count: 0 } }))).workflowVersion).toBe(4);
      expect((await caseOf(await openCase(s, 'clerk-donghu', { workflowId: 'counter', data: { count: 0 } }))).workflowVersion).toBe(1);
      // The root admin's new version governs everyone not overridden below.
      expect((await as(s, 'admin').post('/api/v1/workflows', { ...counterWorkflow, version: 5 })).body.ownerOrg).toBeNull();
      expect((await caseOf(await openCase(s, 'clerk-xishan', { workflowId: 'counter', data: { count: 0 } }))).workflowVersion).toBe(5);
      expect((await caseOf(await openCase(s, 'clerk-qingshui', { workflowId: 'counter', data: { count: 0 } }))).workflowVersion).toBe(4);
    });

    it('keeps running cases on their version when a new one is registered', async () => {
      const id = await openCase(s, 'clerk-donghu', { workflowId: 'counter', data: { count: 0 } });
      await as(s, 'admin-donghu').post('/api/v1/workflows', { ...counterWorkflow, version: 2, title: '新版' });
      expect((await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: 'x' } })).body.case).toMatchObject({ workflowVersion: 1, workflowOwner: null });
    });

    it('shows each caller the definitions that govern it, with their owner orgs by name', async () => {
      await as(s, 'admin-donghu').post('/api/v1/workflows', { ...hazardWorkflow, version: 3 });
      const item = async (userId: string) => ((await as(s, userId).get('/api/v1/workflows')).body.items as { id: string }[]).find((w) => w.id === 'hazard');
      expect(await item('clerk-xishan')).toMatchObject({ versions: [hazardWorkflow.version], owners: [{ org: null, name: '江州市', versions: [hazardWorkflow.version] }], effectiveVersion: hazardWorkflow.version });
      expect(await item('clerk-donghu')).toMatchObject({ versions: [hazardWorkflow.version, 3], owners: [{ org: null, name: '江州市' }, { org: 'donghu', name: '东湖区', versions: [3] }], effectiveVersion: 3 });
      // The city admin sees what is registered below it.
      expect((await item('admin')) as unknown).toMatchObject({ owners: [{ org: null }, { org: 'donghu' }] });
      const one = await as(s, 'clerk-donghu').get('/api/v1/workflows/hazard');
      expect(one.body.definition).toMatchObject({ version: 3, ownerOrg: 'donghu', ownerName: '东湖区' });
      const browser = request.agent(s.app);
      await browser.post('/login').type('form').set({ Host: 'duban.test', Origin: 'http://duban.test' }).send({ token: s.tokens.admin });
      const page = await browser.get('/admin/workflows').set('Host', 'duban.test');
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<td>东湖区<\/td>/);
      expect(page.text).not.toContain('<td>donghu</td>');
    });
  });

  describe.skipIf(!enabled)('every org a step names is checked when it runs', () => {
    it('refuses a spawn into another district or an unknown org, writing nothing', async () => {
      expect((await as(s, 'admin-donghu').post('/api/v1/workflows', fanout(1))).status).toBe(201);
      const before = await s.engine.store.countCases();
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'fanout', data: { targets: ['donghu-qingshui', 'xishan'] } }), 403, 'org_out_of_jurisdiction');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'fanout', data: { targets: ['no-such-org'] } }), 404, 'org_not_found');
      expect(await s.engine.store.countCases()).toBe(before);
      const ok = await caseOf(await openCase(s, 'clerk-donghu', { workflowId: 'fanout', data: { targets: ['donghu-qingshui'] } }));
      expect(ok.children.map((c) => c.org)).toEqual(['donghu-qingshui']);
      expect((await caseOf(ok.children[0]!.caseId)).workflowVersion).toBe(1);
    });

    it('refuses a task or a notification at an org outside the owner’s subtree', async () => {
      await as(s, 'admin-donghu').post('/api/v1/workflows', namingOrg('task-away', 'task', 'xishan'));
      await as(s, 'admin-donghu').post('/api/v1/workflows', namingOrg('notice-away', 'notify', 'xishan'));
      await as(s, 'admin-donghu').post('/api/v1/workflows', namingOrg('notice-nowhere', 'notify', 'no-such-org'));
      const before = await s.engine.store.countCases();
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'task-away' }), 403, 'org_out_of_jurisdiction');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'notice-away' }), 403, 'org_out_of_jurisdiction');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'notice-nowhere' }), 404, 'org_not_found');
      expect(await s.engine.store.countCases()).toBe(before);
    });

    it('refuses to transfer a task of a district’s version to someone in another district', async () => {
      await as(s, 'admin-donghu').post('/api/v1/workflows', { ...counterWorkflow, version: 2 });
      const id = await openCase(s, 'clerk-donghu', { workflowId: 'counter', data: { count: 0 } });
      // The city clerk may hand on the task (the route allows its whole subtree); the definition's owner does not govern 西山区.
      expectError(await as(s, 'clerk-city').post(`/api/v1/cases/${id}/events`, { type: 'task.transfer', payload: { task: 'open', to: 'clerk-xishan', reason: '转办' } }), 403, 'org_out_of_jurisdiction');
      expect((await caseOf(id)).workflowVersion).toBe(2);
      expect((await as(s, 'clerk-city').post(`/api/v1/cases/${id}/events`, { type: 'task.transfer', payload: { task: 'open', to: 'clerk-qingshui', reason: '转办' } })).status).toBe(200);
    });
  });

  describe.skipIf(!enabled)('a substantiated tip-off', () => {
    const substantiate = async (reportedPartyOrg: string) => {
      const id = await openCase(s, 'tipoff-donghu', { workflowId: 'tip-off', data: { ...INTAKE, reportedPartyOrg } });
      expect((await as(s, 'tipoff-donghu').post(`/api/v1/cases/${id}/events`, { type: 'accept', payload: {} })).status).toBe(200);
      return { id, res: await as(s, 'tipoff-donghu').post(`/api/v1/cases/${id}/events`, { type: 'substantiate', payload: { findings: '属实' } }) };
    };

    it('goes to the regulator that governs the reported company, never to the company’s own grid', async () => {
      const { id, res } = await substantiate('donghu-qingshui-g1');
      expect(res.status).toBe(200);
      const child = (await caseOf(id)).children[0]!;
      expect(child.org).toBe('donghu');
      expect(await caseOf(child.caseId)).toMatchObject({ org: 'donghu', workflowId: 'hazard', parent: { caseId: id, handOver: { rule: 'regulatorOf', fromOrg: 'donghu', named: 'donghu-qingshui-g1' } } });
      // The reported company's officer neither sees the case nor holds its draft.
      expect((await as(s, 'enterprise-officer').get(`/api/v1/cases/${child.caseId}`)).status).toBe(404);
      expect((await as(s, 'enterprise-officer').get('/api/v1/tasks')).body.items).toEqual([]);
    });

    it('hands a company of another district to that district’s regulator, who sees an incoming case', async () => {
      const { id, res } = await substantiate('xishan-songlin-g1');
      expect(res.status).toBe(200);
      const child = (await caseOf(id)).children[0]!;
      expect(child.org).toBe('xishan');
      const incoming = await as(s, 'xishan-inspector').get(`/api/v1/cases/${child.caseId}`);
      expect(incoming.body).toMatchObject({ org: 'xishan', parent: { caseId: id, handOver: { fromOrg: 'donghu' } } });
      expect((await as(s, 'xishan-inspector').get('/api/v1/cases?workflow=hazard')).body.items.map((c: { id: string }) => c.id)).toEqual([child.caseId]);
      const browser = request.agent(s.app);
      await browser.post('/login').type('form').set({ Host: 'duban.test', Origin: 'http://duban.test' }).send({ token: s.tokens['xishan-inspector'] });
      const page = await browser.get(`/cases/${child.caseId}`).set('Host', 'duban.test');
      expect(page.text).toContain('移交来件（来自东湖区）');
      expect(page.text).toContain('流程定义由 <span id="owner">江州市</span> 制定');
    });

    it('refuses an unknown reported party’s org, creating nothing', async () => {
      const before = await s.engine.store.countCases();
      const { id, res } = await substantiate('no-such-org');
      expectError(res, 404, 'org_not_found');
      expect(await s.engine.store.countCases()).toBe(before + 1);
      expect(await caseOf(id)).toMatchObject({ children: [] });
    });
  });
});
