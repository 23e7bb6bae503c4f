/**
 * The 统计 page in chromium at desktop and phone widths (screenshots in
 * `test-results/screenshots/`): the ECharts charts drawn from the page's
 * figures, the thresholds and the zero target marked, a click on a bar
 * opening its cases; without JavaScript the tables alone. Skipped without
 * chromium, like pages.test.ts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseFacts } from '../../../engine/index.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import { miniAccident } from '../../support/stats-workflows.js';
import { testServer, type TestServer } from '../support.js';
import { CHROMIUM, launchChromium, shot, signIn } from '../../support/chromium.js';


/** Facts of hazards as the projection would keep them (the page reads only the facts). */
function hazard(i: number, org: string, openedAt: string, over: Partial<CaseFacts> = {}): CaseFacts {
  return {
    caseId: `hz-${i}`, workflowId: 'hazard', org, seq: 2, grade: 'general', industry: '危险化学品', source: 'inspection', openedAt, closedAt: null, terminated: false,
    firstOverdueAt: null, occurredAt: null, confirmedAt: null, deaths: null, injuries: null, directLossCny: null, deadlinesMet: 0, deadlinesMissed: 0, escalations: 0, listed: false, openDeadlines: {}, ...over,
  };
}

describe.skipIf(!CHROMIUM)('the 统计 page in chromium', () => {
  let ts: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;
  beforeAll(async () => {
    ts = await testServer('sqlite', { workflows: [miniAccident] });
    const actor = { id: 'clerk-donghu', roles: ['clerk'], org: 'donghu' };
    const months = ['2025-05-10', '2025-08-03', '2025-11-20', '2026-01-15', '2026-02-09', '2026-02-25'];
    for (const [i, [org, deaths]] of ([['donghu-qingshui', 2], ['donghu', 0], ['xishan', 1], ['xishan-songlin', 0], ['donghu-baisha', 1], ['xishan', 0]] as const).entries()) {
      const id = (await ts.engine.createCase({ workflowId: 'accident', org, actor: { ...actor, org }, data: { occurredAt: `${months[i]}T02:00:00.000Z`, deaths } })).case.id;
      await ts.engine.send(id, { type: 'confirm', payload: { grade: 'general' } }, { ...actor, org });
    }
    const stats = createKnexStatsStore(ts.fresh.store);
    const overdue = { firstOverdueAt: '2026-02-20T02:00:00.000Z' };
    const hazards = [
      hazard(1, 'donghu-qingshui', '2025-12-01T02:00:00.000Z', { grade: 'major', ...overdue }),
      hazard(2, 'donghu-qingshui-g1', '2026-01-05T02:00:00.000Z', overdue),
      hazard(3, 'qingshui-chem', '2026-02-03T02:00:00.000Z', overdue),
      hazard(4, 'xishan-songlin', '2026-02-11T02:00:00.000Z', { grade: 'major', closedAt: '2026-02-20T02:00:00.000Z' }),
      hazard(5, 'donghu-baisha', '2025-09-11T02:00:00.000Z', { grade: 'major' }),
      hazard(6, 'donghu', '2025-06-11T02:00:00.000Z', overdue),
    ];
    await stats.facts.replaceAll([...(await stats.facts.list()), ...hazards]);
    for (const [district, accidents] of [['donghu', 1], ['xishan', 4]] as const) {
      await request(ts.app).post('/api/v1/quotas').send({ district, year: 2026, accidents }).set('Authorization', `Bearer ${ts.tokens.admin}`);
    }
    server = ts.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await ts?.cleanup();
  });

  async function openStats(javaScriptEnabled: boolean, width: number, height: number) {
    const page = await browser.newPage({ viewport: { width, height }, locale: 'zh-CN', javaScriptEnabled });
    await signIn(page, base, ts.tokens.admin!);
    await page.goto(`${base}/stats`);
    return page;
  }

  it.each([['desktop', 1280, 900], ['phone', 390, 844]] as const)('draws the charts at %s width', async (name, width, height) => {
    const page = await openStats(true, width, height);
    try {
      expect(await page.locator('h1').innerText()).toContain('统计');
      // Four charts drawn as SVG, with the zero target and the thresholds as labelled lines.
      await page.waitForFunction("document.querySelectorAll('.chart svg').length === 4");
      const chartText = await page.locator('.chart').allInnerTexts();
      expect(chartText.join(' ')).toContain('目标：清零');
      expect(chartText.join(' ')).toContain('预警线 80%');
      expect(chartText.join(' ')).toContain('预警线 100%');
      expect(await page.locator('#quotas .fill.over').count()).toBe(1);
      expect(await page.locator('#overdue-units tbody tr').count()).toBe(4);
      // Nothing wider than the screen: wide tables scroll inside their box.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await shot(page, `stats-${name}`);
    } finally {
      await page.close();
    }
  });

  it('opens the cases of a bar when it is clicked', async () => {
    const page = await openStats(true, 1280, 900);
    try {
      await page.waitForFunction("document.querySelectorAll('.chart svg').length === 4");
      // The red bar: 东湖区, 1 accident of a quota of 1 (100%).
      const path = page.locator('.chart[data-chart="quotas"] path[fill="#c33"]').first();
      await path.scrollIntoViewIfNeeded();
      const bar = (await path.boundingBox())!;
      await Promise.all([page.waitForURL(/\/stats\/cases\?figure=accidents/), page.mouse.click(bar.x + bar.width / 2, bar.y + bar.height / 2)]);
      expect(await page.locator('#figure-cases tbody tr').count()).toBe(1);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('shows every number as tables without JavaScript, and loads the chart library only on this page', async () => {
    const page = await openStats(false, 390, 844);
    try {
      expect(await page.locator('.chart:visible').count()).toBe(0);
      expect(await page.locator('#quotas tbody tr').count()).toBeGreaterThanOrEqual(3);
      expect(await page.locator('#trend tbody tr').count()).toBe(12);
      await shot(page, 'stats-phone-nojs');
      await page.goto(`${base}/tasks`);
      expect(await page.locator('script[src*="echarts"]').count()).toBe(0);
    } finally {
      await page.close();
    }
    const asset = await request(ts.app).get('/static/echarts.min.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});
