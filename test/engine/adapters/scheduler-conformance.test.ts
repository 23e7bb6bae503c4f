/**
 * The scheduler conformance suite (scheduler-conformance.ts) against the
 * embedded polling scheduler and the BullMQ scheduler, each on SQLite and
 * PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { createBullmqScheduler, createPollingScheduler, type BullmqScheduler } from '../../../engine/index.js';
import { postgresAvailableForSuite, redisAvailableForSuite, redisUrl } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';
import { describeSchedulerConformance, type PolledScheduler } from './scheduler-conformance.js';

const postgres = await postgresAvailableForSuite();
const redis = await redisAvailableForSuite();
const PREFIX = 'duban-test';

const dialects = [
  { dialect: 'SQLite', fresh: freshSqliteStore, enabled: true, shareStore: true },
  { dialect: 'PostgreSQL', fresh: freshPostgresStore, enabled: postgres, shareStore: false },
];

for (const d of dialects) {
  describeSchedulerConformance({
    name: `polling scheduler on ${d.dialect}`,
    enabled: d.enabled,
    fresh: d.fresh,
    shareStore: d.shareStore,
    make: (engine, opts) =>
      createPollingScheduler({
        engine,
        ...(opts.timers ? { store: { timers: opts.timers } } : {}),
        ...(opts.backoffMs ? { pollBackoffMs: opts.backoffMs } : {}),
        ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      }),
    settle: async (schedulers) => {
      await Promise.all(schedulers.map((s) => s.poller.idle()));
    },
  });
}

/** Waits until the pollers are idle and the queue has no job waiting, running or due within a few seconds, twice in a row. */
async function settleQueue(schedulers: PolledScheduler[], queueName: string): Promise<void> {
  const q = new Queue(queueName, { connection: { url: redisUrl() }, prefix: PREFIX });
  try {
    const deadline = Date.now() + 20_000;
    let quiet = 0;
    while (quiet < 2) {
      if (Date.now() > deadline) throw new Error('the queue did not settle');
      await Promise.all(schedulers.map((s) => s.poller.idle()));
      const counts = await q.getJobCounts('wait', 'active', 'prioritized');
      const soon = (await q.getDelayed()).filter((j) => j.timestamp + (j.delay ?? 0) < Date.now() + 5_000);
      quiet = Object.values(counts).every((n) => n === 0) && soon.length === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await q.close();
  }
}

for (const d of dialects) {
  let queueName = `timers-${randomBytes(6).toString('hex')}`;
  describeSchedulerConformance({
    name: `BullMQ scheduler on Redis with ${d.dialect}`,
    enabled: d.enabled && redis,
    fresh: d.fresh,
    shareStore: d.shareStore,
    make: (engine, opts): BullmqScheduler =>
      createBullmqScheduler({
        engine,
        connection: redisUrl(),
        queueName,
        prefix: PREFIX,
        ...(opts.timers ? { store: { timers: opts.timers } } : {}),
        ...(opts.backoffMs ? { sweepBackoffMs: opts.backoffMs } : {}),
        ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      }),
    settle: (schedulers) => settleQueue(schedulers, queueName),
    async cleanup() {
      const q = new Queue(queueName, { connection: { url: redisUrl() }, prefix: PREFIX });
      await q.obliterate({ force: true });
      await q.close();
      queueName = `timers-${randomBytes(6).toString('hex')}`;
    },
  });
}
