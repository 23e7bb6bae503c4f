/**
 * The web pages in a real browser (Debian's chromium through playwright-core):
 * a handler logs in, opens a task from the worklist, submits forms and sees
 * the case advance; an auditor steps through a history and sees a tampered
 * event reported; an admin validates a definition. Screenshots of each page
 * go to `test-results/screenshots/`.
 *
 * Without chromium the suite is skipped, unless DUBAN_REQUIRE_SERVICES=1
 * (CI, where `.ci/run` installs it): then it fails.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tamperEvent } from '../support/tamper.js';
import { as, openCase } from './support-http.js';
import { alertWorkflow, testServer, type TestServer } from './support.js';
import { CHROMIUM, launchChromium, signIn, shot } from '../support/chromium.js';


describe.skipIf(!CHROMIUM)('web pages in chromium', () => {
  let s: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;
  let pageOf: Page;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    s = await testServer();
    server = s.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pageOf = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    return async () => {
      await pageOf.close();
      await new Promise((resolve) => server.close(resolve));
      await s.cleanup();
    };
  });

  const snap = (name: string) => shot(pageOf, name);
  async function login(userId: string) {
    await signIn(pageOf, base, s.tokens[userId]!);
  }

  it('refuses a wrong token and keeps the login page', async () => {
    await pageOf.goto(`${base}/tasks`);
    expect(pageOf.url()).toContain('/login');
    await pageOf.fill('#token', 'x'.repeat(43));
    await pageOf.click('button[type=submit]');
    await expect(pageOf.locator('.alert').textContent()).resolves.toContain('令牌无效');
    await snap('01-login-refused');
  });

  it('lets a handler open a task from the worklist, submit the forms and see the case advance', async () => {
    const id = await openCase(s, 'clerk-donghu');
    await openCase(s, 'chief-donghu', { workflowId: 'permit' });
    await login('clerk-donghu');
    await pageOf.waitForURL(`${base}/tasks`);
    await expect(pageOf.locator('#worklist a.task').count()).resolves.toBe(1);
    await snap('02-worklist');
    await pageOf.click('#worklist a.task');
    await pageOf.waitForURL(`${base}/cases/${id}`);
    await pageOf.waitForSelector('#diagram svg', { timeout: 15_000 });
    await snap('03-case');

    await pageOf.fill('form[data-event=note] textarea[name="p.text"], form[data-event=note] input[name="p.text"]', '现场检查发现消防通道堵塞');
    await pageOf.click('form[data-event=note] button[type=submit]');
    await pageOf.waitForURL(/done=note/);
    await expect(pageOf.locator('#version').textContent()).resolves.toBe('2');
    await expect(pageOf.locator('.kv').first().textContent()).resolves.toContain('现场检查发现消防通道堵塞');
    await pageOf.click('form[data-event=submit] button[type=submit]');
    await pageOf.waitForURL(/done=submit/);
    await expect(pageOf.locator('#state').getAttribute('data-state')).resolves.toBe('review');
    await expect(pageOf.locator('form.event').count()).resolves.toBe(0);
    await expect(pageOf.locator('#timeline li').count()).resolves.toBe(3);
    await snap('04-case-advanced');

    // The chief now has it: overdue-first worklist with the deadline in working days.
    await login('chief-donghu');
    await pageOf.waitForURL(`${base}/tasks`);
    await expect(pageOf.locator('#worklist tbody tr').count()).resolves.toBe(2);
    await expect(pageOf.locator('#worklist tbody tr').first().locator('td.due').textContent()).resolves.toContain('剩 3 个工作日');
    await snap('05-worklist-chief');
  });

  it('shows form errors on the case page in Chinese, under the form that was refused', async () => {
    const id = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
    await login('chief-donghu');
    await pageOf.goto(`${base}/cases/${id}`);
    await pageOf.$eval('form[data-event=reject] [name="p.reason"]', (el) => el.removeAttribute('required'));
    await pageOf.click('form[data-event=reject] button[type=submit]');
    await pageOf.waitForURL(/\?form=/);
    await expect(pageOf.locator('form[data-event=reject] .alert').textContent()).resolves.toContain('填写的内容有误');
    await snap('06-case-form-error');
  });

  it('lets an auditor step through a history and see a tampered event reported', async () => {
    const id = await openCase(s, 'clerk-donghu');
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: '原始记录' } });
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'submit' });
    await login('auditor');
    await pageOf.goto(`${base}/cases/${id}/audit?at=1`);
    await expect(pageOf.locator('#chain').textContent()).resolves.toContain('✓');
    await pageOf.click('#next');
    await expect(pageOf.locator('#position').textContent()).resolves.toBe('第 2 / 3 步');
    await expect(pageOf.locator('#replayed-state').textContent()).resolves.toBe('open');
    await snap('07-audit-step');

    await tamperEvent(s.fresh.store, id, 2, { payload: { text: '篡改后的记录' } });
    await pageOf.goto(`${base}/cases/${id}/audit?at=2`);
    await expect(pageOf.locator('#chain').textContent()).resolves.toContain('第 2 条记录校验失败');
    await expect(pageOf.locator('#steps li.broken').count()).resolves.toBe(1);
    await expect(pageOf.locator('#steps li.unverified').count()).resolves.toBe(1);
    await snap('08-audit-tampered');
    // Auditors read and change nothing: no forms on the case page.
    await pageOf.goto(`${base}/cases/${id}`);
    await expect(pageOf.locator('form.event').count()).resolves.toBe(0);
  });

  it('lets an admin validate a definition, see every problem, then its diagram', async () => {
    await login('admin');
    await pageOf.goto(`${base}/admin/workflows`);
    await pageOf.fill('#definition', JSON.stringify({ id: 'Bad', version: 1, title: 't', roles: ['clerk'], initial: 'nowhere', states: { a: { type: 'final' } } }));
    await pageOf.click('button[value=validate]');
    await expect(pageOf.locator('#issues li').count()).resolves.toBeGreaterThan(0);
    await expect(pageOf.locator('#issues').textContent()).resolves.toContain('kebab-case');
    await snap('09-admin-invalid');
    await pageOf.fill('#definition', JSON.stringify({ id: 'tiny', version: 1, title: '小流程', roles: ['clerk'], initial: 'open', states: { open: { on: { close: { target: 'closed', roles: ['clerk'] } } }, closed: { type: 'final' } } }));
    await pageOf.click('button[value=register]');
    await expect(pageOf.locator('#registered').textContent()).resolves.toContain('tiny@1');
    await pageOf.waitForSelector('pre.mermaid svg', { timeout: 15_000 });
    await snap('10-admin-registered');
    await pageOf.goto(`${base}/admin/workflows/hazard`);
    await pageOf.waitForSelector('pre.mermaid svg', { timeout: 15_000 });
    await snap('11-hazard-diagram');
  });

  it('lets a recipient open the inbox from the header and acknowledge a warning; an admin retries an undelivered row', async () => {
    await s.engine.registerWorkflow(alertWorkflow);
    const caseId = await openCase(s, 'inspector', { workflowId: 'alert', org: 'donghu-qingshui-g1' });
    expect((await as(s, 'inspector').post(`/api/v1/cases/${caseId}/events`, { type: 'warn' })).status).toBe(200);
    expect((await as(s, 'inspector').post(`/api/v1/cases/${caseId}/events`, { type: 'consultChemist' })).status).toBe(200);
    await s.notifier.dispatcher.runDue();

    await login('grid-officer');
    await pageOf.waitForURL(`${base}/tasks`);
    await expect(pageOf.locator('#nav-inbox .badge').textContent()).resolves.toBe('1');
    await pageOf.click('#nav-inbox');
    await pageOf.waitForURL(`${base}/inbox`);
    await expect(pageOf.locator('#unread li.warning').count()).resolves.toBe(1);
    await snap('12-inbox');
    await pageOf.fill('form.ack input[name=comment]', '已到岗，正在组织排查');
    await pageOf.click('form.ack button');
    await pageOf.waitForURL(/\/inbox\?acked=/);
    await expect(pageOf.locator('#acked').textContent()).resolves.toContain('已确认收到预警');
    await expect(pageOf.locator('#nav-inbox .badge').count()).resolves.toBe(0);
    await snap('13-inbox-acknowledged');
    expect((await s.engine.history(caseId)).map((e) => e.type)).toContain('notification.acknowledged');

    await login('admin');
    await pageOf.goto(`${base}/admin/outbox`);
    await expect(pageOf.locator('#unresolved tr[data-id]').count()).resolves.toBe(1);
    await snap('14-admin-outbox');
    await pageOf.click('#unresolved tr[data-id] button');
    await pageOf.waitForURL(/\/admin\/outbox\?retried=/);
    await expect(pageOf.locator('#retried').count()).resolves.toBe(1);
    await expect(pageOf.locator('#unresolved tr[data-id]').count()).resolves.toBe(0);
  });
});
