/**
 * The 统计 page in chromium at desktop and phone widths (screenshots in
 * `test-results/screenshots/`); skipped without chromium, like pages.test.ts.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesRequired } from '../../support/services.js';
import { miniAccident } from '../../support/stats-workflows.js';
import { testServer, type TestServer } from '../support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
if (!CHROMIUM && servicesRequired()) throw new Error('DUBAN_REQUIRE_SERVICES=1 but chromium is not installed (apt-get install chromium)');
const SHOTS = path.resolve('test-results/screenshots');

describe.skipIf(!CHROMIUM)('the 统计 page in chromium', () => {
  let ts: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;
  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ts = await testServer('sqlite', { workflows: [miniAccident] });
    const actor = { id: 'clerk-donghu', roles: ['clerk'], org: 'donghu' };
    for (const [org, deaths] of [['donghu-qingshui', 2], ['donghu', 0], ['xishan', 1]] as const) {
      const id = (await ts.engine.createCase({ workflowId: 'accident', org, actor: { ...actor, org }, data: { occurredAt: ts.clock.now().toISOString(), deaths } })).case.id;
      await ts.engine.send(id, { type: 'confirm', payload: { grade: 'general' } }, { ...actor, org });
    }
    for (const [district, accidents] of [['donghu', 2], ['xishan', 4]] as const) {
      await request(ts.app).post('/api/v1/quotas').send({ district, year: 2026, accidents }).set('Authorization', `Bearer ${ts.tokens.admin}`);
    }
    server = ts.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await ts?.cleanup();
  });

  it.each([['desktop', 1280, 900], ['phone', 390, 844]] as const)('renders at %s width', async (name, width, height) => {
    const page = await browser.newPage({ viewport: { width, height }, locale: 'zh-CN', javaScriptEnabled: name === 'desktop' });
    try {
      await page.goto(`${base}/login`);
      await page.fill('#token', ts.tokens.admin!);
      await page.click('button[type=submit]');
      await page.goto(`${base}/stats`);
      expect(await page.locator('h1').innerText()).toContain('统计');
      expect(await page.locator('#quotas tbody tr').count()).toBeGreaterThanOrEqual(3);
      expect(await page.locator('#quotas .fill.over').count()).toBe(1);
      // Nothing wider than the screen: wide tables scroll inside their box.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await page.screenshot({ path: path.join(SHOTS, `stats-${name}.png`), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
