import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer, type TestServer } from '../support.js';
import { miniAccident } from '../../support/stats-workflows.js';

describe('the 统计 page', () => {
  let ts: TestServer;
  let cookie = '';
  const accidents: string[] = [];
  beforeAll(async () => {
    ts = await testServer('sqlite', { workflows: [{ ...miniAccident, roles: ['clerk'] }] });
    const actor = { id: 'clerk-donghu', roles: ['clerk'], org: 'donghu' };
    for (const deaths of [2, 1]) {
      const id = (await ts.engine.createCase({ workflowId: 'accident', org: 'donghu-qingshui', actor, data: { occurredAt: ts.clock.now().toISOString(), deaths } })).case.id;
      await ts.engine.send(id, { type: 'confirm', payload: { grade: 'general' } }, actor);
      accidents.push(id);
    }
    const set = await request(ts.app).post('/api/v1/quotas').send({ district: 'donghu', year: 2026, accidents: 2 }).set('Authorization', `Bearer ${ts.tokens.admin}`);
    expect(set.status).toBe(200);
    const login = await request(ts.app).post('/login').set({ Host: 'duban.test', Origin: 'http://duban.test' }).type('form').send({ token: ts.tokens.admin, next: '/stats' });
    cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  });
  afterAll(async () => ts.cleanup());

  it('shows the figures as tables, in Chinese, each linked to its cases', async () => {
    const res = await request(ts.app).get('/stats').set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('重大隐患动态清零');
    const quotas = /<table class="list" id="quotas">([\s\S]*?)<\/table>/.exec(res.text.replaceAll('&#x3D;', '='))![1]!;
    const donghu = /<tr>\s*<td>东湖区<\/td>([\s\S]*?)<\/tr>/.exec(quotas)![1]!;
    expect(donghu).toContain('<a href="/stats/cases?figure=accidents&amp;district=donghu">2</a>');
    expect(donghu).toContain('100%');
    expect(donghu).toContain('class="fill over"');
    expect(res.text).not.toMatch(/<td>[^<]*(general|accident|hazard)[^<]*<\/td>/);
    const drill = await request(ts.app).get('/stats/cases').query({ figure: 'accidents', district: 'donghu' }).set('Cookie', cookie);
    expect(drill.status).toBe(200);
    for (const id of accidents) expect(drill.text).toContain(`/cases/${id}`);
    expect(drill.text).toContain('清水镇');
  });

  it('refuses an unknown figure and a district outside the subtree', async () => {
    const login = await request(ts.app).post('/login').set({ Host: 'duban.test', Origin: 'http://duban.test' }).type('form').send({ token: ts.tokens['clerk-xishan'], next: '/stats' });
    const xishan = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    expect((await request(ts.app).get('/stats/cases').query({ figure: 'accidents', district: 'donghu' }).set('Cookie', xishan)).status).toBe(404);
    expect((await request(ts.app).get('/stats/cases').query({ figure: 'nothing' }).set('Cookie', cookie)).status).toBe(422);
    const own = await request(ts.app).get('/stats').set('Cookie', xishan);
    expect(own.text).not.toContain('东湖区');
  });
});

describe('the 统计 page with DUBAN_QUOTA_THRESHOLDS=50,90', () => {
  it('draws the configured thresholds in the table and hands them to the charts', async () => {
    const ts = await testServer('sqlite', { config: { DUBAN_QUOTA_THRESHOLDS: [50, 90] } });
    try {
      const login = await request(ts.app).post('/login').set({ Host: 'duban.test', Origin: 'http://duban.test' }).type('form').send({ token: ts.tokens.admin, next: '/stats' });
      const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
      await request(ts.app).post('/api/v1/quotas').send({ district: 'donghu', year: 2026, accidents: 4 }).set('Authorization', `Bearer ${ts.tokens.admin}`).expect(200);
      const res = await request(ts.app).get('/stats').set('Cookie', cookie);
      expect(res.status).toBe(200);
      const marks = [...res.text.matchAll(/<span class="mark" style="left: [\d.]+%" title="(\d+%)"><\/span>/g)].map((m) => m[1]);
      expect(new Set(marks)).toEqual(new Set(['50%', '90%']));
      expect(res.text).toMatch(/竖线标出控制指标的\s*50%与\s*90%/);
      expect(res.text).not.toContain('title="80%"');
      const chart = /"thresholds":(\[[^\]]*\])/.exec(res.text)![1];
      expect(JSON.parse(chart!)).toEqual([50, 90]);
    } finally {
      await ts.cleanup();
    }
  });
});
