/**
 * The administrative moves and the migration page in chromium, at desktop and
 * phone widths (screenshots in `test-results/screenshots/`): a chief sends a
 * case back, a clerk takes one back, an admin jumps, a clerk is offered no
 * 终止, and an admin plans a migration. Skipped without chromium.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movesWorkflow, movesWorkflowV2 } from '../support/moves-workflow.js';
import { testServer, type TestServer } from './support.js';
import { CHROMIUM, launchChromium, signIn, shot } from '../support/chromium.js';


describe.skipIf(!CHROMIUM)('moves and migrations in chromium', () => {
  let ts: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;
  const clerk = { id: 'clerk-donghu', roles: ['clerk'], org: 'donghu' };
  const inReview = async () => {
    const id = (await ts.engine.createCase({ workflowId: 'moves', org: 'donghu', actor: clerk })).case.id;
    await ts.engine.send(id, { type: 'submit' }, clerk);
    return id;
  };
  beforeAll(async () => {
    ts = await testServer('sqlite', { workflows: [movesWorkflow] });
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

  async function login(user: string, width: number, height: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height }, locale: 'zh-CN' });
    // The shared test machine can be slow to serve and lay out a page: wait for it rather than fail on a fixed 30 s.
    page.setDefaultTimeout(120_000);
    page.on('dialog', (d) => void d.accept());
    await signIn(page, base, ts.tokens[user]!);
    return page;
  }
  const fits = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');

  it.each([['desktop', 1280, 900], ['phone', 390, 844]] as const)('sends back, takes back and jumps at %s width', async (name, width, height) => {
    const id = await inReview();
    const url = `${base}/cases/${encodeURIComponent(id)}`;
    // The clerk who handed it on may take it back, and may not terminate.
    const clerkPage = await login('clerk-donghu', width, height);
    await clerkPage.goto(url);
    expect(await clerkPage.locator('#move-terminate').count()).toBe(0);
    await clerkPage.locator('#moves summary').click();
    expect(await clerkPage.locator('#move-takeBack').isVisible()).toBe(true);
    await clerkPage.close();
    // The chief opens the case: from then on the clerk can no longer take it back.
    const chief = await login('chief-donghu', width, height);
    await chief.goto(url);
    expect(await chief.locator('#move-jump').count()).toBe(0);
    await chief.locator('#moves summary').click();
    await shot(chief, `moves-case-${name}`);
    expect(await fits(chief)).toBe(true);
    await chief.locator('#move-sendBack select[name=to]').selectOption('draft');
    await chief.fill('#move-sendBack textarea[name=reason]', '整改材料不全，请补充现场照片');
    await chief.check('#move-sendBack input[name=_confirm]');
    await chief.click('#move-sendBack button[type=submit]');
    expect(await chief.locator('#moved').innerText()).toContain('退回');
    await chief.close();
    const again = await login('clerk-donghu', width, height);
    await again.goto(url);
    expect(await again.locator('#move-takeBack').count()).toBe(0);
    await again.close();
    // An admin moves it anywhere.
    const admin = await login('admin-donghu', width, height);
    await admin.goto(url);
    await admin.locator('#moves summary').click();
    await admin.locator('#move-jump select[name=to]').selectOption('archive');
    await admin.fill('#move-jump textarea[name=reason]', '线下已审核，补录归档');
    await admin.check('#move-jump input[name=_confirm]');
    await admin.click('#move-jump button[type=submit]');
    expect(await admin.locator('#moved').innerText()).toContain('跳转');
    await admin.goto(`${url}/audit`);
    expect(await admin.locator('#move').innerText()).toContain('线下已审核，补录归档');
    await shot(admin, `moves-audit-${name}`);
    await admin.close();
  }, 400_000);

  it.each([['desktop', 1280, 900], ['phone', 390, 844]] as const)('plans a migration on the admin page at %s width', async (name, width, height) => {
    await inReview();
    await ts.engine.registerWorkflow(movesWorkflowV2).catch(() => undefined);
    const chief = await login('chief-donghu', width, height);
    const refused = await chief.goto(`${base}/admin/migrations`);
    expect(refused?.status()).toBe(403);
    await chief.close();
    const page = await login('admin', width, height);
    await page.goto(`${base}/admin/migrations`);
    await page.selectOption('#workflowId', 'moves');
    await page.fill('#fromVersion', '1');
    await page.fill('#toVersion', '2');
    await page.fill('#map', JSON.stringify({ states: { review: 'check', draft: 'draft' } }));
    await page.click('#migration button[type=submit]');
    expect(await page.locator('#summary').innerText()).toContain('可迁移');
    expect(await page.locator('#covered tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await fits(page)).toBe(true);
    await shot(page, `moves-migration-${name}`);
    await page.close();
  }, 400_000);
});
