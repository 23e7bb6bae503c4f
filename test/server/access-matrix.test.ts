/**
 * The access matrix (issue 8): every route of the OpenAPI document × every
 * persona, against resources that belong to district A (东湖区). The routes
 * come from `/api/openapi.json`, so a new route fails this test until it has
 * an entry in `EXPECTATIONS`.
 *
 * Rules checked on every cell besides the table:
 * - anonymous callers get 401 everywhere but the public routes;
 * - district B's answers never carry A's data (its secret marker, A's case ids in a 2xx);
 * - auditors never write (no 2xx on a POST, except `validate` and their own inbox);
 * - only admins administer (403 for everyone else on admin routes);
 * - the root admin reads everything of A.
 *
 * To add a resource (e.g. definitions or calendars owned by an org), create
 * it in `beforeAll` into `ids`, and point the routes' `req` at it; to tighten
 * a cell, change its outcome in the table.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../engine/index.js';
import { issueToken } from '../../server/access.js';
import { openApiPath } from '../../server/openapi.js';
import { createUser } from '../../server/people.js';
import { testServer, type TestServer } from './support.js';

/** Who calls: no token, A's and B's users, A's auditor and admin, B's admin, the root (city) admin. */
const PERSONAS = ['anonymous', 'userB', 'adminB', 'auditorA', 'userA', 'adminA', 'root'] as const;
type Persona = (typeof PERSONAS)[number];
const USER_OF: Record<Exclude<Persona, 'anonymous'>, string> = {
  userB: 'clerk-xishan', adminB: 'admin-xishan', auditorA: 'auditor-donghu', userA: 'clerk-donghu', adminA: 'admin-donghu', root: 'admin',
};

/**
 * What a cell may answer:
 * - `ok` 2xx; `clean` 2xx without any of A's ids or data (lists seen from B);
 * - `allowed`: the access check passed (not 401/403/404, not 5xx: e.g. a 409 for a repeated action);
 * - `missing` 404 (exactly as for an id that does not exist); `forbidden` 403; `unauth` 401.
 */
type Outcome = 'ok' | 'clean' | 'allowed' | 'missing' | 'forbidden' | 'unauth';

/** A's resources, made in `beforeAll`. */
interface Ids {
  caseA: string;
  childA: string;
  notificationA: string;
  outboxA: string;
  userA: string;
  orgA: string;
  definitionA: string;
  calendarA: string;
  spareTokenA: string;
  campaignA: string;
}

