/**
 * The 专项整治 and 分派规则 pages in chromium at desktop and phone widths
 * (screenshots in `test-results/screenshots/`), and the rule form: saved by an
 * admin for its subtree, a bad form answered in Chinese with nothing saved.
 * Skipped without chromium, like the other browser tests.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer, type TestServer } from './support.js';
import { as } from './support-http.js';
import { CHROMIUM, launchChromium, shot, signIn } from '../support/chromium.js';


describe.skipIf(!CHROMIUM)('the campaign and routing pages in chromium', () => {
  let ts: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;
  beforeAll(async () => {
    ts = await testServer('sqlite');
    const campaign = {
      id: 'gas-2026', title: '城镇燃气安全专项整治', startsOn: '2026-03-01', endsOn: '2026-12-31', reportPeriod: 'monthly', industries: ['危险化学品', '燃气'],
      districts: ['donghu', 'xishan'], targets: [{ district: 'donghu', found: 10, rectified: 10 }, { district: 'xishan', found: 6, rectified: 6 }],
    };
    expect((await as(ts, 'committee-office').post('/api/v1/campaigns', campaign)).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await as(ts, 'enterprise-officer').post('/api/v1/cases', { workflowId: 'hazard', campaignId: 'gas-2026' })).status).toBe(201);
    server = ts.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await ts?.cleanup();
  });

  const signInAs = async (page: Page, user: string) => {
    await signIn(page, base, ts.tokens[user]!);
  };

  it.each([['desktop', 1280, 900], ['phone', 390, 844]] as const)('shows campaigns with their figures and the rules form at %s width', async (name, width, height) => {
    const page = await browser.newPage({ viewport: { width, height }, locale: 'zh-CN' });
    try {
      await signInAs(page, 'admin');
      await page.goto(`${base}/campaigns`);
      const card = page.locator('#campaign-gas-2026');
      expect(await card.locator('h2').innerText()).toContain('城镇燃气安全专项整治');
      expect(await card.innerText()).toContain('危险化学品、燃气');
      const donghu = card.locator('tbody tr').first();
      expect((await donghu.locator('td').allInnerTexts()).slice(0, 6)).toEqual(['东湖区', '2', '10（20%）', '0', '10', '0%']);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await shot(page, `campaigns-${name}`);
      await page.goto(`${base}/admin/routing`);
      expect(await page.locator('h1').innerText()).toBe('分派规则');
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await shot(page, `routing-rules-${name}`);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('saves a rule from the form for the admin\'s subtree and answers a bad one in Chinese, saving nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    try {
      await signInAs(page, 'admin-donghu');
      await page.goto(`${base}/admin/routing`);
      await page.fill('#r-id', 'donghu-gas');
      await page.fill('#r-title', '东湖区燃气隐患分派');
      await page.check('input[name=workflows][value=hazard]');
      await page.fill('#r-industries', '燃气、危险化学品');
      await page.check('input[name=departmentsFrom][value=named]');
      await page.fill('input[name=departmentNames]', '住房和城乡建设局');
      await page.click('#rule-form button[type=submit]');
      expect(await page.locator('#rules tbody tr').first().innerText()).toMatch(/东湖区燃气隐患分派\s+东湖区\s+事故隐患排查治理\s+燃气、危险化学品\s+企业所在网格\s+住房和城乡建设局/);
      // No workflow ticked: refused, in Chinese, and the list is unchanged.
      await page.fill('#r-id', 'donghu-empty');
      await page.fill('#r-title', '空规则');
      await page.uncheck('input[name=workflows][value=hazard]');
      await page.click('#rule-form button[type=submit]');
      expect(await page.locator('#rule-error').innerText()).toBe('请检查：适用案件');
      expect(await page.locator('#rules tbody tr').count()).toBe(1);
      await shot(page, 'routing-rules-error-phone');
    } finally {
      await page.close();
    }
    expect((await as(ts, 'admin-donghu').get('/api/v1/routing-rules')).body.items.map((r: { id: string }) => r.id)).toEqual(['donghu-gas']);
  }, 120_000);
});
