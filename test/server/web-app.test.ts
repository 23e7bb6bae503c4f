/**
 * The handler's web app in a real browser (Debian's chromium through
 * playwright-core): an enterprise safety officer opens a hazard from 新建
 * with a photo, the township office meets the definition's guard message
 * (and a reload does not post again), the inspector grades it and issues the
 * 整改指令书 (printed to PDF by the browser), the enterprise reports the
 * rectification with evidence, the inspector re-inspects and writes it off.
 * At 390 px the worklist and the case page do not scroll sideways.
 * Screenshots of every page at 1280 and 390 px go to `test-results/screenshots/`.
 *
 * Without chromium the suite is skipped, unless DUBAN_REQUIRE_SERVICES=1.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnexAttachmentStore } from '../../server/attachments.js';
import { loadDemoCases } from '../../server/demo-cases.js';
import { testServer, type TestServer } from './support.js';
import { CHROMIUM, SHOTS, launchChromium, shot, signedInPage } from '../support/chromium.js';


const photo = (r: number, g: number, b: number) => sharp({ create: { width: 800, height: 600, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();

describe.skipIf(!CHROMIUM)('the handler web app in chromium', () => {
  let s: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    s = await testServer();
    await loadDemoCases(s.engine, s.people, createKnexAttachmentStore((s.fresh.store as unknown as { knex: Parameters<typeof createKnexAttachmentStore>[0] }).knex));
    await s.notifier.dispatcher.runDue();
    server = s.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
    await s?.cleanup();
  });

  const pageAs = (userId: string, width = 1280): Promise<Page> => signedInPage(browser, base, s.tokens[userId]!, width);
  const versionOf = async (id: string) => (await s.engine.getCase(id)).version;

  let caseId = '';

  it('opens a hazard from 新建 with a photo and shows it on the case page', async () => {
    const page = await pageAs('enterprise-officer');
    await shot(page, 'app-01-worklist-1280');
    await page.click('#nav-new');
    await page.waitForURL(`${base}/new`);
    await shot(page, 'app-02-new-1280');
    await page.click('#startable a[href="/new/hazard"] >> nth=0');
    await page.waitForURL(`${base}/new/hazard`);
    // Short fields are single-line inputs, long ones text areas; required ones are marked.
    await expect(page.locator('input#f-start-location').count()).resolves.toBe(1);
    await expect(page.locator('textarea#f-start-description').count()).resolves.toBe(1);
    await expect(page.locator('label[for=f-start-location] .req').count()).resolves.toBe(1);
    await expect(page.locator('#f-start-photos').getAttribute('capture')).resolves.toBe('environment');
    await page.selectOption('#f-start-source', 'selfCheck');
    // A company's own general hazard it fixes itself (16号令 第十五条); one it proposes as major goes to the regulator.
    await page.selectOption('#f-start-proposedGrade', 'major');
    await page.fill('#f-start-location', '清水化工 2号仓库北墙');
    await page.selectOption('#f-start-enterpriseId', 'qingshui-chem');
    await page.fill('#f-start-sector', '危险化学品');
    await page.fill('#f-start-description', '仓库内危险化学品混存，未按禁忌要求分区');
    await page.fill('#f-start-foundAt', '2026-03-01T09:30');
    await page.fill('#f-start-hazardCategory', '危险化学品储存');
    await page.setInputFiles('#f-start-photos', { name: '仓库现场.jpg', mimeType: 'image/jpeg', buffer: await photo(200, 80, 40) });
    await shot(page, 'app-03-new-hazard-1280');
    await page.click('#start-form button[type=submit]');
    await page.waitForURL(/\/cases\/[^/?]+\?done=submit$/);
    caseId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    await expect(page.locator('h1.case-title').textContent()).resolves.toContain('江州清水化工有限公司');
    await expect(page.locator('#state').textContent()).resolves.toBe('已上报');
    const img = page.locator('#data a.file img').first();
    await img.waitFor();
    await expect(img.evaluate((el) => { const i = el as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth > 0 && i.naturalWidth <= 320; })).resolves.toBe(true);
    await page.waitForSelector('#diagram svg', { timeout: 20_000 });
    await shot(page, 'app-04-case-reported-1280');
    // The event recorded the photo's hash, name, type and size.
    const submit = (await s.engine.history(caseId)).find((e) => e.type === 'submit')!;
    expect(String((submit.payload.photos as string[])[0])).toMatch(/^att:[0-9a-f]{64}\?type=image%2Fjpeg&size=\d+&name=/);
    await page.close();
  }, 90_000);

  it('shows the definition\'s guard message after a refused post, keeps the values, and a reload does not post again', async () => {
    const page = await pageAs('township-office');
    await shot(page, 'app-05-worklist-township-1280');
    await expect(page.locator('#worklist').textContent()).resolves.toContain('仓库内危险化学品混存');
    await page.goto(`${base}/cases/${encodeURIComponent(caseId)}`);
    const before = await versionOf(caseId);
    await page.fill('#f-accept-dedupeKey', '清水化工-2号仓库');
    await page.click('form[data-event=accept] button[type=submit]');
    await page.waitForURL(/\?form=/);
    await expect(page.locator('form[data-event=accept] .alert').textContent()).resolves.toContain('须确认属本辖区管辖；不属于的请移交');
    await expect(page.locator('#f-accept-dedupeKey').inputValue()).resolves.toBe('清水化工-2号仓库');
    await shot(page, 'app-06-guard-refused-1280');
    await page.reload();
    await expect(page.locator('form[data-event=accept] .alert').count()).resolves.toBe(1);
    expect(await versionOf(caseId)).toBe(before);
    // 撤回 is not offered to the township; the reporter sees it apart, behind a confirmation (checked below).
    await page.check('#f-accept-jurisdictionConfirmed');
    await page.click('form[data-event=accept] button[type=submit]');
    await page.waitForURL(/done=accept/);
    await expect(page.locator('#done').textContent()).resolves.toContain('受理');
    await page.close();
  }, 60_000);

  it('lets the inspector grade and issue the 整改指令书, printed to PDF', async () => {
    const page = await pageAs('inspector');
    await page.goto(`${base}/cases/${encodeURIComponent(caseId)}`);
    await page.selectOption('#f-grade-grade', 'general');
    await page.fill('#f-grade-responsibleUnit', '江州清水化工有限公司');
    await page.fill('#f-grade-rectificationDeadline', '2026-03-16');
    await page.click('form[data-event=grade] button[type=submit]');
    await page.waitForURL(/done=grade/);
    // No number to type: the order takes the next one of the district's series (the demo sets its prefix).
    await expect(page.locator('#f-issueOrder-orderNo').count()).resolves.toBe(0);
    await page.fill('#f-issueOrder-orderDeadline', '2026-03-16');
    await page.fill('#f-issueOrder-measures', '立即将禁忌物品分区分库存放，设置明显标识，完善出入库管理制度。');
    await page.click('form[data-event=issueOrder] button[type=submit]');
    await page.waitForURL(/done=issueOrder/);
    await expect(page.locator('#state').textContent()).resolves.toBe('整改中');
    await page.click('#print-order');
    await page.waitForURL(/\/documents\/order\/\d+$/);
    await expect(page.locator('#doc-no').textContent()).resolves.toMatch(/^东应急责改〔2026〕\d+号$/);
    await expect(page.locator('#addressee').textContent()).resolves.toBe('江州清水化工有限公司：');
    await shot(page, 'app-07-order-document-1280');
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    fs.writeFileSync(path.join(SHOTS, 'app-07-order-document.pdf'), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
    await page.close();
  }, 60_000);

  it('takes the hazard to its write-off: the enterprise reports with evidence, the inspector re-inspects', async () => {
    const ent = await pageAs('enterprise-officer');
    await ent.goto(`${base}/cases/${encodeURIComponent(caseId)}`);
    await ent.setInputFiles('#f-submitRectification-rectificationEvidence', { name: '整改后.jpg', mimeType: 'image/jpeg', buffer: await photo(60, 160, 60) });
    await ent.fill('#f-submitRectification-rectificationCost', '12000');
    await ent.fill('#f-submitRectification-completedOn', '2026-03-10');
    await ent.fill('#f-submitRectification-rectificationSummary', '已分区分库存放并设置标识。');
    await ent.click('form[data-event=submitRectification] button[type=submit]');
    await ent.waitForURL(/done=submitRectification/);
    await ent.close();
    const ins = await pageAs('inspector');
    await ins.goto(`${base}/cases/${encodeURIComponent(caseId)}`);
    await ins.fill('#f-pass-reinspectionOpinion', '经复查，隐患已消除。');
    await ins.setInputFiles('#f-pass-signatures', { name: '签名.jpg', mimeType: 'image/jpeg', buffer: await photo(230, 230, 230) });
    await ins.click('form[data-event=pass] button[type=submit]');
    await ins.waitForURL(/done=pass/);
    await expect(ins.locator('.meta .tag').last().textContent()).resolves.toBe('已办结');
    await ins.waitForSelector('#diagram svg', { timeout: 20_000 });
    await shot(ins, 'app-08-case-closed-1280');
    await ins.goto(`${base}/cases/${encodeURIComponent(caseId)}/audit?at=2`);
    await shot(ins, 'app-09-audit-1280');
    await ins.goto(`${base}/cases`);
    await shot(ins, 'app-10-cases-1280');
    await ins.goto(`${base}/inbox`);
    await shot(ins, 'app-11-inbox-1280');
    await ins.goto(`${base}/no/such/page`);
    await expect(ins.locator('#not-found').count()).resolves.toBe(1);
    await shot(ins, 'app-12-not-found-1280');
    await ins.close();
  }, 90_000);

  it('fits a 390 px phone: worklist and case page as cards, no horizontal scroll; camera capture on photo fields', async () => {
    const noSideScroll = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
    const page = await pageAs('inspector', 390);
    await expect(noSideScroll(page)).resolves.toBe(true);
    await shot(page, 'app-20-worklist-390');
    await page.goto(`${base}/cases/DEMO-H-0003`);
    await page.waitForSelector('#diagram svg', { timeout: 20_000 });
    await expect(noSideScroll(page)).resolves.toBe(true);
    await shot(page, 'app-21-case-390');
    await page.goto(`${base}/cases`);
    await expect(noSideScroll(page)).resolves.toBe(true);
    await shot(page, 'app-22-cases-390');
    await page.goto(`${base}/cases/${encodeURIComponent(caseId)}/audit`);
    await expect(noSideScroll(page)).resolves.toBe(true);
    await shot(page, 'app-23-audit-390');
    await page.goto(`${base}/inbox`);
    await expect(noSideScroll(page)).resolves.toBe(true);
    await shot(page, 'app-24-inbox-390');
    await page.goto(`${base}/cases/DEMO-H-0003/print/order`);
    await shot(page, 'app-25-order-document-390');
    await page.close();
    const grid = await pageAs('grid-officer', 390);
    await grid.goto(`${base}/new/hazard`);
    await expect(noSideScroll(grid)).resolves.toBe(true);
    await expect(grid.locator('#f-start-photos').getAttribute('capture')).resolves.toBe('environment');
    await shot(grid, 'app-26-new-hazard-390');
    await grid.goto(`${base}/cases/DEMO-H-0001`);
    await expect(noSideScroll(grid)).resolves.toBe(true);
    await expect(grid.locator('#danger form[data-event=cancel]').count()).resolves.toBe(0);
    await shot(grid, 'app-27-case-reported-390');
    await grid.close();
  }, 90_000);
});
