/**
 * The tipster's channel without a login (issue 9; 《安全生产领域举报奖励办法》
 * 2018 and the 2012 handling rules: the tipster is told the result): a query
 * code shown once at intake, only its hash stored, a public status answer in
 * words, a zh-CN page, 404 for an unknown code, failed lookups rate-limited.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser } from '../../server/people.js';
import { accidentWorkflow, tipOffWorkflow } from '../../workflows/index.js';
import { as, expectError } from './support-http.js';
import { testServer, type TestServer, type TestServerOptions } from './support.js';

let s: TestServer;
afterEach(() => s.cleanup());

const INTAKE = {
  channel: 'hotline12350',
  content: '某机械厂粉尘车间除尘系统未设泄爆装置，夜间违规生产',
  reportedParty: '某机械厂',
  reportedPartyOrg: 'donghu',
  tipsterName: '王举报',
  tipsterContact: 'wang.jubao@example.com',
  anonymous: false,
  realName: true,
  receivedAt: '2026-03-02T01:30:00.000Z',
};

async function server(opts: TestServerOptions = {}): Promise<void> {
  s = await testServer('sqlite', { workflows: [accidentWorkflow, tipOffWorkflow], ...opts });
  for (const [id, roles] of [['officer-donghu', ['tipOffOfficer']], ['inspector-donghu', ['inspector']]] as const) {
    s.tokens[id] = (await createUser(s.people, s.clock, { id, name: id, orgId: 'donghu', roles: [...roles] })).token;
  }
}

async function intake(): Promise<{ caseId: string; queryCode: string }> {
  const res = await as(s, 'officer-donghu').post('/api/v1/tipoffs', { data: INTAKE });
  expect(res.status).toBe(201);
  return res.body as { caseId: string; queryCode: string };
}

const status = (code: string) => request(s.app).get(`/api/v1/tipoffs/status?code=${encodeURIComponent(code)}`);
const send = (caseId: string, userId: string, type: string, payload: Record<string, unknown> = {}) => as(s, userId).post(`/api/v1/cases/${encodeURIComponent(caseId)}/events`, { type, payload });

describe('the query code (举报奖励办法 2018: the tipster is told the result)', () => {
  it('is random and shown once at intake; only its hash is stored', async () => {
    await server();
    const a = await intake();
    const b = await intake();
    expect(a.queryCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(a.queryCode).not.toBe(b.queryCode);
    const view = await as(s, 'officer-donghu').get(`/api/v1/cases/${encodeURIComponent(a.caseId)}`);
    expect(view.status).toBe(200);
    expect(JSON.stringify(view.body)).not.toContain(a.queryCode);
    expect(JSON.stringify(view.body)).not.toContain(a.queryCode.replace(/-/g, ''));
    expect((view.body.case ?? view.body).data.queryCodeHash).toBe(createHash('sha256').update(a.queryCode.replace(/-/g, '')).digest('hex'));
    // Only the tip-off officer takes a tip-off in.
    expect((await as(s, 'inspector-donghu').post('/api/v1/tipoffs', { data: INTAKE })).status).toBe(403);
  });

  it('issue 9: is looked up through its indexed hash column (migration 025), written with the tip-off', async () => {
    await server();
    const a = await intake();
    const hash = createHash('sha256').update(a.queryCode.replace(/-/g, '')).digest('hex');
    expect(await s.fresh.store.knex('tipoff_query_codes').select('hash', 'case_id')).toEqual([{ hash, case_id: a.caseId }]);
    expect((await status(a.queryCode)).status).toBe(200);
    // Without its index row the code is not found, although the hash is still in the case data: no text search.
    await s.fresh.store.knex('tipoff_query_codes').where('hash', hash).delete();
    expect((await status(a.queryCode)).status).toBe(404);
  });

  it('cannot be chosen by a caller: opening a tip-off case with a code hash of its own is refused, nothing is written', async () => {
    await server();
    const known = await intake();
    const hash = createHash('sha256').update('ABCDEFGHJKMNPQRS').digest('hex');
    const before = (await as(s, 'officer-donghu').get('/api/v1/cases')).body.items.length;
    const res = await as(s, 'officer-donghu').post('/api/v1/cases', { workflowId: 'tip-off', data: { ...INTAKE, queryCodeHash: hash } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', issues: [{ path: ['data', 'queryCodeHash'], code: 'read_only_field' }] });
    expect((await as(s, 'officer-donghu').get('/api/v1/cases')).body.items.length).toBe(before);
    expect((await status('ABCD-EFGH-JKMN-PQRS')).status).toBe(404);
    // The intake still sets it, whatever the caller sent.
    expect((await status(known.queryCode)).status).toBe(200);
  });

  it('answers, without a login, in words that say what happened, and never an id, an org or a state key', async () => {
    await server();
    const { caseId, queryCode } = await intake();
    let res = await status(queryCode);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: '已收到，正在审查是否受理', message: ['您的举报已于2026年3月2日收到。', '我们将在5个工作日内决定是否受理。'] });
    // Lower case and without dashes reads the same.
    expect((await status(queryCode.replace(/-/g, '').toLowerCase())).body.status).toBe('已收到，正在审查是否受理');

    expect((await send(caseId, 'officer-donghu', 'accept')).status).toBe(200);
    res = await status(queryCode);
    expect(res.body.status).toBe('已受理，正在核查');
    expect(res.body.message).toContain('已于2026年3月2日受理。');

    expect((await send(caseId, 'inspector-donghu', 'unsubstantiate', { findings: '经核查未发现举报问题' })).status).toBe(200);
    expect((await send(caseId, 'officer-donghu', 'reply', { replyText: '经现场核查，该厂除尘系统已设泄爆装置，未发现夜间生产。' })).status).toBe(200);
    res = await status(queryCode);
    expect(res.body.status).toBe('已答复');
    expect(res.body.message).toEqual(expect.arrayContaining(['经核查，您举报的问题不属实。', '答复意见：经现场核查，该厂除尘系统已设泄爆装置，未发现夜间生产。', '如对核查结论有异议，可以在答复之日起30日内申请复核。']));
    const all = JSON.stringify(res.body);
    for (const leak of [caseId, 'donghu', 'replied', 'handling', 'unsubstantiated', '王举报', 'wang.jubao', 'null', 'false', 'T0']) expect(all).not.toContain(leak);
  });

  it('says why a tip-off was not accepted, and to whom it was forwarded', async () => {
    await server();
    const no = await intake();
    expect((await send(no.caseId, 'officer-donghu', 'notAccept', { notAcceptReason: 'outOfScope', notAcceptComment: '请向市场监管部门反映' })).status).toBe(200);
    expect((await status(no.queryCode)).body).toEqual({
      status: '不予受理',
      message: ['您的举报已于2026年3月2日收到。', '经审查，不予受理，原因是：所举报事项不属于安全生产举报受理范围，请向有权处理的机关反映。', '说明：请向市场监管部门反映'],
    });
    const fwd = await intake();
    expect((await send(fwd.caseId, 'officer-donghu', 'forward', { forwardTo: '江州市消防救援支队', forwardReason: '属消防监督管理事项' })).status).toBe(200);
    expect((await status(fwd.queryCode)).body).toEqual({
      status: '已移送',
      message: ['您的举报已于2026年3月2日收到。', '所举报事项不属于本部门职责范围，已移送江州市消防救援支队处理。', '移送理由：属消防监督管理事项'],
    });
  });

  it('answers 404 for an unknown code, on the API and the page', async () => {
    await server();
    await intake();
    expectError(await status('ABCD-EFGH-JKMN-PQRS'), 404, 'not_found');
    expectError(await request(s.app).get('/api/v1/tipoffs/status'), 404, 'not_found');
    const page = await request(s.app).get('/tipoff-status?code=ABCD-EFGH-JKMN-PQRS');
    expect(page.status).toBe(404);
    expect(page.text).toContain('未找到与该查询码对应的举报');
  });

  it('shows a zh-CN page without a login, with the status in words', async () => {
    await server();
    const { caseId, queryCode } = await intake();
    const empty = await request(s.app).get('/tipoff-status');
    expect(empty.status).toBe(200);
    expect(empty.headers['content-type']).toContain('text/html');
    expect(empty.text).toContain('<html lang="zh-CN">');
    expect(empty.text).toContain('查询码');
    const page = await request(s.app).get(`/tipoff-status?code=${queryCode}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('已收到，正在审查是否受理');
    expect(page.text).not.toContain(caseId);
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('limits failed lookups per client IP with the sign-in limiter (429 rate_limited); found codes do not count', async () => {
    await server({ config: { DUBAN_LOGIN_RATE_LIMIT: { limit: 2, windowMs: 15 * 60_000 } } });
    const { queryCode } = await intake();
    for (let i = 0; i < 3; i++) expect((await status(queryCode)).status).toBe(200);
    expect((await status('ABCD-EFGH-JKMN-PQRS')).status).toBe(404);
    expect((await status('ABCD-EFGH-JKMN-PQRT')).status).toBe(404);
    const refused = await status(queryCode);
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(s.app).get(`/tipoff-status?code=${queryCode}`)).status).toBe(429);
  });
});
