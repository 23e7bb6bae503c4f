/**
 * Issue 8, "Companies are parties, not offices" and "Built-in events have
 * owners", over HTTP as the roles involved:
 *
 * - an enterprise is its own unit below its grid; its people see its cases
 *   and tasks only, never another company's in the same grid;
 * - only a warning's recipients acknowledge it, through the acknowledgement
 *   route; the generic event route refuses `notification.acknowledged`;
 * - `system` is never granted, system events are refused from people, an
 *   admin grants only the roles its level may grant, unknown roles are
 *   refused with the known ones;
 * - a token an admin issued for someone else shows its issuer in every event
 *   sent with it, in the history API and on the history page.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../engine/index.js';
import { issueToken } from '../../server/access.js';
import { as, expectError, openCase, web } from './support-http.js';
import { alertWorkflow, testServer, type TestServer } from './support.js';

/** A workflow with a transition only the system takes (a timer's `onExpire` handler, say). */
const expiryWorkflow = defineWorkflow({
  id: 'expiry',
  version: 1,
  title: { zh: '到期标记', en: 'Expiry' },
  roles: ['clerk', 'system'],
  data: { type: 'object', properties: { expired: { type: 'boolean' } } },
  initial: 'open',
  states: {
    open: { on: { expire: { roles: ['system'], assign: { expired: true } }, close: { target: 'closed', roles: ['clerk'] } } },
    closed: { type: 'final' },
  },
});

const GRID = 'donghu-qingshui-g1';
const enc = encodeURIComponent;

let s: TestServer;
beforeEach(async () => {
  s = await testServer('sqlite', { workflows: [alertWorkflow, expiryWorkflow] });
});
afterEach(async () => {
  await s.cleanup();
});

type Items<T> = { items: T[] };
const caseIds = async (user: string) => ((await as(s, user).get('/api/v1/cases')).body as Items<{ id: string }>).items.map((c) => c.id);
const taskCases = async (user: string) => ((await as(s, user).get('/api/v1/tasks')).body as Items<{ caseId: string }>).items.map((t) => t.caseId);
const history = async (caseId: string, user = 'admin') => ((await as(s, user).get(`/api/v1/cases/${enc(caseId)}/history`)).body as Items<{ type: string; actor: { id: string; issuedBy?: { id: string; name?: string } } }>).items;
/** Another unit's case answers like one the caller may not see (403 today; 404 once existence is hidden too). */
const expectHidden = (res: request.Response) => expect(['out_of_jurisdiction', 'case_not_found']).toContain((res.body as { error: { code: string } }).error.code);

