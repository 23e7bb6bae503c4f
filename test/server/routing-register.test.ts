/**
 * Who is responsible, over HTTP (issue 10): the register imported from a
 * spreadsheet (a bad row rejects the whole file, every problem reported with
 * its row, column and code), the industry table (管行业必须管安全), routing
 * rules an admin of the owning org edits, a new hazard routed by rule to its
 * grid, township and departments (a `case.routed` event naming the rule), and
 * a reassignment with a reason.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditCodeCheckChar } from '../../server/register/credit-code.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { testServer, type TestServer } from './support.js';
import { as, expectError } from './support-http.js';

const HEADERS = ['编号', '单位名称', '统一社会信用代码', '行业领域', '地址', '所属网格', '重大危险源', '监管部门'];
/** A valid code: the check character of GB 32100 appended to 17 characters. */
const code = (first17: string) => first17 + creditCodeCheckChar(first17);

async function xlsx(rows: string[][]): Promise<string> {
  const book = new ExcelJS.Workbook();
  const ws = book.addWorksheet('企业名录');
  ws.addRow(HEADERS);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await book.xlsx.writeBuffer()).toString('base64');
}

const SUBMIT = {
  source: 'inspection', location: '储罐区', enterpriseId: 'qingshui-chem', sector: '危险化学品', description: '可燃气体报警器失效',
  photos: ['files/p1.jpg'], foundAt: '2026-03-02T09:30:00+08:00', proposedGrade: 'general', hazardCategory: '危化品储存',
};

