/**
 * The scheduled monthly report in distributed mode: `duban worker` runs it
 * too, and two workers on one PostgreSQL database (and one manual clock)
 * store one report and send one set of mails.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createManualClock } from '../../../engine/index.js';
import { loadConfig } from '../../../server/config.js';
import { openRuntime } from '../../../server/main.js';
import { startWorker, type RunningWorker } from '../../../server/worker.js';
import { startSmtp } from '../../notifications/support.js';
import { postgresAvailableForSuite, postgresUrl, redisAvailableForSuite, redisUrl } from '../../support/services.js';
import { freshPostgresStore } from '../../support/stores.js';

const enabled = (await postgresAvailableForSuite()) && (await redisAvailableForSuite());
const PREFIX = 'duban-test';

describe.skipIf(!enabled)('the monthly report in duban worker (PostgreSQL + Redis)', () => {
  it('is stored once with its hash and mailed once to each recipient by two workers', async () => {
    const fresh = await freshPostgresStore();
    onTestFinished(fresh.cleanup);
    const smtp = await startSmtp();
    onTestFinished(() => smtp.close());
    const id = randomBytes(6).toString('hex');
    const queues = { prefix: PREFIX, timers: `timers-${id}`, notifications: `notifications-${id}` };
    onTestFinished(async () => {
      for (const name of [queues.timers, queues.notifications]) {
        const q = new Queue(name, { connection: { url: redisUrl() }, prefix: PREFIX });
        await q.obliterate({ force: true });
        await q.close();
      }
    });
    const config = loadConfig({
      DATABASE_URL: postgresUrl(), REDIS_URL: redisUrl(), SMTP_URL: smtp.url, DUBAN_PUBLIC_URL: 'https://duban.test', DUBAN_LOG_LEVEL: 'silent',
      DUBAN_MONTHLY_REPORT_TO: 'boss@city.test, office@city.test',
    });
    // 1 March 2026 (a Sunday): February's report falls due on Monday the 2nd, 08:00 Beijing time.
    const clock = createManualClock('2026-03-01T00:00:00.000Z');
    const runtimes = [await openRuntime(config, { store: fresh.reopen(), clock }), await openRuntime(config, { store: fresh.reopen(), clock })];
    await runtimes[0]!.people.addOrg({ id: 'city', name: '示范市', parentId: null, level: 'city', createdAt: '2026-01-01T00:00:00.000Z' });
    const workers: RunningWorker[] = [];
    for (const rt of runtimes) workers.push(await startWorker(rt, { print: () => undefined, installSignals: false, queues }));
    onTestFinished(async () => { await Promise.all(workers.map((w) => w.shutdown('test'))); });
    const idle = () => Promise.all(workers.map((w) => w.reports!.poller.idle()));

    await idle();
    expect(await runtimes[0]!.stats.reports.get('2026-02', 'city')).toBeUndefined();
    clock.set('2026-03-02T00:30:00.000Z');
    await idle();
    await idle();
    const feb = await runtimes[1]!.stats.reports.get('2026-02', 'city');
    expect(feb?.sentAt).not.toBeNull();
    expect(feb!.sha256).toBe(createHash('sha256').update(feb!.xlsx!).digest('hex'));
    expect(await runtimes[0]!.stats.reports.list()).toHaveLength(1);
    expect(smtp.mails.map((m) => m.envelopeTo[0]).sort()).toEqual(['boss@city.test', 'office@city.test']);
    expect(smtp.mails[0]!.parsed.text).toContain('https://duban.test/stats/reports/2026-02?org=city');
    // Later passes (another hour) send nothing more.
    clock.set('2026-03-02T02:00:00.000Z');
    await idle();
    expect(smtp.mails).toHaveLength(2);
  });
});
