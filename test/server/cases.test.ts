/**
 * Cases and the worklist over HTTP, on SQLite and (when it answers) PostgreSQL:
 * success, validation errors, 401, 403 across orgs and roles, 404, 409 on a
 * stale version, idempotent retries and pagination.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresAvailableForSuite } from '../support/services.js';
import { as, expectError, openCase } from './support-http.js';
import { testServer, type TestServer } from './support.js';

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('cases API on $name', ({ name, enabled }) => {
  let s: TestServer;
  beforeEach(async () => {
    if (enabled) s = await testServer(name);
  });
  afterEach(async () => {
    if (enabled) await s.cleanup();
  });

  describe.skipIf(!enabled)('authentication', () => {
    it('answers 401 unauthenticated without a token, with a malformed header, an unknown or a revoked token', async () => {
      expectError(await request(s.app).get('/api/v1/cases'), 401, 'unauthenticated');
      expectError(await request(s.app).get('/api/v1/cases').set('Authorization', 'Basic abc'), 401, 'unauthenticated');
      expectError(await request(s.app).get('/api/v1/cases').set('Authorization', `Bearer ${'x'.repeat(43)}`), 401, 'unauthenticated');
      const me = await as(s, 'clerk-donghu').get('/api/v1/me');
      expect(me.status).toBe(200);
      expect(me.body.user).toMatchObject({ id: 'clerk-donghu', orgId: 'donghu', roles: ['clerk'] });
      const revoked = await as(s, 'clerk-donghu').post('/api/v1/tokens/revoke', { tokenId: me.body.tokenId });
      expect(revoked.body).toEqual({ tokenId: me.body.tokenId, revoked: true });
      const res = await as(s, 'clerk-donghu').get('/api/v1/cases');
      expectError(res, 401, 'unauthenticated');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  });

  describe.skipIf(!enabled)('POST /cases', () => {
    it('opens a case in the caller\'s org with its first task and the events the caller may send', async () => {
      const res = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', data: { count: 0 } });
      expect(res.status).toBe(201);
      expect(res.body.case).toMatchObject({ workflowId: 'counter', org: 'donghu', stateLabel: 'open', version: 1, parent: null, children: [] });
      expect(res.body.case.tasks.map((t: { role: string }) => t.role)).toEqual(['clerk']);
      expect(res.body.case.availableEvents.map((e: { type: string }) => e.type)).toEqual(['note', 'submit']);
      expect(res.body.event).toMatchObject({ seq: 1, type: 'case.created', actor: { id: 'clerk-donghu', roles: ['clerk'], org: 'donghu', name: 'clerk-donghu' } });
    });

    it('opens a case in an org below the caller\'s, and refuses one outside like a missing org (404 org_not_found)', async () => {
      const res = await as(s, 'clerk-city').post('/api/v1/cases', { workflowId: 'counter', org: 'donghu-qingshui' });
      expect(res.status).toBe(201);
      expect(res.body.case.org).toBe('donghu-qingshui');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', org: 'xishan' }), 404, 'org_not_found');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', org: 'jiangzhou' }), 404, 'org_not_found');
    });

    it('refuses auditors (read_only), roles the workflow does not know (forbidden), unknown orgs and workflows (404)', async () => {
      expectError(await as(s, 'auditor-donghu').post('/api/v1/cases', { workflowId: 'counter' }), 403, 'read_only');
      expectError(await as(s, 'auditor-clerk').post('/api/v1/cases', { workflowId: 'counter' }), 403, 'read_only');
      expectError(await as(s, 'inspector').post('/api/v1/cases', { workflowId: 'counter' }), 403, 'forbidden');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', org: 'nowhere' }), 404, 'org_not_found');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'nope' }), 404, 'workflow_not_found');
    });

    it('answers 400 invalid_request with the path of each bad field, and 422 invalid_input for data the workflow refuses', async () => {
      const res = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 7, extra: true });
      expectError(res, 400, 'invalid_request');
      expect(res.body.error.issues.map((i: { path: unknown[] }) => i.path)).toEqual(expect.arrayContaining([['body', 'workflowId'], ['body']]));
      const bad = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', data: { count: 'many' } });
      expectError(bad, 422, 'invalid_input');
      expect(bad.body.error.issues[0].path).toEqual(['data', 'count']);
    });

    it('returns the first case for a retry with the same Idempotency-Key, and 409 for the key reused with other data', async () => {
      const first = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', data: { count: 1 } }).set('Idempotency-Key', 'create-1');
      const again = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', data: { count: 1 } }).set('Idempotency-Key', 'create-1');
      expect([first.status, again.status]).toEqual([201, 200]);
      expect(again.body).toMatchObject({ duplicate: true, case: { id: first.body.case.id } });
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter', data: { count: 2 } }).set('Idempotency-Key', 'create-1'), 409, 'idempotency_conflict');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'counter' }).set('Idempotency-Key', 'bad key with spaces'), 400, 'invalid_request');
    });
  });

  describe.skipIf(!enabled)('GET /cases/:id', () => {
    it('shows a case to its org and the orgs above, and to another district answers exactly as for an unknown id (404)', async () => {
      const id = await openCase(s, 'clerk-donghu');
      expect((await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}`)).status).toBe(200);
      expect((await as(s, 'clerk-city').get(`/api/v1/cases/${id}`)).status).toBe(200);
      expect((await as(s, 'auditor').get(`/api/v1/cases/${id}`)).status).toBe(200);
      expectError(await as(s, 'clerk-xishan').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
      expectError(await as(s, 'clerk-qingshui').get(`/api/v1/cases/${id}`), 404, 'case_not_found');
      expectError(await as(s, 'clerk-donghu').get('/api/v1/cases/no-such-case'), 404, 'case_not_found');
    });

    it('lists the events the caller may send now: none for other roles and for auditors', async () => {
      const id = await openCase(s, 'clerk-donghu');
      const types = async (user: string) => (await as(s, user).get(`/api/v1/cases/${id}`)).body.availableEvents.map((e: { type: string }) => e.type);
      expect(await types('clerk-donghu')).toEqual(['note', 'submit']);
      expect(await types('chief-donghu')).toEqual([]);
      expect(await types('auditor-clerk')).toEqual([]);
      const note = (await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}`)).body.availableEvents[0];
      expect(note.input).toMatchObject({ type: 'object', required: ['text'] });
    });

    it('shows running deadlines with the working days left', async () => {
      const id = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
      const res = await as(s, 'chief-donghu').get(`/api/v1/cases/${id}`);
      expect(res.body.deadlines).toMatchObject([{ key: 'review#decide', dueDate: '2026-03-05', remainingWorkdays: 3, overdue: false }]);
    });
  });

  describe.skipIf(!enabled)('POST /cases/:id/events', () => {
    it('applies an event and answers with the new version, the event and what may be sent next', async () => {
      const id = await openCase(s, 'clerk-donghu');
      const res = await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: '现场检查' }, expectedVersion: 1 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ duplicate: false, case: { version: 2, data: { count: 1, lastNote: '现场检查' } }, event: { seq: 2, type: 'note' } });
      expect(res.body.case.availableEvents.map((e: { type: string }) => e.type)).toEqual(['note', 'submit']);
      const submitted = await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'submit' });
      expect(submitted.body.case.availableEvents).toEqual([]);
      const approved = await as(s, 'chief-donghu').post(`/api/v1/cases/${id}/events`, { type: 'approve' });
      expect(approved.body.case.status).toBe('done');
      expectError(await as(s, 'chief-donghu').post(`/api/v1/cases/${id}/events`, { type: 'approve' }), 409, 'case_closed');
    });

    it('answers 409 version_conflict for a stale expectedVersion and records nothing', async () => {
      const id = await openCase(s, 'clerk-donghu');
      await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: 'a' } });
      expectError(await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: 'b' }, expectedVersion: 1 }), 409, 'version_conflict');
      expect((await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}/history`)).body.items).toHaveLength(2);
    });

    it('returns the first result for a retry with the same Idempotency-Key and appends one event', async () => {
      const id = await openCase(s, 'clerk-donghu');
      const send = () => as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: 'once' } }).set('Idempotency-Key', 'note-1');
      const [a, b] = [await send(), await send()];
      expect([a.status, b.status, a.body.duplicate, b.body.duplicate]).toEqual([200, 200, false, true]);
      expect(b.body.event.hash).toBe(a.body.event.hash);
      expect(b.body.case.version).toBe(2);
      const concurrent = await Promise.all(Array.from({ length: 5 }, () => as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: 'race' } }).set('Idempotency-Key', 'note-2')));
      expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(concurrent.filter((r) => !r.body.duplicate)).toHaveLength(1);
      expect((await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}/history`)).body.items).toHaveLength(3);
      expectError(await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: 'other' } }).set('Idempotency-Key', 'note-1'), 409, 'idempotency_conflict');
    });

    it('refuses other roles (forbidden), other districts (case_not_found) and auditors (read_only)', async () => {
      const id = await openCase(s, 'clerk-donghu');
      const note = { type: 'note', payload: { text: 'x' } };
      expectError(await as(s, 'chief-donghu').post(`/api/v1/cases/${id}/events`, note), 403, 'forbidden');
      expectError(await as(s, 'clerk-xishan').post(`/api/v1/cases/${id}/events`, note), 404, 'case_not_found');
      expectError(await as(s, 'auditor-donghu').post(`/api/v1/cases/${id}/events`, note), 403, 'read_only');
      expectError(await as(s, 'auditor-clerk').post(`/api/v1/cases/${id}/events`, note), 403, 'read_only');
      expect((await as(s, 'clerk-city').post(`/api/v1/cases/${id}/events`, note)).status).toBe(200);
    });

    it('answers 409 invalid_transition, 422 invalid_input, 400 invalid_request and 404 case_not_found', async () => {
      const id = await openCase(s, 'clerk-donghu');
      expectError(await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'approve' }), 409, 'invalid_transition');
      expectError(await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'teleport' }), 409, 'invalid_transition');
      const bad = await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: '' } });
      expectError(bad, 422, 'invalid_input');
      expect(bad.body.error.issues[0].path).toEqual(['payload', 'text']);
      expectError(await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: 'text' }), 400, 'invalid_request');
      expectError(await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', expectedVersion: -1 }), 400, 'invalid_request');
      expectError(await as(s, 'clerk-donghu').post('/api/v1/cases/missing/events', { type: 'note' }), 404, 'case_not_found');
    });
  });

  describe.skipIf(!enabled)('history, replay, export', () => {
    it('returns the history with actors, times and a linked hash chain', async () => {
      const id = await openCase(s, 'clerk-donghu');
      await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: 'a' } });
      const { items } = (await as(s, 'auditor').get(`/api/v1/cases/${id}/history`)).body;
      expect(items.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
      expect(items[1].prevHash).toBe(items[0].hash);
      expect(items[1].actor.id).toBe('clerk-donghu');
      expectError(await as(s, 'clerk-xishan').get(`/api/v1/cases/${id}/history`), 404, 'case_not_found');
    });

    it('replays to a seq, and refuses a seq outside the history', async () => {
      const id = await openCase(s, 'clerk-donghu');
      await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'submit' });
      expect((await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}/replay?at=1`)).body).toMatchObject({ seq: 1, state: { value: 'open' } });
      expect((await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}/replay`)).body).toMatchObject({ seq: 2, state: { value: 'review' } });
      expectError(await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}/replay?at=9`), 422, 'invalid_input');
      expectError(await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}/replay?at=x`), 400, 'invalid_request');
    });

    it('exports the case file as an attachment', async () => {
      const id = await openCase(s, 'clerk-donghu');
      const res = await as(s, 'auditor').get(`/api/v1/cases/${id}/export`);
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toContain(`case-${id}.json`);
      expect(res.body).toMatchObject({ format: 'duban-case-file', case: { id }, definition: { workflowId: 'counter', version: 1 } });
    });
  });

  describe.skipIf(!enabled)('GET /cases', () => {
    it('pages through the caller\'s subtree newest first with an opaque cursor, without gaps or repeats', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await openCase(s, 'clerk-donghu'));
        s.clock.advance(1000);
      }
      await openCase(s, 'clerk-xishan');
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await as(s, 'clerk-donghu').get(`/api/v1/cases?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((c: { id: string }) => c.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
      expect((await as(s, 'clerk-xishan').get('/api/v1/cases')).body.items).toHaveLength(1);
      expect((await as(s, 'clerk-city').get('/api/v1/cases')).body.items).toHaveLength(6);
      expectError(await as(s, 'clerk-donghu').get('/api/v1/cases?cursor=bm90LWEtY3Vyc29y'), 400, 'invalid_request');
      expectError(await as(s, 'clerk-donghu').get('/api/v1/cases?limit=1000'), 400, 'invalid_request');
    });

    it('filters by workflow, state, org, text, overdue and due time', async () => {
      const a = await openCase(s, 'clerk-city', { workflowId: 'counter', org: 'donghu-qingshui', data: { title: '清水镇 化工厂 Alpha' } });
      const b = await openCase(s, 'clerk-donghu');
      await as(s, 'clerk-donghu').post(`/api/v1/cases/${b}/events`, { type: 'submit' });
      const p = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
      const list = async (q: string) => (await as(s, 'clerk-city').get(`/api/v1/cases?${q}`)).body.items.map((c: { id: string }) => c.id).sort();
      expect(await list('workflow=permit')).toEqual([p]);
      expect(await list('workflow=counter&state=review')).toEqual([b]);
      expect(await list('state=open')).toEqual([a]);
      expect(await list('org=donghu-qingshui')).toEqual([a]);
      expect(await list(`text=${encodeURIComponent('化工厂')}`)).toEqual([a]);
      expect(await list('text=alpha')).toEqual([a]);
      expect(await list('text=100%25')).toEqual([]);
      expect(await list('overdue=true')).toEqual([]);
      expect(await list(`dueBefore=${encodeURIComponent('2026-03-06T00:00:00Z')}`)).toEqual([p]);
      s.clock.advance(5 * 86_400_000);
      expect(await list('overdue=true')).toEqual([p]);
      expect(await list('overdue=false')).toEqual([a, b].sort());
      const summary = (await as(s, 'clerk-city').get('/api/v1/cases?workflow=permit')).body.items[0];
      expect(summary).toMatchObject({ overdue: true, nextDueAt: '2026-03-05T16:00:00.000Z' });
      expectError(await as(s, 'clerk-donghu').get('/api/v1/cases?org=xishan'), 404, 'org_not_found');
      expectError(await as(s, 'clerk-donghu').get('/api/v1/cases?state=bad%25state'), 400, 'invalid_request');
    });
  });

  describe.skipIf(!enabled)('GET /tasks', () => {
    it('lists tasks for the caller\'s roles in the subtree, earliest due first, and only overdue ones on request', async () => {
      await openCase(s, 'clerk-donghu');
      const p1 = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
      s.clock.advance(2 * 86_400_000);
      const p2 = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
      await openCase(s, 'chief-xishan', { workflowId: 'permit' });
      const tasks = (await as(s, 'chief-donghu').get('/api/v1/tasks')).body.items;
      expect(tasks.map((t: { caseId: string }) => t.caseId)).toEqual([p1, p2]);
      expect((await as(s, 'clerk-donghu').get('/api/v1/tasks')).body.items.map((t: { role: string }) => t.role)).toEqual(['clerk']);
      expect((await as(s, 'auditor').get('/api/v1/tasks')).body.items).toEqual([]);
      expect((await as(s, 'chief-donghu').get('/api/v1/tasks?overdue=true')).body.items).toEqual([]);
      s.clock.advance(2 * 86_400_000);
      const overdue = (await as(s, 'chief-donghu').get('/api/v1/tasks?overdue=true')).body.items;
      expect(overdue.map((t: { caseId: string; overdue: boolean }) => [t.caseId, t.overdue])).toEqual([[p1, true]]);
      expectError(await as(s, 'chief-donghu').get('/api/v1/tasks?overdue=yes'), 400, 'invalid_request');
    });
  });
});
