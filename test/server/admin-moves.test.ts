/**
 * Administrative moves and case migration over HTTP, as the roles that may
 * and may not perform each: 终止, 跳转, 退回, 拿回 (refused once the next
 * handler opened the task) and POST /api/v1/admin/migrations in scope.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { movesWorkflow, movesWorkflowV2 } from '../support/moves-workflow.js';
import request from 'supertest';
import { as, expectError, web } from './support-http.js';
import { testServer, type TestServer } from './support.js';

describe('administrative moves API', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await testServer('sqlite', { workflows: [movesWorkflow] });
  });
  afterEach(async () => {
    await s.cleanup();
  });

  const send = (user: string, id: string, type: string, payload: Record<string, unknown> = {}) => as(s, user).post(`/api/v1/cases/${encodeURIComponent(id)}/events`, { type, payload });
  async function inReview(): Promise<{ id: string; seq: number }> {
    const res = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'moves' });
    expect(res.status).toBe(201);
    const id = res.body.case.id as string;
    const r = await send('clerk-donghu', id, 'submit');
    return { id, seq: r.body.event.seq as number };
  }

  it('terminates (终止) as a chief only; clerks, auditors and other districts are refused', async () => {
    const { id } = await inReview();
    expectError(await send('clerk-donghu', id, 'case.terminate', { reason: '重复' }), 403, 'forbidden');
    expectError(await send('auditor-clerk', id, 'case.terminate', { reason: '重复' }), 403, 'read_only');
    expectError(await send('chief-xishan', id, 'case.terminate', { reason: '重复' }), 404, 'case_not_found');
    expectError(await send('chief-donghu', id, 'case.terminate', {}), 422, 'invalid_input');
    const ok = await send('chief-donghu', id, 'case.terminate', { reason: '重复立案' });
    expect([ok.status, ok.body.case.status]).toEqual([200, 'done']);
    const history = await as(s, 'auditor-donghu').get(`/api/v1/cases/${encodeURIComponent(id)}/history`);
    expect(history.body.items.at(-1)).toMatchObject({ type: 'case.terminate', payload: { reason: '重复立案' }, actor: { id: 'chief-donghu' } });
  });

  it('jumps (跳转) as an admin of the case\'s district only', async () => {
    const { id } = await inReview();
    expectError(await send('chief-donghu', id, 'case.jump', { to: 'archive', reason: '补录' }), 403, 'forbidden');
    expectError(await send('admin-donghu', id, 'case.jump', { to: 'nowhere', reason: '补录' }), 422, 'invalid_input');
    const ok = await send('admin-donghu', id, 'case.jump', { to: 'archive', reason: '线下已审核' });
    expect(ok.status).toBe(200);
    expect(ok.body.event.payload).toEqual({ to: 'archive', reason: '线下已审核', from: 'review' });
    expect(ok.body.case.tasks.map((t: { stateId: string }) => t.stateId)).toEqual(['archive']);
  });

  it('sends back (退回) as the task\'s role to an allowed earlier state', async () => {
    const { id } = await inReview();
    expectError(await send('clerk-donghu', id, 'case.sendBack', { to: 'draft', reason: '材料不全' }), 403, 'forbidden');
    expectError(await send('chief-donghu', id, 'case.sendBack', { to: 'archive', reason: '材料不全' }), 422, 'invalid_input');
    const ok = await send('chief-donghu', id, 'case.sendBack', { to: 'draft', reason: '材料不全' });
    expect([ok.status, ok.body.case.stateLabel]).toEqual([200, 'draft']);
  });

  it('takes back (拿回) as the sender until the next handler opens the case', async () => {
    const a = await inReview();
    expectError(await send('clerk-city', a.id, 'task.takeBack', { seq: a.seq, reason: '漏传' }), 403, 'forbidden');
    // An auditor reading the case does not open the task.
    await as(s, 'auditor-donghu').get(`/api/v1/cases/${encodeURIComponent(a.id)}`);
    const ok = await send('clerk-donghu', a.id, 'task.takeBack', { seq: a.seq, reason: '漏传附件' });
    expect([ok.status, ok.body.case.stateLabel]).toEqual([200, 'draft']);
    const b = await inReview();
    expect((await as(s, 'chief-donghu').get(`/api/v1/cases/${encodeURIComponent(b.id)}`)).status).toBe(200);
    expectError(await send('clerk-donghu', b.id, 'task.takeBack', { seq: b.seq, reason: '漏传附件' }), 409, 'task_conflict');
  });

  it('refuses case.migrated on the generic route', async () => {
    const { id } = await inReview();
    expectError(await send('admin-donghu', id, 'case.migrated', {}), 403, 'reserved_event');
  });

  describe('migrations', () => {
    const map = { states: { draft: 'draft', review: 'check' } };
    const body = (extra: Record<string, unknown> = {}) => ({ workflowId: 'moves', fromVersion: 2, toVersion: 3, map, ...extra });
    // Both versions are the district's own, so a county admin governs them; the cases are opened on version 2 first.
    beforeEach(async () => {
      await s.engine.registerWorkflow({ ...movesWorkflow, version: 2 }, { owner: 'donghu' });
    });
    const nextVersion = () => s.engine.registerWorkflow({ ...movesWorkflowV2, version: 3 }, { owner: 'donghu' });

    it('plans, then migrates the district\'s cases; uncovered ones stay and are listed', async () => {
      const a = await inReview();
      const { body: created } = await as(s, 'clerk-donghu').post('/api/v1/cases', { workflowId: 'moves' });
      const c = created.case.id as string;
      await send('clerk-donghu', c, 'submit');
      await send('chief-donghu', c, 'approve');
      await nextVersion();
      const dry = await as(s, 'admin-donghu').post('/api/v1/admin/migrations', body({ dryRun: true }));
      expect(dry.status).toBe(200);
      expect(dry.body.cases.map((l: { caseId: string; to: unknown }) => [l.caseId, l.to]).sort()).toEqual([[a.id, 'check'], [c, null]].sort());
      expect((await s.engine.findCase(a.id))!.workflowVersion).toBe(2);
      const run = await as(s, 'admin-donghu').post('/api/v1/admin/migrations', body());
      expect([run.body.migrated, run.body.uncovered]).toEqual([1, 1]);
      expect((await s.engine.findCase(a.id))!.workflowVersion).toBe(3);
      expect((await s.engine.findCase(c))!.workflowVersion).toBe(2);
      const verify = await as(s, 'auditor').get(`/api/v1/audit/verify?case=${encodeURIComponent(a.id)}`);
      expect(verify.text).toContain('"ok":true');
    });

    it('titles each event on the version in force when it ran: 审核 before the migration, 复核 after, on the case page and the audit view', async () => {
      const a = await inReview();
      await nextVersion();
      expect((await as(s, 'admin-donghu').post('/api/v1/admin/migrations', body())).body.migrated).toBe(1);
      await send('chief-donghu', a.id, 'approve');
      const page = await request(s.app).get(`/cases/${encodeURIComponent(a.id)}`).set(await web(s, 'auditor-donghu'));
      const states = [...page.text.matchAll(/<li><span class="seq">(\d+)<\/span>[^]*?<span class="state">([^<]*)<\/span>/g)].map((m) => [Number(m[1]), m[2]]).sort((x, y) => Number(x[0]) - Number(y[0]));
      expect(states).toEqual([[1, '起草'], [2, '审核'], [3, '复核'], [4, '归档']]);
      const audit = async (at: number) => (await request(s.app).get(`/cases/${encodeURIComponent(a.id)}/audit?at=${at}`).set(await web(s, 'auditor-donghu'))).text;
      const before = await audit(2);
      expect(before).toMatch(/办理后的环节<\/th><td><span class="state">审核</);
      expect(before).toContain('<strong class="state" id="replayed-state">审核</strong>');
      const migrated = await audit(3);
      expect(migrated).toMatch(/办理后的环节<\/th><td><span class="state">复核</);
      expect(migrated).toMatch(/原环节[^]*?审核[^]*?新环节[^]*?复核/);
    });

    it('refuses non-admins, orgs outside the subtree, versions not governed and a mapping that does not fit', async () => {
      await inReview();
      await nextVersion();
      expectError(await as(s, 'chief-donghu').post('/api/v1/admin/migrations', body()), 403, 'forbidden');
      expectError(await as(s, 'admin-donghu').post('/api/v1/admin/migrations', body({ org: 'xishan' })), 403, 'out_of_jurisdiction');
      expectError(await as(s, 'admin-donghu').post('/api/v1/admin/migrations', body({ fromVersion: 1 })), 403, 'out_of_jurisdiction');
      const bad = await as(s, 'admin-donghu').post('/api/v1/admin/migrations', body({ map: { states: { review: 'nowhere' } } }));
      expectError(bad, 422, 'invalid_input');
      expect(bad.body.error.issues).toEqual([expect.objectContaining({ code: 'unknown_state', path: ['map', 'states', 'review'] })]);
    });
  });
});
