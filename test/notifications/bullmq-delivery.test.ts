import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type ManualClock } from '../../engine/index.js';
import { createBullmqDelivery, notificationJobId, type BullmqDelivery, type Dispatcher } from '../../notifications/index.js';
import { redisAvailableForSuite, redisUrl } from '../support/services.js';
import { harness, inspector, type Harness } from './support.js';

const redis = await redisAvailableForSuite();
const PREFIX = 'duban-test';
/** The system clock, shaped like the manual one the harness expects (BullMQ delays run on real time). */
const realClock = { ...systemClock, set: () => {}, advance: () => new Date() } as unknown as ManualClock;

describe.skipIf(!redis)('BullMQ delivery on Redis', () => {
  let h: Harness;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await h?.cleanup();
  });

  let queueName = '';
  /** Waits until the test's queue has no job waiting, running or delayed (every job it was given is done). */
  async function drained(): Promise<void> {
    const q = new Queue(queueName, { connection: { url: redisUrl() }, prefix: PREFIX });
    try {
      await expect.poll(() => q.getJobCounts('wait', 'active', 'delayed', 'prioritized'), { timeout: 10_000, interval: 25 }).toEqual({ wait: 0, active: 0, delayed: 0, prioritized: 0 });
    } finally {
      await q.close();
    }
  }

  function delivery(dispatcher: Dispatcher): BullmqDelivery {
    queueName = `notifications-${randomBytes(6).toString('hex')}`;
    const d = createBullmqDelivery({ dispatcher, connection: redisUrl(), queueName, prefix: PREFIX, sweepIntervalMs: 60_000 });
    cleanups.push(async () => {
      const q = new Queue(queueName, { connection: { url: redisUrl() }, prefix: PREFIX });
      await q.obliterate({ force: true });
      await q.close();
    });
    cleanups.push(() => d.stop());
    return d;
  }

  async function assign(): Promise<string> {
    const { case: c } = await h.engine.createCase({ workflowId: 'notify-demo', org: 'district-a', actor: inspector });
    await h.engine.send(c.id, { type: 'assign' }, inspector);
    return `${c.id}/2/0`;
  }

  it('names jobs after the outbox id, safely for BullMQ', () => {
    expect(notificationJobId('case-1/2/0')).toBe(`n-${Buffer.from('case-1/2/0').toString('base64url')}`);
    expect(notificationJobId('a:b/1/0', 3)).toMatch(/^n-[A-Za-z0-9_-]+-a3$/);
    expect(notificationJobId('x')).not.toContain(':');
  });

  it('delivers a committed notification through the queue once, and a duplicate job is a no-op', async () => {
    h = await harness({ clock: realClock });
    const q = delivery(h.dispatcher());
    await q.start();
    const id = await assign();
    await expect.poll(() => h.smtp.mails.length, { timeout: 10_000, interval: 25 }).toBe(1);
    await q.enqueue(id, new Date().toISOString());
    await q.enqueue(id, new Date().toISOString(), 7);
    await drained(); // both copies ran and found the row sent
    expect(h.smtp.mails).toHaveLength(1);
    expect(await h.outbox.get(id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await h.outbox.inbox.countUnread('es-1')).toBe(1);
  });

  it('re-enqueues pending rows at start-up (committed while no worker ran)', async () => {
    h = await harness({ clock: realClock });
    const ids = [await assign(), await assign()];
    const q = delivery(h.dispatcher());
    await q.start();
    await expect.poll(() => h.smtp.mails.length, { timeout: 10_000, interval: 25 }).toBe(2);
    // The SMTP server has the mails a moment before the dispatcher records them as sent.
    await expect.poll(async () => Promise.all(ids.map(async (id) => (await h.outbox.get(id))?.status)), { timeout: 10_000, interval: 25 }).toEqual(['sent', 'sent']);
  });

  it('schedules a failed attempt as a delayed job and delivers once', async () => {
    h = await harness({ clock: realClock });
    h.smtp.refuseNext(1);
    const q = delivery(h.dispatcher({ backoff: () => 300 }));
    await q.start();
    const id = await assign();
    await expect.poll(() => h.smtp.mails.length, { timeout: 10_000, interval: 25 }).toBe(1);
    expect(h.smtp.refused()).toBe(1);
    await expect.poll(async () => (await h.outbox.get(id))?.status, { timeout: 10_000, interval: 25 }).toBe('sent');
    expect(await h.outbox.get(id)).toMatchObject({ status: 'sent', attempts: 2 });
    await drained(); // no attempt is left to send it again
    expect(h.smtp.mails).toHaveLength(1);
  });
});
