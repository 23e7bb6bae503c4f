/**
 * The printable documents in a real browser: a 督办函 signed by the city's
 * committee leader and the 结案报告 of a written-off hazard, opened from their
 * case pages, printed to PDF by chromium and shown at 1280 and 390 px
 * (no sideways scrolling). Screenshots go to `test-results/screenshots/`.
 *
 * Without chromium the suite is skipped, unless DUBAN_REQUIRE_SERVICES=1.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../engine/index.js';
import { createKnexAttachmentStore } from '../../server/attachments.js';
import { loadDemoCases } from '../../server/demo-cases.js';
import { createUser } from '../../server/people.js';
import { setDocNumberPrefix } from '../../server/doc-numbers.js';
import { supervisionAssignmentWorkflow, supervisionLetterWorkflow } from '../../workflows/index.js';
import { testServer, type TestServer } from './support.js';
import { CHROMIUM, SHOTS, launchChromium, shot, signedInPage } from '../support/chromium.js';


describe.skipIf(!CHROMIUM)('printable documents in chromium', () => {
  let s: TestServer;
  let server: Server;
  let base: string;
  let browser: Browser;
  let letterId = '';

  beforeAll(async () => {
    browser = await launchChromium();
    s = await testServer('sqlite', { workflows: [supervisionAssignmentWorkflow, supervisionLetterWorkflow] });
    const knex = (s.fresh.store as unknown as { knex: Parameters<typeof createKnexAttachmentStore>[0] }).knex;
    await loadDemoCases(s.engine, s.people, createKnexAttachmentStore(knex));
    await createUser(s.people, s.clock, { id: 'city-reviewer', name: '何审', orgId: 'jiangzhou', roles: ['regulatorReviewer'] });
    const actor = async (id: string): Promise<Actor> => {
      const u = (await s.people.getUser(id))!;
      return { id: u.id, roles: u.roles, org: u.orgId, name: u.name };
    };
    const day = (n: number) => new Date(s.clock.now().getTime() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10);
    const office = await actor('committee-office');
    // The letter's 文号 comes from the office's series when it is signed.
    await setDocNumberPrefix(s.fresh.store as unknown as Parameters<typeof setDocNumberPrefix>[0], { org: 'jiangzhou', series: 'supervisionLetter', prefix: '江安委办督', setBy: 'admin', at: s.clock.now().toISOString() });
    const { case: c } = await s.engine.createCase({ workflowId: 'supervision-letter', org: 'jiangzhou', actor: office });
    letterId = c.id;
    await s.engine.send(c.id, {
      type: 'submitDraft',
      payload: {
        title: '关于督促整改粉尘涉爆重大事故隐患的函', basis: '《中华人民共和国安全生产法》第六十五条',
        matters: '对辖区粉尘涉爆企业除尘系统逐一排查，建立隐患清单，明确整改责任人、措施、资金、时限和预案，限期报送整改情况。', deadline: day(20),
        replyFormat: '书面回复，加盖公章，一事一报', contact: '安委办 李督 0791-88880000', urgency: 'urgent',
        units: [{ org: 'donghu', name: '东湖区人民政府', lead: true }, { org: 'xishan', name: '西山区人民政府', lead: false }],
      },
    }, office);
    await s.engine.send(c.id, { type: 'approveDraft', payload: {} }, await actor('city-reviewer'));
    await s.engine.send(c.id, { type: 'sign', payload: { signatory: '王主任', issueDate: day(0) } }, await actor('committee-leader'));
    server = s.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
    await s?.cleanup();
  });

  const pageAs = (userId: string, width = 1280): Promise<Page> => signedInPage(browser, base, s.tokens[userId]!, width);
  const noSideScroll = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');

  it('opens the 督办函 from its case page and prints it to PDF', async () => {
    const page = await pageAs('committee-office');
    await page.goto(`${base}/cases/${encodeURIComponent(letterId)}`);
    await page.click('#print-letter');
    await page.waitForURL(/\/documents\/letter\/\d+$/);
    await expect(page.locator('#doc-no').textContent()).resolves.toMatch(/^江安委办督〔\d{4}〕1号$/);
    await expect(page.locator('#addressee').textContent()).resolves.toBe('东湖区人民政府、西山区人民政府：');
    await expect(page.locator('#doc-note').textContent()).resolves.toContain('与现存文本一致');
    await shot(page, 'doc-01-letter-1280');
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    fs.writeFileSync(path.join(SHOTS, 'doc-01-letter.pdf'), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  }, 60_000);

  it('shows the 结案报告 of a written-off hazard, and both documents fit a 390 px phone', async () => {
    const page = await pageAs('inspector');
    await page.goto(`${base}/cases/DEMO-H-0005`);
    await page.click('#print-closing-report');
    await page.waitForURL(/\/documents\/closing-report\/\d+$/);
    await expect(page.locator('#doc-title').textContent()).resolves.toMatch(/^关于.+的结案报告$/);
    await shot(page, 'doc-02-closing-report-1280');
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    fs.writeFileSync(path.join(SHOTS, 'doc-02-closing-report.pdf'), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
    const phone = await pageAs('inspector', 390);
    await phone.goto(`${base}/cases/DEMO-H-0005`);
    await phone.click('#print-closing-report');
    await phone.waitForURL(/\/documents\/closing-report\/\d+$/);
    await expect(noSideScroll(phone)).resolves.toBe(true);
    await shot(phone, 'doc-03-closing-report-390');
    await phone.close();
    const office = await pageAs('committee-office', 390);
    await office.goto(`${base}/cases/${encodeURIComponent(letterId)}`);
    await office.click('#print-letter');
    await office.waitForURL(/\/documents\/letter\/\d+$/);
    await expect(noSideScroll(office)).resolves.toBe(true);
    await shot(office, 'doc-04-letter-390');
    await office.close();
  }, 90_000);
});