interface Req {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

interface Expectation {
  /** The request a persona sends (resource ids filled in). */
  req: (ids: Ids, who: Persona) => Req;
  expect: Partial<Record<Persona, Outcome>>;
  /** Writes that change only the caller's own things (their inbox): auditors may. */
  personal?: boolean;
  /** The request names an id no fixture creates (an archive): the root admin, too, is answered 404. */
  unknownId?: boolean;
}

const SECRET = '东湖区机密-7f3a';

const counterNote = { type: 'note' };
const A_READ = { userB: 'missing', adminB: 'missing', auditorA: 'ok', userA: 'ok', adminA: 'ok', root: 'ok' } as const;
const LIST = { userB: 'clean', adminB: 'clean', auditorA: 'ok', userA: 'ok', adminA: 'ok', root: 'ok' } as const;
const EVERYONE = { userB: 'ok', adminB: 'ok', auditorA: 'ok', userA: 'ok', adminA: 'ok', root: 'ok' } as const;
const ADMINS_OF_A = { userB: 'forbidden', adminB: 'missing', auditorA: 'forbidden', userA: 'forbidden', adminA: 'ok', root: 'ok' } as const;
const ADMIN_LIST = { userB: 'forbidden', adminB: 'clean', auditorA: 'forbidden', userA: 'forbidden', adminA: 'ok', root: 'ok' } as const;
const PUBLIC = { anonymous: 'ok', ...EVERYONE } as const;
const ROOT_ONLY = { userB: 'forbidden', adminB: 'forbidden', auditorA: 'forbidden', userA: 'forbidden', adminA: 'forbidden', root: 'ok' } as const;

/** Every route: `METHOD /openapi/{path}` → the request and each persona's outcome. */
const EXPECTATIONS: Record<string, Expectation> = {
  'get /healthz': { req: () => ({ path: '/healthz' }), expect: PUBLIC },
  'get /readyz': { req: () => ({ path: '/readyz' }), expect: PUBLIC },
  'get /metrics': { req: () => ({ path: '/metrics' }), expect: PUBLIC },
  'get /api/openapi.json': { req: () => ({ path: '/api/openapi.json' }), expect: PUBLIC },

  'get /api/v1/me': { req: () => ({ path: '/api/v1/me' }), expect: LIST },
  'get /api/v1/orgs': { req: () => ({ path: '/api/v1/orgs' }), expect: LIST },
  'post /api/v1/orgs': { req: (ids, who) => ({ path: '/api/v1/orgs', body: { id: `m-${who.toLowerCase()}`, name: '新镇', parentId: ids.orgA, level: 'township' } }), expect: ADMINS_OF_A },
  'get /api/v1/users': { req: () => ({ path: '/api/v1/users' }), expect: ADMIN_LIST },
  'post /api/v1/users': { req: (ids) => ({ path: '/api/v1/users', body: { name: '新人', orgId: ids.orgA, roles: ['clerk'] } }), expect: ADMINS_OF_A },
  'post /api/v1/users/{id}/tokens': { req: (ids) => ({ path: `/api/v1/users/${ids.userA}/tokens`, body: {} }), expect: ADMINS_OF_A },
  'post /api/v1/tokens/revoke': {
    req: (ids) => ({ path: '/api/v1/tokens/revoke', body: { tokenId: ids.spareTokenA } }),
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'missing', userA: 'ok', adminA: 'ok', root: 'ok' },
  },

  'post /api/v1/me/tokens': { req: () => ({ path: '/api/v1/me/tokens', body: { label: 'matrix' } }), expect: EVERYONE, personal: true },
  'get /api/v1/roles': { req: () => ({ path: '/api/v1/roles' }), expect: EVERYONE },

  // Definitions and calendars belong to the org they were registered at: B sees none of A's.
  'get /api/v1/workflows': { req: () => ({ path: '/api/v1/workflows' }), expect: LIST },
  'post /api/v1/workflows': {
    req: () => ({ path: '/api/v1/workflows', body: definitionA }),
    // Version numbers are one sequence per workflow id: the same id and version registered at another org is a conflict (409).
    expect: { userB: 'forbidden', adminB: 'allowed', auditorA: 'forbidden', userA: 'forbidden', adminA: 'ok', root: 'allowed' },
  },
  'post /api/v1/admin/migrations': {
    req: () => ({ path: '/api/v1/admin/migrations', body: { workflowId: 'counter', fromVersion: 1, toVersion: 1, map: { states: {} }, dryRun: true } }),
    // The root's (built-in) versions are governed by the root admin alone; its request passes the scope and is then refused as a mapping (same version).
    expect: { userB: 'forbidden', adminB: 'forbidden', auditorA: 'forbidden', userA: 'forbidden', adminA: 'forbidden', root: 'allowed' },
  },
  'post /api/v1/workflows/validate': { req: () => ({ path: '/api/v1/workflows/validate', body: definitionA }), expect: EVERYONE, personal: true },
  'get /api/v1/workflows/{id}': { req: (ids) => ({ path: `/api/v1/workflows/${ids.definitionA}` }), expect: A_READ },
  'get /api/v1/workflows/{id}/diagram': { req: (ids) => ({ path: '/api/v1/workflows/matrix-parent/diagram', query: { case: ids.caseA } }), expect: A_READ },

