/**
 * The distributed mode on the machine's PostgreSQL and Redis: `duban serve`
 * (REDIS_URL set) only arms BullMQ jobs, and a `duban worker` on the same
 * database and Redis delivers the notifications (and acknowledgements made
 * through the server stop their warning). Both run in-process here, each on
 * its own store connection, as two processes would.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { openRuntime } from '../../server/main.js';
import { startServer, type RunningServer } from '../../server/serve.js';
import { startWorker, type RunningWorker } from '../../server/worker.js';
import { eventually, startSmtp, type TestSmtp } from '../notifications/support.js';
import { postgresAvailableForSuite, postgresUrl, redisAvailableForSuite, redisUrl } from '../support/services.js';
import { freshPostgresStore, type FreshStore } from '../support/stores.js';
import { alertWorkflow } from './support.js';

const enabled = (await postgresAvailableForSuite()) && (await redisAvailableForSuite());
const PREFIX = 'duban-test';

describe.skipIf(!enabled)('distributed mode (PostgreSQL + Redis)', () => {
  let fresh: FreshStore | undefined;
  let smtp: TestSmtp | undefined;
  let server: RunningServer | undefined;
  let worker: RunningWorker | undefined;
  let queues: { prefix: string; timers: string; notifications: string } | undefined;
  afterEach(async () => {
    await server?.shutdown('test');
    await worker?.shutdown('test');
    for (const name of queues ? [queues.timers, queues.notifications] : []) {
      const q = new Queue(name, { connection: { url: redisUrl() }, prefix: PREFIX });
      await q.obliterate({ force: true });
      await q.close();
    }
    await smtp?.close();
    await fresh?.cleanup();
  });

  it('serve arms jobs, a worker delivers them; an acknowledgement through the server is recorded', async () => {
    fresh = await freshPostgresStore();
    smtp = await startSmtp();
    const id = randomBytes(6).toString('hex');
    queues = { prefix: PREFIX, timers: `timers-${id}`, notifications: `notifications-${id}` };
    const config = loadConfig({ PORT: '0', DATABASE_URL: postgresUrl(), REDIS_URL: redisUrl(), SMTP_URL: smtp.url, DUBAN_PUBLIC_URL: 'https://duban.test', DUBAN_LOG_LEVEL: 'silent' });
    const serverLines: string[] = [];
    const workerLines: string[] = [];
    server = await startServer(await openRuntime(config, { store: fresh.reopen() }), { print: (l) => serverLines.push(l), installSignals: false, queues });
    expect(server.mode).toBe('distributed');
    expect(serverLines).toContainEqual(expect.stringContaining('Mode: distributed'));

    const token = (user: string) => serverLines.find((l) => l.trimStart().startsWith(`${user} `))!.trim().split(/\s+/).pop()!;
    const call = async (user: string, method: string, url: string, body?: unknown) => {
      const res = await fetch(`${server!.url}${url}`, { method, headers: { Authorization: `Bearer ${token(user)}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    expect((await call('admin', 'POST', '/api/v1/workflows', alertWorkflow)).status).toBe(201);
    const opened = await call('inspector', 'POST', '/api/v1/cases', { workflowId: 'alert', org: 'donghu-qingshui-g1' });
    const caseId = opened.body.case.id as string;
    expect((await call('inspector', 'POST', `/api/v1/cases/${caseId}/events`, { type: 'warn' })).status).toBe(200);

    // Committed before any worker runs: the job waits in Redis (and the row in PostgreSQL).
    const waiting = new Queue(queues.notifications, { connection: { url: redisUrl() }, prefix: PREFIX });
    await expect.poll(() => waiting.getJobCounts('wait', 'delayed'), { timeout: 5_000, interval: 25 }).toEqual({ wait: 1, delayed: 0 });
    await waiting.close();
    expect(smtp.mails).toHaveLength(0);

    worker = await startWorker(await openRuntime(config, { store: fresh.reopen() }), { print: (l) => workerLines.push(l), installSignals: false, queues, metricsPort: 0 });
    expect(workerLines).toContainEqual(expect.stringContaining(`queue ${queues.notifications}`));
    await eventually(() => smtp!.mails.length === 1, 15_000);
    expect(smtp.mails[0]!.envelopeTo).toEqual(['grid-officer@example.test']);
    expect(smtp.mails[0]!.parsed.subject).toBe(`【预警·请立即确认】安全提醒 ${caseId}`);

    const notificationId = `${caseId}/2/0`;
    const ack = await call('grid-officer', 'POST', `/api/v1/notifications/${encodeURIComponent(notificationId)}/ack`, {});
    expect(ack).toMatchObject({ status: 200, body: { notificationId, recorded: true } });
    const history = await call('inspector', 'GET', `/api/v1/cases/${caseId}/history`);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual(['case.created', 'warn', 'notification.acknowledged']);

    const metrics = await (await fetch(`${worker.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/duban_notifications_delivered_total\{channel="email",outcome="sent"\} 1/);
  });
});
