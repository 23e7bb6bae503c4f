/**
 * Issued documents (issue 11): 整改指令书, 督办函, 通报, 约谈通知书 and 结案报告
 * are kept as issued, with the SHA-256 recorded when the issuing event
 * commits; the page shows the kept text (a later change of a name does not
 * alter it); the table refuses changes, and a kept text changed behind its
 * back is shown as altered. Refused forms keep their values across server
 * processes (the kept values are in the database).
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../engine/index.js';
import { createApp } from '../../server/app.js';
import { createKnexAttachmentStore } from '../../server/attachments.js';
import { loadDemoCases } from '../../server/demo-cases.js';
import { createMetrics } from '../../server/metrics.js';
import { createUser } from '../../server/people.js';
import { circularReceiptWorkflow, circularWorkflow, interviewWorkflow, supervisionAssignmentWorkflow, supervisionLetterWorkflow } from '../../workflows/index.js';
import { bearer, testServer, type TestServer } from './support.js';
import { web } from './support-http.js';

type Knex = Parameters<typeof createKnexAttachmentStore>[0];
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** The kept sheet inside a document page. */
const sheetOf = (html: string) => html.slice(html.indexOf('<div class="sheet"'), html.indexOf('</div>', html.indexOf('<div class="sheet"')) + 6);
/** The visible text of an HTML fragment. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

describe('issued documents', () => {
  let s: TestServer;
  let knex: Knex;
  const actor = async (id: string): Promise<Actor> => {
    const u = (await s.people.getUser(id))!;
    return { id: u.id, roles: u.roles, org: u.orgId, name: u.name };
  };
  const documents = async (caseId: string, user = 'committee-office') => {
    const res = await request(s.app).get(`/api/v1/cases/${encodeURIComponent(caseId)}/documents`).set(bearer(s, user));
    expect(res.status).toBe(200);
    return res.body.documents as { kind: string; label: string; title: string; docNo: string | null; seq: number; sha256: string; intact: boolean; href: string }[];
  };
  const pageOf = async (href: string, user = 'committee-office') => {
    const res = await request(s.app).get(href).set(await web(s, user));
    expect(res.status).toBe(200);
    return res.text;
  };
  const dateAfter = (days: number) => new Date(s.clock.now().getTime() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    s = await testServer('sqlite', { workflows: [supervisionAssignmentWorkflow, supervisionLetterWorkflow, circularReceiptWorkflow, circularWorkflow, interviewWorkflow] });
    knex = (s.fresh.store as unknown as { knex: Knex }).knex;
    await loadDemoCases(s.engine, s.people, createKnexAttachmentStore(knex));
    s.tokens['city-reviewer'] = (await createUser(s.people, s.clock, { id: 'city-reviewer', name: '市安委办 核稿人 何审', orgId: 'jiangzhou', roles: ['regulatorReviewer'] })).token;
  }, 60_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  it('keeps the 整改指令书 of an ordered hazard and the 结案报告 of a written-off one, each with the hash of its text', async () => {
    const ordered = await documents('DEMO-H-0003', 'inspector');
    expect(ordered.map((d) => [d.kind, d.label, d.intact])).toEqual([['order', '责令限期整改指令书', true]]);
    expect(ordered[0]!.docNo).toMatch(/^东应急责改〔\d{4}〕\d+号$/); // from the district's counter
    const html = await pageOf(ordered[0]!.href, 'inspector');
    expect(sha256(sheetOf(html))).toBe(ordered[0]!.sha256);
    expect(textOf(html)).toContain('江州清水化工有限公司：');
    expect(textOf(html)).toContain('与现存文本一致');

    const closed = await documents('DEMO-H-0005', 'inspector');
    expect(closed.map((d) => d.kind)).toEqual(['order', 'closing-report']);
    const reportHtml = await pageOf(closed[1]!.href, 'inspector');
    const report = textOf(reportHtml);
    expect(report).toContain('结案报告');
    expect(report).toContain('一、基本情况');
    expect(report).toContain('复查通过'); // the step that ended it, from the history
    expect(textOf(sheetOf(reportHtml))).toMatch(/^\s*东湖区应急管理局 /); // issued by the regulator that wrote it off, not the grid that reported it
    expect(report).not.toMatch(/DEMO-H|null|undefined|T\d{2}:\d{2}/);
    // The old address of the order leads to the kept document.
    const old = await request(s.app).get('/cases/DEMO-H-0003/print/order').set(await web(s, 'inspector'));
    expect([old.status, old.headers.location]).toEqual([303, ordered[0]!.href]);
  });

  it('records the 督办函 when the leader signs it, with its number, addressees and deadline, and keeps that text', async () => {
    const office = await actor('committee-office');
    // The letter's 文号 comes from the office's series when it is signed.
    expect((await request(s.app).post('/api/v1/orgs/jiangzhou/doc-number-series/supervisionLetter').set(bearer(s, 'admin')).send({ prefix: '江安委办督' })).status).toBe(200);
    const { case: c } = await s.engine.createCase({ workflowId: 'supervision-letter', org: 'jiangzhou', actor: office });
    const deadline = dateAfter(20);
    await s.engine.send(c.id, {
      type: 'submitDraft',
      payload: {
        title: '关于督促整改粉尘涉爆重大事故隐患的函', basis: '《中华人民共和国安全生产法》第六十五条',
        matters: '对辖区粉尘涉爆企业除尘系统逐一排查，限期报送整改情况', deadline, replyFormat: '书面回复，加盖公章，一事一报', contact: '安委办 李督 0791-88880000', urgency: 'urgent',
        units: [{ org: 'donghu', name: '东湖区人民政府', lead: true }, { org: 'xishan', name: '西山区人民政府', lead: false }],
      },
    }, office);
    await s.engine.send(c.id, { type: 'approveDraft', payload: {} }, await actor('city-reviewer'));
    expect(await documents(c.id)).toEqual([]);
    const signed = await s.engine.send(c.id, { type: 'sign', payload: { signatory: '王主任', issueDate: dateAfter(0) } }, await actor('committee-leader'));
    // Recorded as the event commits, before anyone reads it.
    await expect.poll(() => knex('issued_documents').where({ case_id: c.id }).count({ n: '*' }).first().then((r) => Number(r?.n)), { timeout: 5_000 }).toBe(1);
    const [letter] = await documents(c.id);
    expect(letter).toMatchObject({ kind: 'letter', label: '督办函', title: '关于督促整改粉尘涉爆重大事故隐患的函', docNo: `江安委办督〔${dateAfter(0).slice(0, 4)}〕1号`, seq: signed.event.seq, intact: true });
    const text = textOf(await pageOf(letter!.href));
    expect(text).toContain('东湖区人民政府、西山区人民政府：');
    expect(text).toContain(`于${Number(deadline.slice(0, 4))}年${Number(deadline.slice(5, 7))}月${Number(deadline.slice(8))}日前办理完毕`);
    expect(text).toContain('江州市安全生产委员会办公室'); // signed by the committee's leader: the committee office issues it
    expect(text).toContain('紧急程度：');
    expect(text).not.toMatch(/urgent|jiangzhou|donghu/);

    // Renaming the addressee later does not change what was issued.
    await knex('orgs').where({ id: 'jiangzhou' }).update({ name: '江州市（更名）' });
    expect(textOf(await pageOf(letter!.href))).toContain('江州市安全生产委员会办公室');
    await knex('orgs').where({ id: 'jiangzhou' }).update({ name: '江州市' });
  });

  it('records the 通报 at signing and the 约谈通知书 at approval', async () => {
    const office = await actor('committee-office');
    const leader = await actor('committee-leader');
    // The office's document numbers come from its series (the admin sets each prefix once).
    for (const [series, prefix] of [['circular', '江安委办通'], ['interviewNotice', '江安委办约']]) {
      const set = await request(s.app).post(`/api/v1/orgs/jiangzhou/doc-number-series/${series}`).set(bearer(s, 'admin')).send({ prefix });
      expect(set.status).toBe(200);
    }
    const { case: circ } = await s.engine.createCase({ workflowId: 'circular', org: 'jiangzhou', actor: office });
    await s.engine.send(circ.id, {
      type: 'submitDraft',
      payload: {
        title: '关于东湖区重大事故隐患逾期未整改的通报', kind: 'criticism', body: '经查，东湖区清水镇粉尘涉爆企业除尘系统重大事故隐患逾期未整改。\n请各区引以为戒，立即开展自查。',
        addressees: [{ org: 'donghu', name: '东湖区安委会' }, { org: 'xishan', name: '西山区安委会' }], scope: 'public', source: 'hazardOverdue', criticisedUnits: ['东湖区清水镇人民政府'],
      },
    }, office);
    await s.engine.send(circ.id, { type: 'approveDraft', payload: {} }, await actor('city-reviewer'));
    await s.engine.send(circ.id, { type: 'sign', payload: { signatory: '王主任', issueDate: dateAfter(0) } }, leader);
    const [circular] = await documents(circ.id);
    expect(circular).toMatchObject({ kind: 'circular', label: '通报', docNo: `江安委办通〔${dateAfter(0).slice(0, 4)}〕1号`, intact: true });
    const ctext = textOf(await pageOf(circular!.href));
    expect(ctext).toContain('东湖区安委会、西山区安委会：');
    expect(ctext).toContain('请各区引以为戒，立即开展自查。');
    expect(ctext).toContain('（此件公开发布）');

    const { case: iv } = await s.engine.createCase({ workflowId: 'interview', org: 'jiangzhou', actor: office });
    await s.engine.send(iv.id, {
      type: 'propose',
      payload: {
        intervieweeOrg: 'donghu', intervieweeName: '东湖区人民政府', reason: '辖区重大事故隐患逾期未整改', matters: ['粉尘涉爆企业除尘系统隐患逾期未整改', '网格员巡查不到位'],
        meetingAt: new Date(s.clock.now().getTime() + 3 * 86_400_000).toISOString(), place: '江州市应急管理局三楼会议室', interviewers: [{ name: '王主任', post: '市安委办主任' }],
        requiredAttendees: [{ name: '钱区长', post: '区长' }], legalBasis: '《安全生产约谈实施办法（试行）》', source: 'hazardOverdue',
      },
    }, office);
    await s.engine.send(iv.id, { type: 'approve', payload: {} }, leader);
    const [notice] = await documents(iv.id);
    expect(notice).toMatchObject({ kind: 'interview-notice', label: '约谈通知书', docNo: `江安委办约〔${dateAfter(0).slice(0, 4)}〕1号`, intact: true });
    const ntext = textOf(await pageOf(notice!.href));
    expect(ntext).toContain('东湖区人民政府：');
    expect(ntext).toMatch(/一、约谈时间：\d{4}年\d{1,2}月\d{1,2}日\d{1,2}时/);
    expect(ntext).toContain('1. 粉尘涉爆企业除尘系统隐患逾期未整改；2. 网格员巡查不到位');
    expect(ntext).toContain('区长钱区长');
  });

  it('refuses to change a kept document, and shows one changed behind its back as altered', async () => {
    const [order] = await documents('DEMO-H-0004', 'inspector');
    await expect(knex('issued_documents').where({ case_id: 'DEMO-H-0004' }).update({ body: 'x' })).rejects.toThrow(/append-only/);
    await expect(knex('issued_documents').where({ case_id: 'DEMO-H-0004' }).delete()).rejects.toThrow(/append-only/);
    await knex.raw('DROP TRIGGER issued_documents_append_only_update');
    try {
      await knex('issued_documents').where({ case_id: 'DEMO-H-0004', kind: 'order' }).update({ body: knex.raw("replace(body, '整改完毕', '整改完毕或缴纳罚款')") });
    } finally {
      await knex.raw("CREATE TRIGGER issued_documents_append_only_update BEFORE UPDATE ON issued_documents BEGIN SELECT RAISE(ABORT, 'issued_documents is append-only: UPDATE refused'); END");
    }
    const [after] = await documents('DEMO-H-0004', 'inspector');
    expect([after!.sha256, after!.intact]).toEqual([order!.sha256, false]);
    const html = await pageOf(after!.href, 'inspector');
    expect(textOf(html)).toContain('警告：现存文本与印发时登记的文书哈希');
    const casePage = await pageOf('/cases/DEMO-H-0004', 'inspector');
    expect(textOf(casePage)).toContain('文书已被改动');
  });

  it('shows documents only to those who may read the case', async () => {
    const res = await request(s.app).get('/api/v1/cases/DEMO-H-0003/documents').set(bearer(s, 'xishan-inspector'));
    expect(res.status).toBe(404);
    const page = await request(s.app).get((await documents('DEMO-H-0003', 'inspector'))[0]!.href).set(await web(s, 'xishan-inspector'));
    expect(page.status).toBe(404);
    expect(page.text).not.toContain('责令限期整改指令书</h1>');
  });
});

describe('refused forms kept across server processes', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer('sqlite');
  }, 60_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  it('shows the error and the typed values on a page served by another process', async () => {
    const other = createApp({
      engine: s.engine, people: s.people, outbox: s.outbox, config: { DUBAN_BODY_LIMIT: '1mb', DUBAN_WRITE_RATE_LIMIT: null, DUBAN_PUBLIC_URL: 'https://duban.test' },
      logger: s.logger, metrics: createMetrics(), templates: s.templates, dispatcher: s.notifier.dispatcher,
    });
    try {
      const headers = await web(s, 'chief-donghu');
      const { case: c } = await s.engine.createCase({ workflowId: 'permit', org: 'donghu', actor: { id: 'chief-donghu', roles: ['chief'], org: 'donghu' } });
      const id = encodeURIComponent(c.id);
      const refused = await request(s.app).post(`/cases/${id}/events`).set(headers).type('form').send({ _type: 'reject', reason: '' });
      expect(refused.status).toBe(303);
      const to = String(refused.headers.location);
      expect(to).toMatch(/\?form=[A-Za-z0-9_-]{16}#form-reject$/);
      const shown = await request(other).get(to.replace(/#.*$/, '')).set(headers);
      expect(shown.status).toBe(200);
      expect(shown.text).toMatch(/id="form-reject"[\s\S]*role="alert"/);
      // Another user cannot read them back.
      const stranger = await request(other).get(to.replace(/#.*$/, '')).set(await web(s, 'clerk-donghu'));
      expect(stranger.text).not.toMatch(/role="alert"/);
    } finally {
      (other.locals.close as () => void)();
    }
  });
});
