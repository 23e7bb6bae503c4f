import { afterEach, describe, expect, it } from 'vitest';
import { postgresAvailableForSuite } from '../support/services.js';
import { eventually, harness, inspector, openCase, type Harness } from './support.js';

const withPostgres = await postgresAvailableForSuite();

describe('the outbox dispatcher', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.cleanup();
  });

  it('sends nothing for a step that fails after deciding to notify', async () => {
    h = await harness();
    const id = await openCase(h);
    // `confirm` notifies when taken; its guard refuses ok=false, its input schema refuses a missing `ok`.
    await expect(h.engine.send(id, { type: 'confirm', payload: { ok: false } }, inspector)).rejects.toMatchObject({ code: 'guard_failed' });
    await expect(h.engine.send(id, { type: 'confirm', payload: {} }, inspector)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(h.engine.send(id, { type: 'describe', payload: { description: '' } }, inspector)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await h.outbox.list({ limit: 10 })).toEqual([]);
    const d = h.dispatcher();
    expect(await d.runDue()).toBe(0);
    expect(h.smtp.mails).toHaveLength(0);
    expect(await h.outbox.inbox.list('es-1')).toEqual([]);
    // The same transition with ok=true commits, and its notification goes out.
    await h.engine.send(id, { type: 'confirm', payload: { ok: true } }, inspector);
    expect(await d.runDue()).toBe(1);
    expect(h.smtp.mails).toHaveLength(1);
  });

  it('delivers after a crash between commit and delivery, once: a new dispatcher finds the row', async () => {
    h = await harness();
    const id = await openCase(h);
    await h.engine.send(id, { type: 'assign' }, inspector);
    // No dispatcher ran ("the process died after commit"). A restarted process opens the store and starts one.
    const reopened = h.fresh.reopen();
    try {
      const { createEngine } = await import('../../engine/index.js');
      const { createDispatcher, createKnexOutboxStore } = await import('../../notifications/index.js');
      const { notifyDemo } = await import('./support.js');
      const engine = await createEngine({ store: reopened, clock: h.clock, templates: h.templates, workflows: [notifyDemo] });
      const restarted = createDispatcher({ engine, outbox: createKnexOutboxStore(reopened), directory: h.directory, templates: h.templates, channels: [h.email, h.inbox] });
      await restarted.start();
      await restarted.stop();
      expect(h.smtp.mails).toHaveLength(1);
      expect(h.smtp.mails[0]!.parsed.subject).toContain(id);
      expect(await restarted.runDue()).toBe(0);
      expect(await h.dispatcher().runDue()).toBe(0);
      expect(h.smtp.mails).toHaveLength(1);
      expect(await restarted.stats()).toMatchObject({ sent: 1, pending: 0 });
    } finally {
      await reopened.close();
    }
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    it.skipIf(backend === 'postgres' && !withPostgres)(`takes over a claim whose holder crashed, once it expires, and delivers once (${backend})`, async () => {
      h = await harness({ postgres: backend === 'postgres' });
      const id = await openCase(h);
      await h.engine.send(id, { type: 'assign' }, inspector);
      const [row] = await h.outbox.listDue(h.clock.now().toISOString(), 10);
      // A dispatcher claimed the row for five minutes and died.
      expect(await h.outbox.claim(row!.id, 'crashed', h.clock.now().toISOString(), '2026-03-02T02:05:00.000Z')).toBe(true);
      const other = h.dispatcher({ owner: 'survivor' });
      expect(await other.runDue()).toBe(0);
      expect(await other.deliver(row!.id)).toEqual({ status: 'skipped' });
      expect(await other.stats()).toMatchObject({ sending: 1 });
      h.clock.set('2026-03-02T02:05:00.000Z');
      // Two survivors race for the expired claim: one wins.
      const rival = h.dispatcher({ owner: 'rival' });
      const outcomes = await Promise.all([other.deliver(row!.id), rival.deliver(row!.id)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['sent', 'skipped']);
      expect(h.smtp.mails).toHaveLength(1);
      // The crashed holder cannot release a row it no longer holds.
      expect(await h.outbox.release(row!.id, 'crashed', { status: 'dead', attempts: 9, lastError: 'late' })).toBe(false);
      expect(await h.outbox.get(row!.id)).toMatchObject({ status: 'sent', attempts: 1, claimedBy: null });
    });
  }

  it('leaves confidential fields out of what recipients without the roles receive', async () => {
    h = await harness();
    const id = await openCase(h, { tipsterName: '匿名举报人陈某' });
    await h.engine.send(id, { type: 'describe', payload: { description: '消防通道被占用' } }, inspector);
    await h.dispatcher().runDue();
    const enterprise = h.smtp.mails.find((m) => m.envelopeTo[0] === 'li.anquan@qiye.test')!.parsed;
    const officer = h.smtp.mails.find((m) => m.envelopeTo[0] === 'tina@regulator.test')!.parsed;
    for (const part of [enterprise.subject, enterprise.html, enterprise.text, JSON.stringify(enterprise.headers)]) expect(String(part)).not.toContain('陈某');
    expect(enterprise.text).toContain('隐患描述：消防通道被占用');
    expect(officer.text).toContain('Reported by: 匿名举报人陈某');
  });

  it('polls in-process: start() delivers what is due and wakes early when this process commits a notification', async () => {
    h = await harness();
    const d = h.dispatcher({ pollIntervalMs: 60_000 });
    await d.start();
    const id = await openCase(h);
    const before = Date.now();
    await h.engine.send(id, { type: 'assign' }, inspector);
    await eventually(() => h.smtp.mails.length === 1);
    expect(Date.now() - before).toBeLessThan(5_000);
    await eventually(async () => (await h.outbox.inbox.countUnread('es-1')) === 1);
    await d.stop();
  });

  it('retries a row whose directory lookup throws, and counts rows by status', async () => {
    h = await harness();
    const id = await openCase(h);
    await h.engine.send(id, { type: 'assign' }, inspector);
    let fail = true;
    const flaky = { usersWithRole: (role: string, org: string) => (fail ? Promise.reject(new Error('people database unreachable')) : h.directory.usersWithRole(role, org)), user: h.directory.user };
    const d = h.dispatcher({ directory: flaky });
    await d.runDue();
    expect((await d.list('pending'))[0]).toMatchObject({ attempts: 1, lastError: 'people database unreachable' });
    fail = false;
    h.clock.advance(1_000);
    await d.runDue();
    expect(await d.stats()).toEqual({ pending: 0, sending: 0, sent: 1, dead: 0, unresolved: 0 });
  });
});
