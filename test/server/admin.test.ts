/**
 * Definitions, calendars, orgs, users and tokens over HTTP: admin-only
 * writes, subtree limits, validation and conflicts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, expectError, openCase } from './support-http.js';
import { testServer, type TestServer } from './support.js';
import { counterWorkflow } from '../support/counter-workflow.js';

let s: TestServer;
beforeEach(async () => {
  s = await testServer();
});
afterEach(() => s.cleanup());

describe('workflows', () => {
  it('lists the registered workflows and the versions of one', async () => {
    const list = (await as(s, 'clerk-donghu').get('/api/v1/workflows')).body.items;
    expect(list.map((w: { id: string }) => w.id)).toEqual(['counter', 'hazard', 'permit']);
    const one = await as(s, 'clerk-donghu').get('/api/v1/workflows/counter');
    expect(one.body).toMatchObject({ id: 'counter', versions: [{ version: 1 }], definition: { version: 1, definition: { id: 'counter' } } });
    expectError(await as(s, 'clerk-donghu').get('/api/v1/workflows/counter?version=9'), 404, 'workflow_not_found');
    expectError(await as(s, 'clerk-donghu').get('/api/v1/workflows/nope'), 404, 'workflow_not_found');
  });

  it('registers a new version for admins only; the same content again is not an error; other content under a stored version is 409', async () => {
    const v2 = { ...counterWorkflow, version: 2 };
    expectError(await as(s, 'clerk-donghu').post('/api/v1/workflows', v2), 403, 'forbidden');
    expectError(await as(s, 'auditor').post('/api/v1/workflows', v2), 403, 'forbidden');
    const created = await as(s, 'admin').post('/api/v1/workflows', v2);
    expect([created.status, created.body]).toEqual([201, { ref: 'counter@2', created: true, ownerOrg: null, ownerName: '江州市' }]);
    const again = await as(s, 'admin').post('/api/v1/workflows', v2);
    expect([again.status, again.body.created]).toEqual([200, false]);
    expectError(await as(s, 'admin').post('/api/v1/workflows', { ...v2, title: 'changed' }), 409, 'definition_conflict');
    const invalid = await as(s, 'admin').post('/api/v1/workflows', { ...v2, version: 3, initial: 'nowhere' });
    expectError(invalid, 422, 'invalid_definition');
    expect(invalid.body.error.issues.length).toBeGreaterThan(0);
    expect((await as(s, 'clerk-donghu').get('/api/v1/workflows/counter')).body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  });

  it('validates a definition without storing it, naming every problem with its path', async () => {
    const bad = await as(s, 'clerk-donghu').post('/api/v1/workflows/validate', { ...counterWorkflow, id: 'Bad Id', initial: 'nowhere' });
    expect(bad.status).toBe(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.issues.map((i: { path: unknown[] }) => i.path)).toContainEqual(['id']);
    const good = await as(s, 'clerk-donghu').post('/api/v1/workflows/validate', counterWorkflow);
    expect(good.body).toMatchObject({ ok: true, issues: [], events: ['approve', 'note', 'sendBack', 'submit'] });
    expectError(await as(s, 'clerk-donghu').post('/api/v1/workflows/validate', [1, 2]), 400, 'invalid_request');
  });

  it('draws the state machine as Mermaid, with a case\'s current state highlighted', async () => {
    const res = await as(s, 'clerk-donghu').get('/api/v1/workflows/hazard/diagram');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text.split('\n')[0]).toBe('stateDiagram-v2');
    expect(res.text).toContain('state active {');
    const id = await openCase(s, 'clerk-donghu');
    const highlighted = await as(s, 'clerk-donghu').get(`/api/v1/workflows/counter/diagram?case=${id}`);
    expect(highlighted.text).toContain('class open current');
    expectError(await as(s, 'clerk-xishan').get(`/api/v1/workflows/counter/diagram?case=${id}`), 404, 'case_not_found');
    expectError(await as(s, 'clerk-donghu').get('/api/v1/workflows/nope/diagram'), 404, 'workflow_not_found');
  });
});

describe('calendars', () => {
  it('lists calendars and computes deadlines (start day excluded, rollover off rest days)', async () => {
    expect((await as(s, 'clerk-donghu').get('/api/v1/calendars')).body.items).toContainEqual(expect.objectContaining({ id: 'cn', version: 1 }));
    const d = await as(s, 'clerk-donghu').get('/api/v1/calendars/cn/deadline?start=2026-09-16T02:00:00Z&duration=P15D&rollover=true');
    expect(d.body).toMatchObject({ dueDate: '2026-10-08', rolledOverFrom: '2026-10-01', calendarId: 'cn' });
    const w = await as(s, 'clerk-donghu').get(`/api/v1/calendars/cn/deadline?start=2026-02-10T02:00:00Z&duration=${encodeURIComponent('5 workdays')}`);
    expect(w.body).toMatchObject({ dueDate: '2026-02-24', workdays: 5 });
    expectError(await as(s, 'clerk-donghu').get('/api/v1/calendars/cn/deadline?start=2026-02-10T02:00:00Z&duration=soon'), 422, 'invalid_duration');
    expectError(await as(s, 'clerk-donghu').get('/api/v1/calendars/cn/deadline?start=2031-02-10T02:00:00Z&duration=P1D'), 422, 'calendar_out_of_range');
    expectError(await as(s, 'clerk-donghu').get('/api/v1/calendars/mars/deadline?start=2026-02-10T02:00:00Z&duration=P1D'), 404, 'calendar_not_found');
    expectError(await as(s, 'clerk-donghu').get('/api/v1/calendars/cn/deadline?duration=P1D'), 400, 'invalid_request');
  });

  it('lets admins add a calendar and a year (each a new version); others get 403', async () => {
    const cal = { id: 'cn-test', years: [2027], days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }] };
    expectError(await as(s, 'clerk-donghu').post('/api/v1/calendars', cal), 403, 'forbidden');
    const created = await as(s, 'admin').post('/api/v1/calendars', cal);
    expect([created.status, created.body]).toEqual([201, { id: 'cn-test', version: 1, created: true, rebaselined: { cases: 0, failed: 0 } }]);
    expectError(await as(s, 'admin').post('/api/v1/calendars', { ...cal, days: [{ date: '2028-01-01', kind: 'holiday' }] }), 422, 'invalid_calendar');
    const year = await as(s, 'admin').post('/api/v1/calendars/cn/years', { years: [2027], days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }] });
    expect([year.status, year.body]).toEqual([201, { id: 'cn', version: 2, created: true, rebaselined: { cases: 0, failed: 0 } }]);
    const d = await as(s, 'clerk-donghu').get('/api/v1/calendars/cn/deadline?start=2026-12-31T02:00:00Z&duration=P1D&rollover=true');
    expect(d.body).toMatchObject({ dueDate: '2027-01-04', calendarVersion: 2 });
    expectError(await as(s, 'admin').post('/api/v1/calendars/mars/years', { years: [2027], days: [] }), 404, 'calendar_not_found');
  });
});

describe('orgs, users, tokens', () => {
  it('shows each user the orgs of their subtree', async () => {
    const ids = (await as(s, 'clerk-donghu').get('/api/v1/orgs')).body.items.map((o: { id: string }) => o.id).sort();
    expect(ids).toEqual(['donghu', 'donghu-baisha', 'donghu-baisha-g1', 'donghu-qingshui', 'donghu-qingshui-g1', 'donghu-qingshui-g2', 'qingshui-chem', 'qingshui-hengda']);
    expect((await as(s, 'admin').get('/api/v1/orgs')).body.items).toHaveLength(12);
  });

  it('lets an admin add orgs below its subtree, checking levels, jurisdiction and conflicts', async () => {
    const grid = { id: 'donghu-baisha-g2', name: '白沙街道第二网格', parentId: 'donghu-baisha', level: 'grid' };
    expectError(await as(s, 'clerk-donghu').post('/api/v1/orgs', grid), 403, 'forbidden');
    const created = await as(s, 'admin-donghu').post('/api/v1/orgs', grid);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(grid);
    expect((await as(s, 'admin-donghu').post('/api/v1/orgs', grid)).status).toBe(200);
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...grid, name: '另一个' }), 409, 'already_exists');
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...grid, id: 'xishan-g9', parentId: 'xishan-songlin' }), 404, 'org_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...grid, id: 'x1', parentId: null }), 403, 'out_of_jurisdiction');
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...grid, id: 'x2', parentId: 'nowhere' }), 404, 'org_not_found');
    const level = await as(s, 'admin-donghu').post('/api/v1/orgs', { ...grid, id: 'x3', level: 'city' });
    expectError(level, 400, 'invalid_request');
    expect(level.body.error.issues[0].path).toEqual(['body', 'level']);
    expectError(await as(s, 'admin-donghu').post('/api/v1/orgs', { ...grid, id: 'Bad_Id' }), 400, 'invalid_request');
    // The new org is in the subtree at once: a case can be opened there.
    expect((await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', org: 'donghu-baisha-g2' })).status).toBe(201);
  });

  it('lets an admin add users to its subtree, answering with a working token shown once', async () => {
    const body = { id: 'new-clerk', name: '新办事员', orgId: 'donghu-baisha', roles: ['clerk'] };
    expectError(await as(s, 'clerk-donghu').post('/api/v1/users', body), 403, 'forbidden');
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { ...body, orgId: 'xishan' }), 404, 'org_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { ...body, orgId: 'nowhere' }), 404, 'org_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { ...body, roles: [] }), 400, 'invalid_request');
    const created = await as(s, 'admin-donghu').post('/api/v1/users', body);
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ id: 'new-clerk', orgId: 'donghu-baisha', roles: ['clerk'], locale: 'zh-CN' });
    expect(created.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    s.tokens['new-clerk'] = created.body.token;
    expect((await as(s, 'new-clerk').get('/api/v1/me')).body.user.id).toBe('new-clerk');
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', body), 409, 'already_exists');
    const users = (await as(s, 'admin-donghu').get('/api/v1/users')).body.items.map((u: { id: string }) => u.id);
    expect(users).toContain('new-clerk');
    expect(users).not.toContain('clerk-xishan');
    expectError(await as(s, 'admin-donghu').get('/api/v1/users?org=xishan'), 404, 'org_not_found');
  });

  it('issues more tokens, revokes them (own or, for admins, the subtree\'s) and refuses the revoked', async () => {
    expectError(await as(s, 'admin-donghu').post('/api/v1/users/clerk-xishan/tokens', {}), 404, 'user_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/users/ghost/tokens', {}), 404, 'user_not_found');
    const issued = await as(s, 'admin-donghu').post('/api/v1/users/clerk-donghu/tokens', { label: 'laptop' });
    expect(issued.status).toBe(201);
    s.tokens['clerk-laptop'] = issued.body.token;
    expect((await as(s, 'clerk-laptop').get('/api/v1/me')).body.user.id).toBe('clerk-donghu');
    expectError(await as(s, 'chief-donghu').post('/api/v1/tokens/revoke', { tokenId: issued.body.tokenId }), 404, 'token_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/tokens/revoke', { token: s.tokens['clerk-xishan'] }), 404, 'token_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/tokens/revoke', { tokenId: 'tok_nope' }), 404, 'token_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/tokens/revoke', { tokenId: 'a', token: 'b' }), 400, 'invalid_request');
    expect((await as(s, 'admin-donghu').post('/api/v1/tokens/revoke', { token: issued.body.token })).body).toEqual({ tokenId: issued.body.tokenId, revoked: true });
    expectError(await as(s, 'clerk-laptop').get('/api/v1/me'), 401, 'unauthenticated');
    expect((await as(s, 'clerk-donghu').get('/api/v1/me')).status).toBe(200);
    expect((await as(s, 'admin-donghu').post('/api/v1/tokens/revoke', { tokenId: issued.body.tokenId })).body.revoked).toBe(false);
    const stored = await s.people.findToken({ id: issued.body.tokenId });
    expect(stored?.lastUsedAt).toBe('2026-03-02T02:00:00.000Z');
    expect(stored?.hash).not.toContain(issued.body.token);
  });
});
