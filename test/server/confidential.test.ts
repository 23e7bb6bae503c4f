/**
 * The tipster's identity over every channel of issue 8's finding — case API,
 * history, replay, export, web pages, `?text=` search, logs — as the reported
 * district's inspector (who sees the case but is not among the identity's
 * readers) and as the receiving regulator's tip-off officer, on SQLite and
 * PostgreSQL. The reported enterprise's officer does not see the case at all.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyCaseFile, type CaseFile } from '../../server/case-file.js';
import { createUser } from '../../server/people.js';
import { tipOffWorkflow } from '../../workflows/index.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { as, web } from './support-http.js';
import { testServer, type TestServer } from './support.js';

const NAME = '王举报';
const CONTACT = 'wang.jubao@example.com';
const INTAKE = {
  channel: 'hotline12350', content: '某机械厂粉尘车间除尘系统未设泄爆装置', reportedParty: '某机械厂', reportedEnterpriseId: 'E-2001',
  reportedPartyOrg: 'donghu-qingshui-g1', anonymous: false, realName: true, tipsterName: NAME, tipsterContact: CONTACT,
};
/** An enterprise's safety officer (demo user in an enterprise of the grid the case is opened in): sees only its enterprise's cases. */
const ENTERPRISE = 'enterprise-officer';
/** The district's inspector (demo user): sees the case, but is not among the readers of the tipster's identity. */
const INSPECTOR = 'inspector';
const OFFICER = 'tipoff-donghu';

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

const leaks = (text: string) => text.includes(NAME) || text.includes(CONTACT);

