/**
 * Signing a 会签 task and reading a copy in the 抄送我的 list, in chromium at
 * desktop and phone widths (screenshots in `test-results/screenshots/`);
 * skipped without chromium, like pages.test.ts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/people.js';
import { signWorkflow } from '../support/sign-workflow.js';
import { testServer, type TestServer } from './support.js';
import { CHROMIUM, launchChromium, shot, signIn } from '../support/chromium.js';


describe.skipIf(!CHROMIUM)('会签 and 抄送我的 in chromium', () => {
  let ts: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;
  const clerk = { id: 'clerk-city', roles: ['clerk', 'chief'], org: 'jiangzhou' };
  const leader = { id: 'leader-city', roles: ['leader'], org: 'jiangzhou' };
  beforeAll(async () => {
    ts = await testServer('sqlite', { workflows: [signWorkflow('all')] });
    for (const [id, name, orgId, roles] of [['leader-city', '分管领导 王局', 'jiangzhou', ['leader']], ['reviewer-donghu', '东湖区验收员 刘工', 'donghu', ['reviewer']], ['reviewer-xishan', '西山区验收员 钱工', 'xishan', ['reviewer']], ['copy-donghu', '东湖区经办人 孙办', 'donghu', ['clerk']]] as const) {
      ts.tokens[id] = (await createUser(ts.people, ts.clock, { id, name, orgId, roles: [...roles] })).token;
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

  async function signInAs(page: Page, user: string): Promise<void> {
    await page.context().clearCookies();
    await signIn(page, base, ts.tokens[user]!);
  }

  it.each([['desktop', 1280, 900], ['phone', 390, 844]] as const)('signs a 会签 task and reads a copy at %s width', async (name, width, height) => {
    const { case: c } = await ts.engine.createCase({ workflowId: 'sign-demo', org: 'jiangzhou', data: {}, actor: clerk });
    await ts.engine.send(c.id, { type: 'submit', payload: { units: ['donghu', 'xishan'] } }, clerk);
    await ts.engine.send(c.id, { type: 'approve', payload: { opinion: '同意组织联合验收' } }, leader);
    const page = await browser.newPage({ viewport: { width, height }, locale: 'zh-CN', javaScriptEnabled: name === 'desktop' });
    page.setDefaultTimeout(60_000);
    try {
      await signInAs(page, 'reviewer-donghu');
      await page.goto(`${base}/cases/${encodeURIComponent(c.id)}`, { waitUntil: 'domcontentloaded' });
      const rows = page.locator('#task-ops table.signing tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).innerText()).toContain('待签');
      await page.fill('#sign-form-0 textarea[name=comment]', '现场核查合格，同意验收');
      await page.click('#sign-form-0 button[value=approve]');
      expect(await page.locator('#task-ops .flash').innerText()).toContain('已签署');
      expect(await rows.nth(0).innerText()).toContain('同意');
      expect(await rows.nth(0).innerText()).toContain('现场核查合格');
      expect(await rows.nth(1).innerText()).toContain('待签');
      // Signed: no second form for this signer.
      expect(await page.locator('#sign-form-0').count()).toBe(0);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await shot(page, `signing-${name}`);

      // The other department signs; the case closes and copies go to the units' clerks.
      await ts.engine.send(c.id, { type: 'task.sign', payload: { task: 'joint', decision: 'approve' } }, { id: 'reviewer-xishan', roles: ['reviewer'], org: 'xishan' });
      await signInAs(page, 'copy-donghu');
      await page.goto(`${base}/copies`);
      // This case's copy (the other width's run left a copy of its own case in the list).
      const copy = page.locator(`#copies tbody tr:has(a[href^="/cases/${encodeURIComponent(c.id)}"])`);
      expect(await copy.innerText()).toContain('未阅');
      expect(await copy.innerText()).toContain('验收结果抄送');
      await shot(page, `copies-${name}`);
      await copy.locator('a').click();
      await page.click('#task-ops form.inline button');
      expect(await page.locator('#task-ops .flash').innerText()).toContain('已阅');
      expect(await page.locator('#task-ops ul.copies').innerText()).toContain('东湖区经办人 孙办');
      await page.goto(`${base}/copies`);
      expect(await copy.innerText()).toContain('已阅');
      await page.goto(`${base}/copies?unread=true`);
      expect(await page.locator('#copies').count()).toBe(0);
    } catch (err) {
      await shot(page, `signing-failed-${name}`);
      throw err;
    } finally {
      await page.close();
    }
  }, 240_000);
});
