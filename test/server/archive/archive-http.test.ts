/**
 * Archived cases on the API and the web pages: listed as archived with their
 * archive, their history and page read from the archive; archives listed and
 * verified only by the root's admins and auditors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKnexAnchorStore, createKnexArchiveStore } from '../../../engine/index.js';
import { archiveClosedCases } from '../../../server/archive/archive-run.js';
import { as, expectError, openCase, web } from '../support-http.js';
import { testServer, type TestServer } from '../support.js';

let s: TestServer;
let out: string;
let archived: string;
let active: string;
let archiveId: string;

beforeEach(async () => {
  s = await testServer('sqlite');
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-archive-http-'));
  archived = await openCase(s, 'clerk-donghu');
  for (const [user, type, payload] of [['clerk-donghu', 'note', { text: '仓库消防通道堵塞' }], ['clerk-donghu', 'submit'], ['chief-donghu', 'approve']] as const) {
    expect((await as(s, user).post(`/api/v1/cases/${encodeURIComponent(archived)}/events`, { type, ...(payload ? { payload } : {}) })).status).toBe(200);
  }
  active = await openCase(s, 'clerk-donghu');
  s.clock.set('2026-06-01T02:00:00.000Z');
  const { runs, reader } = createKnexArchiveStore(s.fresh.store);
  const [run] = await archiveClosedCases({ engine: s.engine, runs, reader, anchors: createKnexAnchorStore(s.fresh.store) }, { closedBefore: '2026-05-01T00:00:00+08:00', outDir: out, createdBy: 'test' });
  archiveId = run!.archive.id;
});
afterEach(async () => {
  await s.cleanup();
  fs.rmSync(out, { recursive: true, force: true });
});

describe('archived cases', () => {
  it('stay in the case list marked with their archive, and their history reads from the archive', async () => {
    const list = await as(s, 'clerk-donghu').get('/api/v1/cases');
    expect(list.status).toBe(200);
    const items = (list.body as { items: { id: string; status: string; archive: unknown }[] }).items;
    expect(items.find((c) => c.id === archived)).toMatchObject({ status: 'done', archive: { id: archiveId, archivedAt: '2026-06-01T02:00:00.000Z' } });
    expect(items.find((c) => c.id === active)).toMatchObject({ archive: null });

    const history = await as(s, 'clerk-donghu').get(`/api/v1/cases/${encodeURIComponent(archived)}/history`);
    expect((history.body as { items: { type: string }[] }).items.map((e) => e.type)).toEqual(['case.created', 'note', 'submit', 'approve']);
    const exported = await as(s, 'auditor-donghu').get(`/api/v1/cases/${encodeURIComponent(archived)}/export`);
    expect(exported.status).toBe(200);
    expect((exported.body as { events: unknown[] }).events).toHaveLength(4);
  });

  it('show as 已归档 in the list and on the case page, whose timeline comes from the archive', async () => {
    const headers = await web(s, 'clerk-donghu');
    const list = await request(s.app).get('/cases').set(headers);
    expect(list.text).toMatch(/已办结<\/span> <span class="tag archived" title="归档编号 arc-[^"]+">已归档<\/span>/);
    const page = await request(s.app).get(`/cases/${encodeURIComponent(archived)}`).set(headers);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<span class="tag archived" id="archived">已归档</span>');
    expect(page.text).toContain('本案件已于 2026-06-01 10:00 归档');
    expect(page.text).toContain('仓库消防通道堵塞');
    // The timeline: the four events from the archive, newest first.
    const timeline = page.text.slice(page.text.indexOf('<ol class="timeline"'), page.text.indexOf('</ol>', page.text.indexOf('<ol class="timeline"')));
    expect([...timeline.matchAll(/<span class="seq">(\d+)<\/span>/g)].map((m) => Number(m[1]))).toEqual([4, 3, 2, 1]);
  });

  it('are listed and verified by the root\'s admins and auditors only; a changed byte fails naming the case', async () => {
    for (const user of ['admin', 'auditor']) {
      const listed = await as(s, user).get('/api/v1/archives');
      expect(listed.status).toBe(200);
      expect((listed.body as { items: unknown[] }).items).toEqual([expect.objectContaining({ id: archiveId, state: 'pruned', cases: 1 })]);
    }
    expectError(await as(s, 'admin-donghu').get('/api/v1/archives'), 403, 'out_of_jurisdiction');
    expectError(await as(s, 'auditor-donghu').get(`/api/v1/archives/${archiveId}/verify`), 403, 'out_of_jurisdiction');
    expectError(await as(s, 'clerk-city').get('/api/v1/archives'), 403, 'forbidden');
    expectError(await as(s, 'auditor').get('/api/v1/archives/arc-nope/verify'), 404, 'not_found');

    const ok = await as(s, 'auditor').get(`/api/v1/archives/${archiveId}/verify`);
    expect(ok.body).toMatchObject({ ok: true, archiveId, cases: 1, events: 4, failures: [] });
    const file = path.join(out, archiveId, 'cases', `${encodeURIComponent(archived)}.json`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    fs.writeFileSync(file, bytes);
    const bad = await as(s, 'auditor').get(`/api/v1/archives/${archiveId}/verify`);
    expect(bad.body).toMatchObject({ ok: false, failures: [{ caseId: archived, reason: expect.stringMatching(/altered/) }] });
    // The case page refuses an altered file rather than show it.
    expect((await request(s.app).get(`/cases/${encodeURIComponent(archived)}`).set(await web(s, 'clerk-donghu'))).status).toBe(422);
  });
});
