/**
 * Issue 8, existence oracles: what belongs to another district answers
 * exactly like what does not exist, and idempotency keys and client-chosen
 * case ids are scoped so they reveal nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, openCase } from './support-http.js';
import { testServer, type TestServer } from './support.js';
import { postgresAvailableForSuite } from '../support/services.js';

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

/** Status and body with the id swapped for a placeholder, so two answers about two ids compare. */
const shape = (res: { status: number; body: unknown }, id: string) => ({ status: res.status, body: JSON.parse(JSON.stringify(res.body).split(id).join('<id>')) as unknown });

describe.each(backends)('existence oracles on $name', ({ name, enabled }) => {
  let s: TestServer;
  beforeEach(async () => {
    if (enabled) s = await testServer(name);
  });
  afterEach(async () => {
    if (enabled) await s.cleanup();
  });

  it.skipIf(!enabled)("answers another district's case exactly like a missing one, on every case route", async () => {
    const id = await openCase(s, 'clerk-donghu');
    const missing = 'c-does-not-exist';
    const probes: [string, (x: string) => ReturnType<ReturnType<typeof as>['get']>][] = [
      ['case', (x) => as(s, 'clerk-xishan').get(`/api/v1/cases/${x}`)],
      ['history', (x) => as(s, 'clerk-xishan').get(`/api/v1/cases/${x}/history`)],
      ['replay', (x) => as(s, 'clerk-xishan').get(`/api/v1/cases/${x}/replay`)],
      ['export', (x) => as(s, 'clerk-xishan').get(`/api/v1/cases/${x}/export`)],
      ['events', (x) => as(s, 'clerk-xishan').post(`/api/v1/cases/${x}/events`, { type: 'note', payload: { text: 'x' } })],
      ['diagram', (x) => as(s, 'clerk-xishan').get(`/api/v1/workflows/counter/diagram?case=${x}`)],
      ['outbox filter', (x) => as(s, 'admin-donghu').get(`/api/v1/admin/outbox?case=${x}`)],
    ];
    const xishanCase = await openCase(s, 'clerk-xishan');
    for (const [what, probe] of probes) {
      const target = what === 'outbox filter' ? xishanCase : id;
      const foreign = shape(await probe(target), target);
      expect({ what, ...foreign }).toEqual({ what, ...shape(await probe(missing), missing) });
      expect({ what, status: foreign.status }).toEqual({ what, status: 404 });
    }
  });

  it.skipIf(!enabled)("answers another district's users, orgs and tokens like missing ones", async () => {
    const pairs: [string, () => Promise<{ status: number; body: unknown }>, () => Promise<{ status: number; body: unknown }>, string, string][] = [
      ['issue token', () => as(s, 'admin-donghu').post('/api/v1/users/clerk-xishan/tokens', {}), () => as(s, 'admin-donghu').post('/api/v1/users/nobody/tokens', {}), 'clerk-xishan', 'nobody'],
      ['add user', () => as(s, 'admin-donghu').post('/api/v1/users', { name: 'x', orgId: 'xishan', roles: ['clerk'] }), () => as(s, 'admin-donghu').post('/api/v1/users', { name: 'x', orgId: 'nowhere', roles: ['clerk'] }), 'xishan', 'nowhere'],
      ['add org', () => as(s, 'admin-donghu').post('/api/v1/orgs', { id: 'g9', name: 'g', parentId: 'xishan', level: 'township' }), () => as(s, 'admin-donghu').post('/api/v1/orgs', { id: 'g9', name: 'g', parentId: 'nowhere', level: 'township' }), 'xishan', 'nowhere'],
      ['user filter', () => as(s, 'admin-donghu').get('/api/v1/users?org=xishan'), () => as(s, 'admin-donghu').get('/api/v1/users?org=nowhere'), 'xishan', 'nowhere'],
      ['case filter', () => as(s, 'clerk-donghu').get('/api/v1/cases?org=xishan'), () => as(s, 'clerk-donghu').get('/api/v1/cases?org=nowhere'), 'xishan', 'nowhere'],
      ['open in org', () => as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', org: 'xishan' }), () => as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', org: 'nowhere' }), 'xishan', 'nowhere'],
      ['revoke token', () => as(s, 'admin-donghu').post('/api/v1/tokens/revoke', { token: s.tokens['clerk-xishan'] }), () => as(s, 'admin-donghu').post('/api/v1/tokens/revoke', { token: 'x'.repeat(43) }), '', ''],
    ];
    for (const [what, foreignProbe, missingProbe, foreignId, missingId] of pairs) {
      const foreign = foreignId ? shape(await foreignProbe(), foreignId) : await foreignProbe().then((r) => ({ status: r.status, body: r.body }));
      const missing = missingId ? shape(await missingProbe(), missingId) : await missingProbe().then((r) => ({ status: r.status, body: r.body }));
      expect({ what, ...foreign }).toEqual({ what, ...missing });
      expect({ what, status: foreign.status }).toEqual({ what, status: 404 });
    }
    // The revoked-by-nobody token still works.
    expect((await as(s, 'clerk-xishan').get('/api/v1/me')).status).toBe(200);
  });

  it.skipIf(!enabled)("opens a case of its own for another user's Idempotency-Key, and still de-duplicates one user's retries", async () => {
    const open = (user: string, data: Record<string, unknown>) => as(s, user).post('/api/v1/cases', { workflowId: 'counter', data }).set('Idempotency-Key', 'report-2026-001');
    const first = await open('clerk-xishan', { count: 1 });
    expect(first.status).toBe(201);
    // Another district, same key, other data: its own new case, neither the first nor a conflict.
    const other = await open('clerk-donghu', { count: 2 });
    expect([other.status, other.body.duplicate]).toEqual([201, false]);
    expect(other.body.case.id).not.toBe(first.body.case.id);
    expect(other.body.case.org).toBe('donghu');
    // The same user retrying gets the first answer again.
    const retry = await open('clerk-xishan', { count: 1 });
    expect([retry.status, retry.body.duplicate, retry.body.case.id]).toEqual([200, true, first.body.case.id]);
  });

  it.skipIf(!enabled)("keeps client-chosen case ids in the org's namespace, so another district's id is free", async () => {
    const open = (user: string, org?: string) => as(s, user).post('/api/v1/cases', { workflowId: 'counter', caseId: 'HZ-2026-001', ...(org ? { org } : {}) });
    const xishan = await open('clerk-xishan');
    expect([xishan.status, xishan.body.case.id]).toEqual([201, 'xishan:HZ-2026-001']);
    const donghu = await open('clerk-donghu');
    expect([donghu.status, donghu.body.case.id]).toEqual([201, 'donghu:HZ-2026-001']);
    // The same id in one's own org meets one's own case (which one sees anyway).
    expect((await open('clerk-donghu')).status).toBe(409);
    expect((await as(s, 'clerk-donghu').get('/api/v1/cases/donghu:HZ-2026-001')).status).toBe(200);
    expect((await as(s, 'clerk-donghu').get('/api/v1/cases/xishan:HZ-2026-001')).status).toBe(404);
  });
});