  'get /api/v1/tasks': { req: () => ({ path: '/api/v1/tasks' }), expect: LIST },
  // Taking in a tip-off needs the tip-off officer's role, which no persona holds; the lookup by query code needs no login and knows no code here.
  'post /api/v1/tipoffs': {
    req: (ids) => ({ path: '/api/v1/tipoffs', body: { org: ids.orgA, data: { content: '某厂违规动火' } } }),
    expect: { userB: 'forbidden', adminB: 'forbidden', auditorA: 'forbidden', userA: 'forbidden', adminA: 'forbidden', root: 'forbidden' },
  },
  'get /api/v1/tipoffs/status': {
    req: () => ({ path: '/api/v1/tipoffs/status', query: { code: 'ABCD-EFGH-JKMN-PQRS' } }),
    expect: { anonymous: 'missing', userB: 'missing', adminB: 'missing', auditorA: 'missing', userA: 'missing', adminA: 'missing', root: 'missing' },
  },
  'get /tipoff-status': { req: () => ({ path: '/tipoff-status' }), expect: PUBLIC },
  'post /api/v1/cases': {
    req: (ids) => ({ path: '/api/v1/cases', body: { workflowId: 'matrix-parent', org: ids.orgA, data: { secret: 'x', units: [] } } }),
    // Admins hold no clerk role: opening a case needs one of the workflow's roles.
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'forbidden', userA: 'ok', adminA: 'forbidden', root: 'forbidden' },
  },
  'get /api/v1/cases': { req: () => ({ path: '/api/v1/cases' }), expect: LIST },
  'get /api/v1/cases/{id}': { req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}` }), expect: A_READ },
  // Campaigns of A: run by A's admins (and leaders, which no persona is); read by A's subtree.
  'post /api/v1/campaigns': { req: (ids, who) => ({ path: '/api/v1/campaigns', body: { ...campaignA, id: `m-${who.toLowerCase()}`, ownerOrg: ids.orgA } }), expect: ADMINS_OF_A },
  'get /api/v1/campaigns': { req: () => ({ path: '/api/v1/campaigns' }), expect: LIST },
  'get /api/v1/campaigns/{id}': { req: (ids) => ({ path: `/api/v1/campaigns/${ids.campaignA}` }), expect: A_READ },
  'post /api/v1/campaigns/{id}': { req: (ids, who) => ({ path: `/api/v1/campaigns/${ids.campaignA}`, body: { title: `危化品专项整治（${who}改）`, reason: '标题调整' } }), expect: ADMINS_OF_A },
  'get /api/v1/campaigns/{id}/changes': { req: (ids) => ({ path: `/api/v1/campaigns/${ids.campaignA}/changes` }), expect: A_READ },
  'post /api/v1/campaigns/{id}/close': {
    req: (_ids, who) => ({ path: `/api/v1/campaigns/${who === 'root' ? 'matrix-campaign-root' : 'matrix-campaign-close'}/close` }),
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'forbidden', userA: 'forbidden', adminA: 'ok', root: 'ok' },
  },
  // Adding A's case: any writer who sees both (a 422 once the campaign is closed still passed the access check).
  'post /api/v1/campaigns/{id}/cases': {
    req: (ids) => ({ path: `/api/v1/campaigns/${ids.campaignA}/cases`, body: { caseId: ids.caseA } }),
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'forbidden', userA: 'ok', adminA: 'ok', root: 'ok' },
  },
  // A period in the future: refused as a bad request once the access check passed.
  'post /api/v1/campaigns/{id}/reports': {
    req: (ids) => ({ path: `/api/v1/campaigns/${ids.campaignA}/reports`, body: { periodTo: '2030-01-06' } }),
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'forbidden', userA: 'forbidden', adminA: 'allowed', root: 'allowed' },
  },
  'post /api/v1/register/import': {
    req: (ids) => ({ path: '/api/v1/register/import', body: { kind: 'industries', format: 'csv', org: ids.orgA, content: Buffer.from('行业领域,监管部门\n燃气,住房和城乡建设局\n').toString('base64') } }),
    expect: ADMINS_OF_A,
  },
  'get /api/v1/register/industries': { req: (ids) => ({ path: '/api/v1/register/industries', query: { org: ids.orgA } }), expect: A_READ },
  'post /api/v1/register/industries': { req: (ids) => ({ path: '/api/v1/register/industries', body: { org: ids.orgA, industry: '冶金', departments: ['应急管理局'] } }), expect: ADMINS_OF_A },
  'get /api/v1/routing-rules': { req: () => ({ path: '/api/v1/routing-rules' }), expect: LIST },
  'post /api/v1/routing-rules': { req: (ids, who) => ({ path: '/api/v1/routing-rules', body: { ...ruleA, id: `m-${who.toLowerCase()}`, ownerOrg: ids.orgA } }), expect: ADMINS_OF_A },
  'post /api/v1/routing-rules/{id}/delete': { req: (_ids, who) => ({ path: `/api/v1/routing-rules/${who === 'root' ? 'matrix-rule-root' : 'matrix-rule-a'}/delete` }), expect: ADMINS_OF_A },
  'get /api/v1/cases/{id}/route': { req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}/route` }), expect: A_READ },
  // 改派 needs a leader's or office's role, or admin: the clerk may not.
  'post /api/v1/cases/{id}/reassign': {
    req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}/reassign`, body: { grid: null, departments: ['应急管理局'], reason: '矩阵测试' } }),
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'forbidden', userA: 'forbidden', adminA: 'ok', root: 'ok' },
  },
  // The monthly report of A's subtree: like a case list named by org, outside one's subtree the org does not exist.
  'get /api/v1/reports/monthly': { req: (ids) => ({ path: '/api/v1/reports/monthly', query: { month: '2026-03', org: ids.orgA } }), expect: A_READ },
  'get /api/v1/quotas': { req: (ids) => ({ path: '/api/v1/quotas', query: { year: '2026', org: ids.orgA } }), expect: A_READ },
  // A district's quotas: its own admins and the root's; B's admin does not see A.
  'post /api/v1/quotas': { req: (ids) => ({ path: '/api/v1/quotas', body: { district: ids.orgA, year: 2026, accidents: 5, deaths: 3 } }), expect: ADMINS_OF_A },
  // An org's document-number series: read in its subtree, set by the admins of the org (its own and above).
  'get /api/v1/orgs/{org}/doc-number-series': { req: (ids) => ({ path: `/api/v1/orgs/${ids.orgA}/doc-number-series` }), expect: A_READ },
  'post /api/v1/orgs/{org}/doc-number-series/{series}': { req: (ids) => ({ path: `/api/v1/orgs/${ids.orgA}/doc-number-series/circular`, body: { prefix: '东安委办通' } }), expect: ADMINS_OF_A },
  'post /api/v1/cases/{id}/events': {
    req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}/events`, body: counterNote }),
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'forbidden', userA: 'ok', adminA: 'forbidden', root: 'forbidden' },
  },
  'get /api/v1/cases/{id}/documents': { req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}/documents` }), expect: A_READ },
  // 抄送我的: each caller's own copies.
  'get /api/v1/copies': { req: () => ({ path: '/api/v1/copies' }), expect: LIST },
  // Archives cover the whole database: listed and verified by the root's admins and auditors only.
  'get /api/v1/archives': { req: () => ({ path: '/api/v1/archives' }), expect: ROOT_ONLY },
  'get /api/v1/archives/{id}/verify': { req: () => ({ path: '/api/v1/archives/arc-none/verify' }), expect: { ...ROOT_ONLY, root: 'missing' }, unknownId: true },
  'get /api/v1/cases/{id}/history': { req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}/history` }), expect: A_READ },
  'get /api/v1/cases/{id}/replay': { req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}/replay` }), expect: A_READ },
  'get /api/v1/cases/{id}/export': { req: (ids) => ({ path: `/api/v1/cases/${ids.caseA}/export` }), expect: A_READ },
  'get /api/v1/audit/verify': { req: (ids) => ({ path: '/api/v1/audit/verify', query: { case: ids.caseA } }), expect: A_READ },

  'get /api/v1/notifications': { req: () => ({ path: '/api/v1/notifications' }), expect: LIST },
  'post /api/v1/notifications/read-all': { req: () => ({ path: '/api/v1/notifications/read-all' }), expect: EVERYONE, personal: true },
  // A notification is its recipients' alone: everyone else gets 404, admins included.
  'post /api/v1/notifications/{id}/read': {
    req: (ids) => ({ path: `/api/v1/notifications/${encodeURIComponent(ids.notificationA)}/read` }),
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'missing', userA: 'ok', adminA: 'missing', root: 'missing' },
    personal: true,
  },
  'post /api/v1/notifications/{id}/ack': {
    req: (ids) => ({ path: `/api/v1/notifications/${encodeURIComponent(ids.notificationA)}/ack` }),
    // Not a warning: the recipient is told so (409); A's own people may learn it exists, B may not.
    expect: { userB: 'missing', adminB: 'missing', auditorA: 'forbidden', userA: 'allowed', adminA: 'allowed', root: 'allowed' },
  },
  'get /api/v1/admin/outbox': { req: () => ({ path: '/api/v1/admin/outbox', query: { status: 'sent' } }), expect: ADMIN_LIST },
  'get /api/v1/admin/outbox/stats': { req: () => ({ path: '/api/v1/admin/outbox/stats' }), expect: { ...ADMIN_LIST, adminB: 'ok' } },
  'get /api/v1/admin/outbox/{id}': { req: (ids) => ({ path: `/api/v1/admin/outbox/${encodeURIComponent(ids.outboxA)}` }), expect: ADMINS_OF_A },
  'post /api/v1/admin/outbox/{id}/retry': {
    req: (ids) => ({ path: `/api/v1/admin/outbox/${encodeURIComponent(ids.outboxA)}/retry` }),
    // The row was sent: not retryable (409) for those who may act on it.
    expect: { ...ADMINS_OF_A, adminA: 'allowed', root: 'allowed' },
  },

  'get /api/v1/calendars': { req: () => ({ path: '/api/v1/calendars' }), expect: LIST },
  'post /api/v1/calendars': {
    req: () => ({ path: '/api/v1/calendars', body: calendarA }),
    expect: { userB: 'forbidden', adminB: 'missing', auditorA: 'forbidden', userA: 'forbidden', adminA: 'ok', root: 'ok' },
  },
  'post /api/v1/calendars/{id}/years': {
    req: (ids) => ({ path: `/api/v1/calendars/${ids.calendarA}/years`, body: { years: [2027], days: [] } }),
    expect: { userB: 'forbidden', adminB: 'missing', auditorA: 'forbidden', userA: 'forbidden', adminA: 'ok', root: 'ok' },
  },
  'get /api/v1/calendars/{id}/deadline': { req: (ids) => ({ path: `/api/v1/calendars/${ids.calendarA}/deadline`, query: { start: '2026-03-02T02:00:00Z', duration: 'P3D' } }), expect: A_READ },
};

const child = defineWorkflow({
  id: 'matrix-child', version: 1, title: '下级案件', roles: ['clerk'],
  data: { type: 'object', properties: { secret: { type: 'string' } } },
  initial: 'open',
  states: { open: { task: { title: '办理', role: 'clerk' }, on: { close: { target: 'closed', roles: ['clerk'] } } }, closed: { type: 'final' } },
});
const parent = defineWorkflow({
  id: 'matrix-parent', version: 1, title: '上级案件', roles: ['clerk'],
  data: { type: 'object', properties: { secret: { type: 'string' }, units: { type: 'array', items: { type: 'object', properties: { org: { type: 'string' } } } } } },
  initial: 'open',
  states: {
    open: {
      task: { title: '办理', role: 'clerk' },
      on: {
        note: { roles: ['clerk'], input: { type: 'object', properties: { text: { type: 'string' } } } },
        ping: { roles: ['clerk'], notify: [{ template: 'task-assigned', kind: 'actionRequired', to: [{ role: 'clerk' }], channels: ['inbox'] }] },
        split: { target: 'split', roles: ['clerk'] },
      },
    },
    split: { spawn: { workflow: 'matrix-child', forEach: 'units', org: { var: 'item.org' }, input: { secret: { var: 'data.secret' } } }, on: { note: { roles: ['clerk'] }, finish: { target: 'finished', roles: ['clerk'] } } },
    finished: { type: 'final' },
  },
});
const definitionA = { id: 'matrix-def-a', version: 1, title: '东湖区自定义', roles: ['clerk'], initial: 'open', states: { open: { on: { done: { target: 'done', roles: ['clerk'] } } }, done: { type: 'final' } } };
const campaignA = { id: 'matrix-campaign', title: '矩阵专项整治', startsOn: '2026-03-01', endsOn: '2026-12-31', reportPeriod: 'monthly', districts: ['donghu'] };
const ruleA = { id: 'matrix-rule-a', ownerOrg: 'donghu', title: '矩阵规则', workflows: ['hazard'], grid: { from: 'enterprise' }, departments: { from: 'industry' } };
const calendarA = { id: 'matrix-cal-a', years: [2026], days: [{ date: '2026-03-03', kind: 'holiday' as const, name: '区休' }] };

describe('the access matrix', () => {
  let s: TestServer;
  let ids: Ids;
  let routes: string[];
  beforeAll(async () => {
    s = await testServer('sqlite', { workflows: [child, parent] });
    s.tokens['admin-xishan'] = (await createUser(s.people, s.clock, { id: 'admin-xishan', name: '西山管理员', orgId: 'xishan', roles: ['admin'] })).token;
    const post = (user: string, path: string, body: unknown) => request(s.app).post(path).set('Authorization', `Bearer ${s.tokens[user]}`).send(body as object);
    const opened = await post('clerk-donghu', '/api/v1/cases', { workflowId: 'matrix-parent', data: { secret: SECRET, units: [{ org: 'donghu-qingshui' }] } });
    expect(opened.status).toBe(201);
    const caseA = opened.body.case.id as string;
    expect((await post('clerk-donghu', `/api/v1/cases/${caseA}/events`, { type: 'ping' })).status).toBe(200);
    expect((await post('clerk-donghu', `/api/v1/cases/${caseA}/events`, { type: 'split' })).status).toBe(200);
    await s.notifier.dispatcher.runDue();
    const children = await s.engine.store.listCases({ workflowId: 'matrix-child', limit: 10 });
    expect(children.map((c) => c.org)).toEqual(['donghu-qingshui']);
    expect((await post('admin-donghu', '/api/v1/workflows', definitionA)).status).toBe(201);
    expect((await post('admin-donghu', '/api/v1/calendars', calendarA)).status).toBe(201);
    for (const id of ['matrix-campaign', 'matrix-campaign-close', 'matrix-campaign-root']) expect((await post('admin-donghu', '/api/v1/campaigns', { ...campaignA, id })).status).toBe(201);
    for (const id of ['matrix-rule-a', 'matrix-rule-root']) expect((await post('admin-donghu', '/api/v1/routing-rules', { ...ruleA, id })).status).toBe(200);
    ids = {
      caseA, childA: children[0]!.id, notificationA: `${caseA}/2/0`, outboxA: `${caseA}/2/0`, userA: 'clerk-donghu', orgA: 'donghu',
      definitionA: definitionA.id, calendarA: calendarA.id, spareTokenA: (await issueToken(s.people, s.clock, 'clerk-donghu', { label: 'matrix' })).record.id,
      campaignA: campaignA.id,
    };
    const doc = (await request(s.app).get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  });
  afterAll(() => s.cleanup());

  it('has an expectation for every route of the OpenAPI document, and none for a route it lacks', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((r) => !(r in EXPECTATIONS))).toEqual([]);
    expect(Object.keys(EXPECTATIONS).filter((r) => !routes.includes(r))).toEqual([]);
    expect(openApiPath('/api/v1/cases/:id')).toBe('/api/v1/cases/{id}');
  });

  it("answers every route × persona as the table says, and never hands A's data to B", async () => {
    const doc = (await request(s.app).get('/api/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const failures: string[] = [];
    // Refused callers first: the writes that succeed change the case the later cells read.
    for (const route of routes) {
      const e = EXPECTATIONS[route]!;
      const [method, openPath] = route.split(' ') as ['get' | 'post', string];
      // A public route answers anonymous callers as the table says (a lookup by an unknown code is 404 for everyone).
      const isPublic = e.expect.anonymous !== undefined;
      for (const who of PERSONAS) {
        const want: Outcome = who === 'anonymous' ? (e.expect.anonymous ?? 'unauth') : e.expect[who]!;
        const r = e.req(ids, who);
        let call = request(s.app)[method](r.path);
        if (r.query) call = call.query(r.query);
        if (who !== 'anonymous') call = call.set('Authorization', `Bearer ${s.tokens[USER_OF[who]]}`);
        const res = await (method === 'post' ? call.send((r.body ?? {}) as object) : call);
        const text = res.text ?? '';
        const ok = res.status >= 200 && res.status < 300;
        const got: boolean = {
          ok,
          clean: ok && !text.includes(ids.caseA) && !text.includes(ids.childA) && !text.includes('"donghu'),
          allowed: ![401, 403, 404].includes(res.status) && res.status < 500,
          missing: res.status === 404,
          forbidden: res.status === 403,
          unauth: res.status === 401,
        }[want];
        const cell = `${route} as ${who}: wanted ${want}, got ${res.status} ${text.slice(0, 160)}`;
        if (!got) failures.push(cell);
        // The rules, whatever the table says.
        if ((who === 'userB' || who === 'adminB') && text.includes(SECRET)) failures.push(`${cell} — leaks A's data`);
        if (who === 'auditorA' && method === 'post' && ok && !e.personal) failures.push(`${cell} — an auditor wrote`);
        if (who === 'anonymous' && !isPublic && res.status !== 401) failures.push(`${cell} — anonymous not refused`);
        if (!isPublic && who === 'root' && method === 'get' && !ok && !e.unknownId) failures.push(`${cell} — the root admin cannot read`);
      }
      expect(doc.paths[openPath]?.[method], route).toBeDefined();
    }
    expect(failures).toEqual([]);
  });

  it("gives B the same answer for A's case and its child as for ids that do not exist", async () => {
    for (const id of [ids.caseA, ids.childA]) {
      for (const suffix of ['', '/history', '/replay', '/export']) {
        const foreign = await request(s.app).get(`/api/v1/cases/${encodeURIComponent(id)}${suffix}`).set('Authorization', `Bearer ${s.tokens['clerk-xishan']}`);
        const missing = await request(s.app).get(`/api/v1/cases/nope${suffix}`).set('Authorization', `Bearer ${s.tokens['clerk-xishan']}`);
        expect({ status: foreign.status, body: JSON.stringify(foreign.body).replace(id, '<id>') }).toEqual({ status: missing.status, body: JSON.stringify(missing.body).replace('nope', '<id>') });
      }
      expect((await request(s.app).get(`/api/v1/cases/${encodeURIComponent(id)}`).set('Authorization', `Bearer ${s.tokens.admin}`)).status).toBe(200);
    }
  });
});
