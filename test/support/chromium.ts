/**
 * Where the browser tests find Debian's chromium and put their screenshots.
 * Without chromium a browser suite skips (`describe.skipIf(!CHROMIUM)`),
 * unless DUBAN_REQUIRE_SERVICES=1, where importing this module fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { servicesRequired } from './services.js';

export const CHROMIUM: string | undefined = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
if (!CHROMIUM && servicesRequired()) throw new Error('DUBAN_REQUIRE_SERVICES=1 but chromium is not installed (apt-get install chromium)');

/** Screenshots of the browser tests (looked at before a change lands). */
export const SHOTS = path.resolve('test-results/screenshots');