describe.each(backends)('confidential tipster identity on $name', ({ name, enabled }) => {
  let s: TestServer;
  let id: string;
  beforeEach(async () => {
    if (!enabled) return;
    s = await testServer(name, { workflows: [tipOffWorkflow] });
    s.tokens[OFFICER] = (await createUser(s.people, s.clock, { id: OFFICER, name: '举报受理 孔受', orgId: 'donghu', roles: ['tipOffOfficer'] })).token;
    const opened = await as(s, OFFICER).post('/api/v1/cases', { workflowId: 'tip-off', org: 'donghu-qingshui-g1', data: INTAKE });
    expect(opened.status).toBe(201);
    id = (opened.body as { case: { id: string } }).case.id;
    expect((await as(s, OFFICER).post(`/api/v1/cases/${id}/events`, { type: 'accept' })).status).toBe(200);
  });
  afterEach(async () => {
    if (enabled) await s.cleanup();
  });

  it.skipIf(!enabled)('hides the whole case from an enterprise officer: API, history, export and page all answer 404', async () => {
    for (const url of [`/api/v1/cases/${id}`, `/api/v1/cases/${id}/history`, `/api/v1/cases/${id}/export`]) {
      const res = await as(s, ENTERPRISE).get(url);
      expect(res.status, url).toBe(404);
      expect(leaks(res.text)).toBe(false);
    }
    const page = await request(s.app).get(`/cases/${id}`).set(await web(s, ENTERPRISE));
    expect(page.status).toBe(404);
    expect(leaks(page.text)).toBe(false);
  });

  it.skipIf(!enabled)('redacts the identity in the case API for the inspector, shows it to the tip-off officer', async () => {
    const theirs = await as(s, INSPECTOR).get(`/api/v1/cases/${id}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.data).toMatchObject({ tipsterName: { redacted: true }, tipsterContact: { redacted: true }, reportedParty: '某机械厂' });
    expect(leaks(theirs.text)).toBe(false);
    // The regulator's leader is not among the readers either (DOMAIN §5.5: need to know).
    expect(leaks((await as(s, 'leader').get(`/api/v1/cases/${id}`)).text)).toBe(false);
    expect((await as(s, OFFICER).get(`/api/v1/cases/${id}`)).body.data).toMatchObject({ tipsterName: NAME, tipsterContact: CONTACT });
  });

  it.skipIf(!enabled)('redacts history and replay to commitments for the inspector', async () => {
    const history = await as(s, INSPECTOR).get(`/api/v1/cases/${id}/history`);
    expect(history.status).toBe(200);
    expect(leaks(history.text)).toBe(false);
    const first = (history.body as { items: { payload: { data: Record<string, unknown> }; state: { data: Record<string, unknown> } }[] }).items[0]!;
    expect(first.payload.data.tipsterName).toEqual({ redacted: true, commitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(history.text).not.toContain('salts');
    const replay = await as(s, INSPECTOR).get(`/api/v1/cases/${id}/replay`);
    expect(replay.status).toBe(200);
    expect(leaks(replay.text)).toBe(false);
    expect(leaks((await as(s, OFFICER).get(`/api/v1/cases/${id}/history`)).text)).toBe(true);
  });

  it.skipIf(!enabled)('exports a redacted file that verifies offline, and a full one that verifies and catches a changed value', async () => {
    const redacted = await as(s, INSPECTOR).get(`/api/v1/cases/${id}/export`);
    expect(leaks(redacted.text)).toBe(false);
    const report = await verifyCaseFile(JSON.parse(redacted.text) as unknown);
    expect(report).toMatchObject({ ok: true, events: 2, redactedValues: 6 });

    const full = JSON.parse((await as(s, OFFICER).get(`/api/v1/cases/${id}/export`)).text) as CaseFile;
    expect(full.events[0]!.salts).toBeDefined();
    expect(await verifyCaseFile(structuredClone(full))).toEqual({ ok: true, caseId: id, events: 2 });

    const changed = structuredClone(full);
    (changed.events[1]!.state as { data: Record<string, unknown> }).data.tipsterName = '李某';
    expect((await verifyCaseFile(changed)).failure).toMatchObject({ seq: 2, reason: expect.stringContaining('hash') });
    const dropped = structuredClone(full);
    delete dropped.events[0]!.salts;
    expect((await verifyCaseFile(dropped)).failure).toMatchObject({ seq: 1, reason: expect.stringContaining('hash') });
    // A forged commitment in a redacted file breaks the chain too.
    const forged = JSON.parse(redacted.text) as CaseFile;
    (forged.events[0]!.payload as { data: Record<string, unknown> }).data.tipsterName = { redacted: true, commitment: '0'.repeat(64) };
    expect((await verifyCaseFile(forged)).failure).toMatchObject({ seq: 1 });
  });

  it.skipIf(!enabled)('shows 「已隐去」 on the case and audit pages to the inspector', async () => {
    const page = await request(s.app).get(`/cases/${id}`).set(await web(s, INSPECTOR));
    expect(page.status).toBe(200);
    expect(leaks(page.text)).toBe(false);
    expect(page.text).toContain('「已隐去」');
    const audit = await request(s.app).get(`/cases/${id}/audit?at=1`).set(await web(s, INSPECTOR));
    expect(audit.status).toBe(200);
    expect(leaks(audit.text)).toBe(false);
    expect(audit.text).toContain('「已隐去」');
    expect((await request(s.app).get(`/cases/${id}`).set(await web(s, OFFICER))).text).toContain(NAME);
  });

  it.skipIf(!enabled)('never matches the identity in ?text= search, for anyone, while other data still matches', async () => {
    for (const user of [INSPECTOR, OFFICER]) {
      for (const text of [NAME, 'wang.jubao']) {
        const found = await as(s, user).get(`/api/v1/cases?text=${encodeURIComponent(text)}`);
        expect(found.status).toBe(200);
        expect((found.body as { items: unknown[] }).items).toEqual([]);
      }
      expect((await as(s, user).get(`/api/v1/cases?text=${encodeURIComponent('某机械厂')}`)).body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    }
    const list = await request(s.app).get(`/cases?text=${encodeURIComponent(NAME)}`).set(await web(s, INSPECTOR));
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(id);
  });

  it.skipIf(!enabled)('keeps the tipster\'s address out of the admin outbox views, which still deliver to it', async () => {
    expect((await as(s, OFFICER).post(`/api/v1/cases/${id}/events`, { type: 'notifyTipsterOfExtension', payload: { extensionReason: '涉及多个部门' } })).status).toBe(200);
    await s.notifier.dispatcher.runDue();
    const rows = (await s.outbox.list({ limit: 100 })).filter((r) => r.template === 'tipster-reply');
    expect(JSON.stringify(rows[0]?.recipients)).toContain(CONTACT);
    const status = rows[0]!.status;
    const list = await as(s, 'admin').get(`/api/v1/admin/outbox?status=${status}&case=${encodeURIComponent(id)}`);
    expect(list.status).toBe(200);
    expect(list.text).toContain('tipster-reply');
    expect(leaks(list.text)).toBe(false);
    const one = await as(s, 'admin').get(`/api/v1/admin/outbox/${encodeURIComponent(rows[0]!.id)}`);
    expect(one.status).toBe(200);
    expect(leaks(one.text)).toBe(false);
    const page = await request(s.app).get('/admin/outbox').set(await web(s, 'admin'));
    expect(page.status).toBe(200);
    expect(leaks(page.text)).toBe(false);
  });

  it.skipIf(!enabled)('keeps replay and audit verify passing, and the identity out of the logs', async () => {
    expect((await s.engine.verify(id)).ok).toBe(true);
    expect((await s.engine.replay(id)).state.data.tipsterName).toBe(NAME);
    const verify = await as(s, 'auditor').get(`/api/v1/audit/verify?case=${id}`);
    expect(verify.text).toContain('"ok":true');
    s.logger.error({ err: new Error('boom'), payload: { tipsterName: NAME }, case: { data: { tipsterContact: CONTACT } } }, 'a failure dumping what it held');
    expect(leaks(JSON.stringify(s.logs))).toBe(false);
  });
});