describe('enterprises are parties, not offices', () => {
  it('shows a company its own cases and tasks only, never another company\'s in the same grid', async () => {
    // A self-found hazard: the company opens it in its own unit, where the draft task waits for it.
    const chem = await openCase(s, 'enterprise-officer', { workflowId: 'hazard' });
    const hengda = await openCase(s, 'hengda-officer', { workflowId: 'hazard' });
    const gridCase = await openCase(s, 'inspector', { workflowId: 'alert', org: GRID });

    expect(await caseIds('enterprise-officer')).toEqual([chem]);
    expect(await caseIds('hengda-officer')).toEqual([hengda]);
    expect(await taskCases('enterprise-officer')).toEqual([chem]);
    expect(await taskCases('hengda-officer')).toEqual([hengda]);
    expectHidden(await as(s, 'hengda-officer').get(`/api/v1/cases/${chem}`));
    expectHidden(await as(s, 'hengda-officer').get(`/api/v1/cases/${chem}/history`));
    expectHidden(await as(s, 'enterprise-officer').get(`/api/v1/cases/${gridCase}`));
    expectHidden(await as(s, 'hengda-officer').post(`/api/v1/cases/${chem}/events`, { type: 'cancel', payload: { cancelReason: '误报' } }));
    expectError(await as(s, 'hengda-officer').post('/api/v1/cases', { workflowId: 'hazard', org: 'qingshui-chem' }), 404, 'org_not_found');
    expect(((await as(s, 'hengda-officer').get('/api/v1/orgs')).body as Items<{ id: string }>).items.map((o) => o.id)).toEqual(['qingshui-hengda']);

    // Regulators see by org subtree as before: the grid's officer and the district see both companies.
    expect((await caseIds('grid-officer')).sort()).toEqual([chem, hengda, gridCase].sort());
    expect((await caseIds('reviewer')).sort()).toEqual([chem, hengda, gridCase].sort());
    expect((await as(s, 'reviewer').get(`/api/v1/cases/${chem}`)).status).toBe(200);
    expectHidden(await as(s, 'xishan-inspector').get(`/api/v1/cases/${chem}`));
  });

  it('records an enterprise with its industry, address, credit code, grid and supervising departments', async () => {
    const steel = {
      id: 'baisha-steel', name: '白沙钢构有限公司', level: 'enterprise', parentId: 'donghu-baisha-g1',
      enterprise: { industry: '冶金', address: '东湖区白沙街道钢城路2号', creditCode: '91320100MA1XQP0C3Y', supervisors: ['donghu'] },
    };
    const created = await as(s, 'admin-donghu').post('/api/v1/orgs', steel);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(steel);
    expect((await as(s, 'admin-donghu').post('/api/v1/orgs', steel)).status).toBe(200);
    const listed = ((await as(s, 'admin').get('/api/v1/orgs')).body as Items<{ id: string; enterprise?: unknown }>).items;
    expect(listed.find((o) => o.id === 'qingshui-chem')?.enterprise).toMatchObject({ industry: '危险化学品', supervisors: ['donghu'] });
    expect(listed.find((o) => o.id === GRID)?.enterprise ?? null).toBeNull();

    const { enterprise: _profile, ...bare } = steel;
    const noProfile = await as(s, 'admin-donghu').post('/api/v1/orgs', { ...bare, id: 'no-profile' });
    expectError(noProfile, 400, 'invalid_request');
    expect(noProfile.body.error.issues[0]).toMatchObject({ code: 'profile_required', path: ['body', 'enterprise'] });
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...steel, id: 'grid-with-profile', level: 'grid' }), 400, 'invalid_request');
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...steel, id: 'below-company', parentId: 'qingshui-chem' }), 400, 'invalid_request');
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...steel, id: 'ghost-boss', enterprise: { ...steel.enterprise, supervisors: ['nowhere'] } }), 404, 'org_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...steel, id: 'bad-code', enterprise: { ...steel.enterprise, creditCode: 'SOMETHING' } }), 400, 'invalid_request');

    // Company roles belong to companies, office roles to offices.
    const officer = { name: '钢构安全员', roles: ['enterpriseSafetyOfficer'] };
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { ...officer, id: 'in-grid', orgId: GRID }), 403, 'role_not_grantable');
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { name: '网格员', id: 'grid-in-company', orgId: 'baisha-steel', roles: ['gridOfficer'] }), 403, 'role_not_grantable');
    expect((await as(s, 'admin-donghu').post('/api/v1/users', { ...officer, id: 'steel-officer', orgId: 'baisha-steel' })).status).toBe(201);
  });
});

