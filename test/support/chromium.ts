/**
 * Where the browser tests find Debian's chromium and put their screenshots.
 * Without chromium a browser suite skips (`describe.skipIf(!CHROMIUM)`),
 * unless DUBAN_REQUIRE_SERVICES=1, where importing this module fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { servicesRequired } from './services.js';

export const CHROMIUM: string | undefined = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
if (!CHROMIUM && servicesRequired()) throw new Error('DUBAN_REQUIRE_SERVICES=1 but chromium is not installed (apt-get install chromium)');

/** Screenshots of the browser tests (looked at before a change lands). */
export const SHOTS = path.resolve('test-results/screenshots');

/** Launches Debian's chromium headless as the browser suites need it (root in a container: no sandbox). */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Signs `page` in at `base` with a bearer token, through the login form as a user would. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
}

/** A full-page screenshot into {@link SHOTS}, named `<name>.png`. */
export function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** A new page signed in at `base` with `token`, on the worklist; `width` 390 lays it out as a phone. */
export async function signedInPage(browser: Browser, base: string, token: string, width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 900 }, locale: 'zh-CN', deviceScaleFactor: 1 });
  await signIn(page, base, token);
  await page.waitForURL(`${base}/tasks`);
  return page;
}
