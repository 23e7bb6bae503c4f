/**
 * The case file: exported over HTTP, checked offline by `verifyCaseFile` (the
 * code behind `duban audit verify-file`), which finds an altered event, a
 * forged chain and a definition that is not the one the case ran on.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashEvent } from '../../engine/index.js';
import { createKnexAttachmentStore } from '../../server/attachments.js';
import { loadCaseFile, verifyCaseFile, type CaseFile } from '../../server/case-file.js';
import { movesWorkflow, movesWorkflowV2 } from '../support/moves-workflow.js';
import { loadDemoCases } from '../../server/demo-cases.js';
import { as, openCase } from './support-http.js';
import { testServer, type TestServer } from './support.js';

let s: TestServer;
beforeEach(async () => {
  s = await testServer();
});
afterEach(() => s.cleanup());

async function exported(workflowId = 'counter'): Promise<CaseFile> {
  const id = await openCase(s, workflowId === 'counter' ? 'clerk-donghu' : 'chief-donghu', { workflowId, data: workflowId === 'counter' ? { count: 0 } : {} });
  if (workflowId === 'counter') {
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: '第一次检查' } });
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'submit' });
  }
  return (await as(s, 'auditor').get(`/api/v1/cases/${id}/export`)).body as CaseFile;
}

describe('case file', () => {
  it('verifies offline: chain and replay through the definition inside the file', async () => {
    const file = await exported();
    expect(file.events).toHaveLength(3);
    expect(await verifyCaseFile(JSON.parse(JSON.stringify(file)))).toEqual({ ok: true, caseId: file.case.id, events: 3 });
  });

  it('carries the evidence files and verifies them offline; one changed byte of a file fails it', async () => {
    const store = createKnexAttachmentStore((s.fresh.store as unknown as { knex: Parameters<typeof createKnexAttachmentStore>[0] }).knex);
    await loadDemoCases(s.engine, s.people, store);
    const file = (await as(s, 'auditor').get('/api/v1/cases/DEMO-H-0005/export')).body as CaseFile;
    expect(file.attachments!.length).toBeGreaterThanOrEqual(3);
    expect(file.attachments!.every((a) => a.type === 'image/jpeg' && Buffer.from(a.base64, 'base64').length === a.size)).toBe(true);
    expect(await verifyCaseFile(JSON.parse(JSON.stringify(file)))).toMatchObject({ ok: true, caseId: 'DEMO-H-0005' });

    const altered = JSON.parse(JSON.stringify(file)) as CaseFile;
    const bytes = Buffer.from(altered.attachments![0]!.base64, 'base64');
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    altered.attachments![0]!.base64 = bytes.toString('base64');
    const report = await verifyCaseFile(altered);
    expect(report.ok).toBe(false);
    expect(report.failure!.reason).toMatch(/does not match its hash/);

    const missing = JSON.parse(JSON.stringify(file)) as CaseFile;
    missing.attachments = missing.attachments!.slice(1);
    expect((await verifyCaseFile(missing)).failure!.reason).toMatch(/is missing from the file/);
  });

  it('verifies a case whose deadlines used a calendar added after the built-in ones', async () => {
    await as(s, 'admin').post('/api/v1/calendars/cn/years', { years: [2027], days: [] });
    const file = await exported('permit');
    expect(file.calendars.map((c) => [c.id, c.version])).toEqual([['cn', 2]]);
    expect((await verifyCaseFile(file)).ok).toBe(true);
  });

  it('names the altered event, a forged chain and a foreign definition', async () => {
    const file = await exported();
    const altered = structuredClone(file);
    altered.events[1]!.payload = { text: '伪造' };
    expect((await verifyCaseFile(altered)).failure).toMatchObject({ seq: 2, reason: expect.stringContaining('hash') });

    // Re-hashing the whole chain hides the edit from the chain check; replay still sees the state does not follow.
    const forged = structuredClone(file);
    forged.events[1]!.payload = { text: '伪造' };
    let prev = forged.events[0]!.hash;
    for (const e of forged.events.slice(1)) {
      e.prevHash = prev;
      e.hash = hashEvent(e as never);
      prev = e.hash;
    }
    forged.case.lastHash = prev;
    expect((await verifyCaseFile(forged)).failure).toMatchObject({ seq: 2, reason: expect.stringContaining('state') });

    const foreign = structuredClone(file);
    foreign.definition.definition = { ...foreign.definition.definition, title: 'other' };
    expect((await verifyCaseFile(foreign)).failure).toMatchObject({ seq: 0, reason: expect.stringContaining('hash') });
    expect((await verifyCaseFile({ format: 'something else' })).ok).toBe(false);
  });

  it('verifies and replays a migrated case from the file alone, each event on the version it ran on; an altered earlier version fails, named', async () => {
    await s.engine.registerWorkflow(movesWorkflow);
    const id = await openCase(s, 'clerk-donghu', { workflowId: 'moves' });
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'submit' });
    await s.engine.registerWorkflow(movesWorkflowV2);
    const run = await s.engine.migrateCases({ workflowId: 'moves', fromVersion: 1, toVersion: 2, map: { states: { draft: 'draft', review: 'check' } }, actor: { id: 'admin', roles: ['admin'], org: 'root' } });
    expect(run.migrated).toBe(1);
    await as(s, 'chief-donghu').post(`/api/v1/cases/${id}/events`, { type: 'approve' });

    const file = JSON.parse(JSON.stringify((await as(s, 'auditor').get(`/api/v1/cases/${id}/export`)).body)) as CaseFile;
    expect([file.definition.version, file.priorDefinitions?.map((d) => d.version)]).toEqual([2, [1]]);
    expect(await verifyCaseFile(structuredClone(file))).toEqual({ ok: true, caseId: id, events: 4 });
    const loaded = await loadCaseFile(file);
    try {
      for (const e of file.events) expect((await loaded.engine.replay(id, { atSeq: e.seq })).state).toEqual(e.state);
    } finally {
      await loaded.close();
    }

    const altered = structuredClone(file);
    const old = altered.priorDefinitions![0]!.definition as { title: { zh: string } };
    old.title.zh = old.title.zh.replace('流', '留');
    expect((await verifyCaseFile(altered)).failure).toEqual({ caseId: id, seq: 0, reason: 'the definition moves@1 does not match its hash' });
    const dropped = structuredClone(file);
    delete dropped.priorDefinitions;
    expect((await verifyCaseFile(dropped)).failure).toMatchObject({ seq: 3, reason: expect.stringContaining('moves@1') });
  });

  it('runs as `duban audit verify-file`, exiting 0 for a good file and 1 for an altered one', async () => {
    const file = await exported();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-file-'));
    try {
      fs.writeFileSync(path.join(dir, 'good.json'), JSON.stringify(file));
      const bad = structuredClone(file);
      bad.events[2]!.at = '2020-01-01T00:00:00.000Z';
      fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
      const run = promisify(execFile);
      const good = await run(process.execPath, ['bin/duban.js', 'audit', 'verify-file', path.join(dir, 'good.json')]);
      expect(good.stdout).toContain('✓');
      await expect(run(process.execPath, ['bin/duban.js', 'audit', 'verify-file', path.join(dir, 'bad.json')])).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining('seq 3') });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