describe('built-in events have owners', () => {
  it('lets only a recipient acknowledge a warning, and only through the acknowledgement route', async () => {
    const caseId = await openCase(s, 'inspector', { workflowId: 'alert', org: GRID });
    expect((await as(s, 'inspector').post(`/api/v1/cases/${caseId}/events`, { type: 'warn' })).status).toBe(200);
    await s.notifier.dispatcher.runDue();
    const warning = `${caseId}/2/0`;

    // The inspector can write to the case but never received the warning; the generic route refuses everyone.
    for (const user of ['inspector', 'grid-officer']) {
      expectError(await as(s, user).post(`/api/v1/cases/${caseId}/events`, { type: 'notification.acknowledged', payload: { notification: warning } }), 403, 'reserved_event');
    }
    expectError(await as(s, 'inspector').post(`/api/v1/notifications/${enc(warning)}/ack`, {}), 403, 'not_a_recipient');
    expect((await history(caseId)).map((e) => e.type)).not.toContain('notification.acknowledged');
    expect((await as(s, 'grid-officer').get('/api/v1/notifications')).body.items[0].ack.status).toBe('waiting');

    expect((await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(warning)}/ack`, { comment: '收到' })).status).toBe(200);
    const acks = (await history(caseId)).filter((e) => e.type === 'notification.acknowledged');
    expect(acks.map((e) => e.actor.id)).toEqual(['grid-officer']);
  });

  it('refuses system events from people, whatever roles their user row claims', async () => {
    const permit = await openCase(s, 'clerk-donghu', { workflowId: 'permit' });
    const due = await as(s, 'chief-donghu').post(`/api/v1/cases/${permit}/events`, { type: 'deadline.due', payload: { deadline: 'review#decide', index: 0, generation: 0 } });
    expectError(due, 403, 'system_only_event');

    // A user row written before the role catalogue (or by hand) that holds `system`: the role counts for nothing.
    await s.fresh.store.knex('users').insert({ id: 'legacy-system', name: '旧系统账号', org_id: 'donghu', roles: JSON.stringify(['system', 'clerk']), locale: 'zh-CN', created_at: '2026-01-01T00:00:00.000Z' });
    s.tokens['legacy-system'] = (await issueToken(s.people, s.clock, 'legacy-system')).token;
    const c = await openCase(s, 'legacy-system', { workflowId: 'expiry' });
    expectError(await as(s, 'legacy-system').post(`/api/v1/cases/${c}/events`, { type: 'expire' }), 403, 'system_only_event');
    expectError(await as(s, 'legacy-system').post(`/api/v1/cases/${c}/events`, { type: 'case.childDone', payload: { child: 'x', finalState: 'done' } }), 403, 'system_only_event');
    expect((await history(c)).map((e) => e.type)).toEqual(['case.created']);
  });

  it('never grants system, refuses unknown roles with the known ones, and lets each level grant only its roles', async () => {
    const granted = await as(s, 'admin-donghu').post('/api/v1/users', { id: 'sneaky', name: '某人', orgId: 'donghu', roles: ['system', 'regulatorLeader', 'admin'] });
    expectError(granted, 403, 'role_not_grantable');
    expect(await s.people.getUser('sneaky')).toBeUndefined();
    await expect(s.people.addUser({ id: 'sneaky', name: '某人', orgId: 'donghu', roles: ['system'], locale: 'zh-CN', createdAt: '2026-03-02T02:00:00.000Z' })).rejects.toMatchObject({ code: 'role_not_grantable' });

    const unknown = await as(s, 'admin-donghu').post('/api/v1/users', { id: 'u1', name: '某人', orgId: 'donghu', roles: ['superuser'] });
    expectError(unknown, 422, 'unknown_role');
    expect(unknown.body.error.message).toContain('inspector');
    expect(unknown.body.error.message).not.toMatch(/\bsystem\b/);

    // A county admin makes a township admin; the township admin may not make admins, nor auditors.
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { id: 'aud', name: '审计', orgId: 'donghu', roles: ['auditor'] }), 403, 'role_not_grantable');
    const townshipAdmin = await as(s, 'admin-donghu').post('/api/v1/users', { id: 'admin-qingshui', name: '清水镇管理员', orgId: 'donghu-qingshui', roles: ['admin'] });
    expect(townshipAdmin.status).toBe(201);
    s.tokens['admin-qingshui'] = townshipAdmin.body.token;
    expectError(await as(s, 'admin-qingshui').post('/api/v1/users', { id: 'a2', name: '网格管理员', orgId: GRID, roles: ['admin'] }), 403, 'role_not_grantable');
    expect((await as(s, 'admin-qingshui').post('/api/v1/users', { id: 'g2', name: '网格员 二', orgId: GRID, roles: ['gridOfficer'] })).status).toBe(201);

    const catalogue = ((await as(s, 'clerk-donghu').get('/api/v1/roles')).body as Items<{ role: string; holders: string[]; grantors: string[] }>).items;
    expect(catalogue.map((r) => r.role)).not.toContain('system');
    expect(catalogue.find((r) => r.role === 'admin')).toEqual({ role: 'admin', holders: ['province', 'city', 'county', 'township'], grantors: ['province', 'city', 'county'] });
    expect(catalogue.find((r) => r.role === 'enterpriseSafetyOfficer')?.holders).toEqual(['enterprise']);
    expect(catalogue.map((r) => r.role)).toContain('clerk');
  });
});

describe('tokens issued for someone else', () => {
  it('show their issuer beside the user in every event sent with them, in the history API and page', async () => {
    const issued = await as(s, 'admin-donghu').post('/api/v1/users/clerk-donghu/tokens', { label: 'issued by the admin' });
    expect(issued.status).toBe(201);
    s.tokens['clerk-by-admin'] = issued.body.token;
    expect((await as(s, 'clerk-by-admin').get('/api/v1/me')).body.tokenIssuedBy).toBe('admin-donghu');
    const c = await openCase(s, 'clerk-by-admin');
    expect((await as(s, 'clerk-donghu').post(`/api/v1/cases/${c}/events`, { type: 'note', payload: { text: '记录' } })).status).toBe(200);
    const own = await as(s, 'clerk-donghu').post('/api/v1/me/tokens', { label: 'my laptop' });
    expect(own.status).toBe(201);
    s.tokens['clerk-own'] = own.body.token;
    expect((await as(s, 'clerk-own').get('/api/v1/me')).body.tokenIssuedBy).toBeNull();
    expect((await as(s, 'clerk-own').post(`/api/v1/cases/${c}/events`, { type: 'note', payload: { text: '记录' } })).status).toBe(200);

    const events = await history(c);
    expect(events.map((e) => [e.actor.id, e.actor.issuedBy ?? null])).toEqual([
      ['clerk-donghu', { id: 'admin-donghu', name: 'admin-donghu' }],
      ['clerk-donghu', null],
      ['clerk-donghu', null],
    ]);

    const page = await request(s.app).get(`/cases/${enc(c)}`).set(await web(s, 'clerk-donghu'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('clerk-donghu（使用 admin-donghu 签发的令牌）');
    const audit = await request(s.app).get(`/cases/${enc(c)}/audit?at=1`).set(await web(s, 'clerk-donghu'));
    expect(audit.text).toContain('令牌签发人');
  });
});