const backends = [
  { name: 'sqlite' as const, enabled: true },
  { name: 'postgres' as const, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('the register and routing over HTTP on $name', ({ name, enabled }) => {
  let s: TestServer;
  beforeAll(async () => {
    if (!enabled) return;
    s = await testServer(name);
  });
  afterAll(async () => {
    if (enabled) await s.cleanup();
  });

  it.skipIf(!enabled)('rejects a spreadsheet with a bad row as a whole, naming each problem, then imports the corrected file', async () => {
    const good = ['baisha-gas', '白沙燃气有限公司', code('91320100MA1XQP0D2'), '燃气', '白沙街道燃气路1号', 'donghu-baisha-g1', '是', '东湖区'];
    const rows = [good, ['songlin-mine', '松林矿业', '91320100MA1XQP0D20', '非煤矿山', '松林镇矿区路', 'xishan-songlin-g1', '或许', '不存在的局']];
    const before = (await s.people.listOrgs()).length;
    const bad = await as(s, 'admin-donghu').post('/api/v1/register/import', { kind: 'enterprises', format: 'xlsx', content: await xlsx(rows) });
    expectError(bad, 422, 'import_rejected');
    expect(bad.body.error.issues.map((i: { code: string; path: unknown[] }) => [i.path[1], i.path[2], i.code]).sort()).toEqual([
      [3, '统一社会信用代码', 'credit_code_check_digit'],
      [3, '所属网格', 'grid_out_of_jurisdiction'],
      [3, '监管部门', 'supervisor_not_found'],
      [3, '重大危险源', 'invalid_flag'],
    ].sort());
    // Nothing half-imported: the good row is not there either.
    expect(await s.people.listOrgs()).toHaveLength(before);

    const csv = `\uFEFF${HEADERS.join(',')}\r\n${good.join(',')}\r\n"baisha-steel","白沙""钢铁""厂",,冶金,白沙街道钢城路2号,白沙街道第一网格,否,"东湖区、清水镇"\r\n`;
    const ok = await as(s, 'admin-donghu').post('/api/v1/register/import', { kind: 'enterprises', format: 'csv', content: Buffer.from(csv).toString('base64') });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ created: 2, unchanged: 0 });
    const orgs = (await as(s, 'admin-donghu').get('/api/v1/orgs')).body.items as { id: string; name: string; parentId: string; enterprise?: Record<string, unknown> }[];
    expect(orgs.find((o) => o.id === 'baisha-gas')).toMatchObject({ parentId: 'donghu-baisha-g1', enterprise: { industry: '燃气', majorHazard: true, supervisors: ['donghu'] } });
    expect(orgs.find((o) => o.id === 'baisha-steel')).toMatchObject({ name: '白沙"钢铁"厂', enterprise: { supervisors: ['donghu', 'donghu-qingshui'] } });
    // The same file again changes nothing.
    expect((await as(s, 'admin-donghu').post('/api/v1/register/import', { kind: 'enterprises', format: 'xlsx', content: await xlsx([good]) })).body).toEqual({ created: 0, unchanged: 1 });
    // A file that is no spreadsheet is the file's problem.
    expectError(await as(s, 'admin-donghu').post('/api/v1/register/import', { kind: 'enterprises', format: 'xlsx', content: Buffer.from('not a zip').toString('base64') }), 422, 'import_rejected');
  });

  it.skipIf(!enabled)('keeps enterprise users in their enterprise: no enterprise role in a grid office, no office role in an enterprise', async () => {
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { id: 'e1', name: '某安全员', orgId: 'donghu-baisha-g1', roles: ['enterpriseSafetyOfficer'] }), 403, 'role_not_grantable');
    expectError(await as(s, 'admin-donghu').post('/api/v1/users', { id: 'e2', name: '某网格员', orgId: 'baisha-gas', roles: ['gridOfficer'] }), 403, 'role_not_grantable');
    const created = await as(s, 'admin-donghu').post('/api/v1/users', { id: 'gas-officer', name: '白沙燃气安全员', orgId: 'baisha-gas', roles: ['enterpriseSafetyOfficer'] });
    expect(created.status).toBe(201);
    s.tokens['gas-officer'] = created.body.token;
    // It sees its own enterprise, not the grid it sits in.
    expect((await as(s, 'gas-officer').get('/api/v1/orgs')).body.items.map((o: { id: string }) => o.id)).toEqual(['baisha-gas']);
  });

  it.skipIf(!enabled)('routes a new hazard by the district\'s rule to the enterprise\'s grid, its township and the industry\'s departments, and reassigns it with a reason', async () => {
    // The city's table: which departments supervise each industry.
    const table = `行业领域,监管部门\n危险化学品,应急管理局、市场监督管理局\n燃气,住房和城乡建设局\n`;
    expect((await as(s, 'admin').post('/api/v1/register/import', { kind: 'industries', format: 'csv', content: Buffer.from(table).toString('base64') })).body).toEqual({ created: 2, unchanged: 0 });
    expect((await as(s, 'inspector').get('/api/v1/register/industries')).body).toEqual({
      ownerOrg: 'jiangzhou', items: [{ industry: '危险化学品', departments: ['应急管理局', '市场监督管理局'] }, { industry: '燃气', departments: ['住房和城乡建设局'] }],
    });
    const rule = { id: 'donghu-hazards', ownerOrg: 'donghu', title: '东湖区隐患按企业网格和行业分派', workflows: ['hazard'], grid: { from: 'enterprise' }, departments: { from: 'industry' } };
    // A district admin edits its own subtree's rules only.
    expectError(await as(s, 'admin-donghu').post('/api/v1/routing-rules', { ...rule, ownerOrg: 'jiangzhou' }), 404, 'org_not_found');
    expectError(await as(s, 'admin-donghu').post('/api/v1/routing-rules', { ...rule, grid: { from: 'org', org: 'xishan-songlin-g1' } }), 404, 'org_not_found');
    expect((await as(s, 'admin-donghu').post('/api/v1/routing-rules', rule)).status).toBe(200);
    // A city rule exists too; the district's, nearer the case, wins.
    expect((await as(s, 'admin').post('/api/v1/routing-rules', { ...rule, id: 'city-all', ownerOrg: 'jiangzhou', title: '市级兜底', priority: 0, departments: { from: 'named', names: ['市安委办'] } })).status).toBe(200);
    expectError(await as(s, 'admin-donghu').post('/api/v1/routing-rules/city-all/delete'), 404, 'routing_rule_not_found');

    const opened = await as(s, 'inspector').post('/api/v1/cases', { workflowId: 'hazard' });
    const id = opened.body.case.id as string;
    expect((await as(s, 'inspector').get(`/api/v1/cases/${id}/route`)).body).toEqual({ route: null });
    const submitted = await as(s, 'inspector').post(`/api/v1/cases/${id}/events`, { type: 'submit', payload: SUBMIT });
    expect(submitted.status).toBe(200);
    expect((await as(s, 'inspector').get(`/api/v1/cases/${id}/route`)).body.route).toMatchObject({
      ruleId: 'donghu-hazards', grid: 'donghu-qingshui-g1', township: 'donghu-qingshui', departments: ['应急管理局', '市场监督管理局'], routedBy: 'system:router', reason: null,
    });
    const history = (await as(s, 'inspector').get(`/api/v1/cases/${id}/history`)).body.items as { type: string; actor: { id: string }; payload: Record<string, unknown> }[];
    const routed = history.filter((e) => e.type === 'case.routed');
    expect(routed).toHaveLength(1);
    expect(routed[0]).toMatchObject({ actor: { id: 'system:router' }, payload: { rule: 'donghu-hazards', ruleTitle: '东湖区隐患按企业网格和行业分派', grid: 'donghu-qingshui-g1' } });
    // Nobody records a routing through the generic route.
    expectError(await as(s, 'leader').post(`/api/v1/cases/${id}/events`, { type: 'case.routed', payload: { grid: null, township: null, departments: [], reason: 'x' } }), 403, 'reserved_event');

    // 改派: a leader of the district moves it to the second grid, with a reason; a grid officer may not.
    expectError(await as(s, 'grid-officer').post(`/api/v1/cases/${id}/reassign`, { grid: 'donghu-qingshui-g2', reason: '属地调整' }), 403, 'forbidden');
    expectError(await as(s, 'leader').post(`/api/v1/cases/${id}/reassign`, { grid: 'xishan-songlin-g1', reason: '属地调整' }), 404, 'org_not_found');
    expectError(await as(s, 'leader').post(`/api/v1/cases/${id}/reassign`, { grid: 'donghu-qingshui', reason: '属地调整' }), 400, 'invalid_request');
    const moved = await as(s, 'leader').post(`/api/v1/cases/${id}/reassign`, { grid: 'donghu-qingshui-g2', departments: ['应急管理局'], reason: '储罐区属第二网格' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ ruleId: null, grid: 'donghu-qingshui-g2', township: 'donghu-qingshui', routedBy: 'leader', reason: '储罐区属第二网格' });
    const after = (await as(s, 'inspector').get(`/api/v1/cases/${id}/history`)).body.items as { type: string; actor: { id: string }; payload: Record<string, unknown> }[];
    expect(after.filter((e) => e.type === 'case.routed').map((e) => [e.actor.id, e.payload.rule ?? e.payload.reason])).toEqual([['system:router', 'donghu-hazards'], ['leader', '储罐区属第二网格']]);
    // The routing events are links of the hash chain like any other.
    expect(await s.engine.verify()).toMatchObject({ ok: true });
  });

  it.skipIf(!enabled)('leaves a case unrouted when no rule of its ancestry matches (another district\'s rule does not reach it)', async () => {
    expect((await as(s, 'admin').post('/api/v1/routing-rules/city-all/delete')).body).toEqual({ deleted: true });
    const opened = await as(s, 'xishan-inspector').post('/api/v1/cases', { workflowId: 'hazard' });
    const id = opened.body.case.id as string;
    await as(s, 'xishan-inspector').post(`/api/v1/cases/${id}/events`, { type: 'submit', payload: { ...SUBMIT, enterpriseId: 'qingshui-chem' } });
    expect((await as(s, 'xishan-inspector').get(`/api/v1/cases/${id}/route`)).body).toEqual({ route: null });
  });
});
