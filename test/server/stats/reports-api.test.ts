import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer, type TestServer } from '../support.js';

describe('GET /api/v1/reports/monthly', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await testServer('sqlite');
  });
  afterAll(async () => ts.cleanup());
  const get = (user: string, query: Record<string, string>) => request(ts.app).get('/api/v1/reports/monthly').query(query).set('Authorization', `Bearer ${ts.tokens[user]}`);

  it("covers the caller's subtree by default and one of its orgs on request", async () => {
    const own = await get('clerk-donghu', { month: '2026-03' });
    expect(own.status).toBe(200);
    expect(own.body.scope).toBe('东湖区');
    expect(own.body.hazards.byDistrict.map((r: { label: string }) => r.label)).toEqual(['东湖区']);
    const root = await get('admin', { month: '2026-03' });
    expect(root.body.hazards.byDistrict.map((r: { label: string }) => r.label)).toEqual(expect.arrayContaining(['东湖区', '西山区']));
    const town = await get('admin', { month: '2026-03', org: 'donghu-qingshui' });
    expect(town.body.scope).toBe('清水镇');
  });

  it('answers an org outside the subtree as one that does not exist, and refuses a bad month', async () => {
    const outside = await get('clerk-xishan', { month: '2026-03', org: 'donghu' });
    expect(outside.status).toBe(404);
    expect(outside.body.error.code).toBe('org_not_found');
    expect((await get('clerk-donghu', { month: '2026-13' })).status).toBe(400);
  });

  it('lets the root and the district admins set a district quota, which the district reads', async () => {
    const post = (user: string, body: unknown) => request(ts.app).post('/api/v1/quotas').send(body as object).set('Authorization', `Bearer ${ts.tokens[user]}`);
    const set = await post('admin', { district: 'donghu', year: 2026, accidents: 5, deaths: 3 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ name: '东湖区', measures: [{ label: '事故起数', quota: 5, used: 0, warned: [] }, { label: '死亡人数', quota: 3 }] });
    expect((await post('admin-donghu', { district: 'donghu', year: 2026, deaths: 4 })).body.measures[1].quota).toBe(4);
    const town = await post('admin', { district: 'donghu-qingshui', year: 2026, accidents: 1 });
    expect(town.status).toBe(422);
    expect(town.body.error.message).toBe('清水镇不是区县，控制指标按区县下达');
    const read = await request(ts.app).get('/api/v1/quotas').query({ year: '2026' }).set('Authorization', `Bearer ${ts.tokens['clerk-donghu']}`);
    expect(read.body.items).toEqual([{ district: 'donghu', name: '东湖区', measures: [{ measure: 'accidents', label: '事故起数', quota: 5, used: 0, warned: [] }, { measure: 'deaths', label: '死亡人数', quota: 4, used: 0, warned: [] }] }]);
  });
});
