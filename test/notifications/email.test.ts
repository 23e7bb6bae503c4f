import { afterEach, describe, expect, it } from 'vitest';
import { harness, inspector, openCase, type Harness } from './support.js';

describe('e-mail through the outbox to a real SMTP server on loopback', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.cleanup();
  });

  it('delivers a committed notification: subject, both bodies, recipients and Chinese text intact', async () => {
    h = await harness();
    const id = await openCase(h);
    await h.engine.send(id, { type: 'assign' }, inspector);
    const d = h.dispatcher();
    expect(await d.runDue()).toBe(1);
    expect(h.smtp.mails).toHaveLength(1);
    const { parsed, envelopeTo } = h.smtp.mails[0]!;
    expect(envelopeTo).toEqual(['li.anquan@qiye.test']);
    expect(parsed.to).toMatchObject({ value: [{ address: 'li.anquan@qiye.test', name: '李安全' }] });
    expect(parsed.from?.value[0]).toMatchObject({ address: 'duban@duban.test', name: '督办系统' });
    expect(parsed.subject).toBe(`【待办】隐患排查治理（测试） ${id}`);
    expect(parsed.html).toContain('<p>李安全，您好：</p>');
    expect(parsed.html).toContain(`「隐患排查治理（测试）」案件 ${id} 已进入“rectifying”环节`);
    expect(parsed.text).toContain('发起人：张检查');
    expect(parsed.text).toContain(`查看案件：https://duban.test/cases/${id}`);
    expect(parsed.headers.get('x-duban-notification')).toBe(`${id}/2/0`);
    expect(await d.stats()).toMatchObject({ sent: 1, pending: 0, dead: 0, unresolved: 0 });
    expect(await d.runDue()).toBe(0);
    expect(h.smtp.mails).toHaveLength(1);
  });

  it('renders for each recipient in their locale', async () => {
    h = await harness();
    const id = await openCase(h);
    await h.engine.send(id, { type: 'describe', payload: { description: '配电房门口堆放易燃物' } }, inspector);
    await h.dispatcher().runDue();
    const byTo = new Map(h.smtp.mails.map((m) => [m.envelopeTo[0], m.parsed]));
    expect(byTo.get('li.anquan@qiye.test')?.subject).toBe(`隐患描述：${id}`);
    expect(byTo.get('tina@regulator.test')?.subject).toBe(`Hazard description: ${id}`);
    expect(byTo.get('tina@regulator.test')?.text).toContain('Hazard: 配电房门口堆放易燃物');
  });

  it('escapes a hazard description with <script> in the HTML body', async () => {
    h = await harness();
    const id = await openCase(h);
    await h.engine.send(id, { type: 'describe', payload: { description: '<script>alert(1)</script>' } }, { ...inspector, name: '<b>张</b>' });
    await h.dispatcher().runDue();
    const mail = h.smtp.mails.find((m) => m.envelopeTo[0] === 'li.anquan@qiye.test')!.parsed;
    expect(mail.html).toContain('隐患描述：&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('经办人：&lt;b&gt;张&lt;/b&gt;');
    expect(mail.html).not.toMatch(/<script|<b>/);
    expect(mail.text).toContain('隐患描述：<script>alert(1)</script>');
  });

  it('retries a server that refuses the first tries, with backoff, and the mail arrives once', async () => {
    h = await harness();
    const id = await openCase(h);
    await h.engine.send(id, { type: 'assign' }, inspector);
    h.smtp.refuseNext(2);
    const d = h.dispatcher({ backoff: (n) => 60_000 * n });
    await d.runDue();
    let [row] = await d.list('pending');
    expect(row).toMatchObject({ attempts: 1, nextAttemptAt: '2026-03-02T02:01:00.000Z', lastError: expect.stringContaining('451') });
    expect(await d.runDue()).toBe(0); // not due yet
    h.clock.advance(60_000);
    await d.runDue();
    [row] = await d.list('pending');
    expect(row).toMatchObject({ attempts: 2, nextAttemptAt: '2026-03-02T02:03:00.000Z' });
    h.clock.advance(120_000);
    await d.runDue();
    expect(h.smtp.refused()).toBe(2);
    expect(h.smtp.mails).toHaveLength(1);
    expect((await d.list('sent'))[0]).toMatchObject({ attempts: 3, lastError: null, sentAt: '2026-03-02T02:03:00.000Z' });
    const deliveries = await h.outbox.deliveries.list(`${id}/2/0`);
    expect(deliveries.map((x) => [x.recipient, x.channel, x.status, x.attempts])).toEqual([['es-1', 'email', 'sent', 3], ['es-1', 'inbox', 'sent', 1]]);
    h.clock.advance(3_600_000);
    await d.runDue();
    expect(h.smtp.mails).toHaveLength(1);
    expect(await h.outbox.inbox.countUnread('es-1')).toBe(1);
  });

  it('does not re-send to recipients who already got it when another recipient failed', async () => {
    h = await harness();
    const id = await openCase(h);
    h.smtp.refuseAlways('tina@regulator.test');
    await h.engine.send(id, { type: 'describe', payload: { description: '通道堵塞' } }, inspector);
    const d = h.dispatcher({ maxAttempts: 3 });
    for (let i = 0; i < 4; i++) {
      await d.runDue();
      h.clock.advance(1_000);
    }
    expect(h.smtp.mails.map((m) => m.envelopeTo[0])).toEqual(['li.anquan@qiye.test']);
    const [dead] = await d.listDead();
    expect(dead).toMatchObject({ id: `${id}/2/0`, status: 'dead', attempts: 3, lastError: expect.stringContaining('email → tip-1: [550]') });
  });

  it('leaves a dead row with the error when the server always refuses, and an admin can retry it', async () => {
    h = await harness();
    const id = await openCase(h);
    h.smtp.refuseAlways('li.anquan@qiye.test');
    await h.engine.send(id, { type: 'assign' }, inspector);
    const d = h.dispatcher({ maxAttempts: 3, channels: [h.email] });
    for (let i = 0; i < 5; i++) {
      await d.runDue();
      h.clock.advance(1_000);
    }
    expect(h.smtp.refused()).toBe(3);
    expect(h.smtp.mails).toHaveLength(0);
    const dead = await d.listDead();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ attempts: 3, lastError: expect.stringMatching(/^email → es-1: \[550\] .*mailbox unavailable/) });
    expect(await d.stats()).toMatchObject({ dead: 1, pending: 0 });

    await expect(d.retryDead(`${id}/no-such`)).rejects.toMatchObject({ code: 'notification_not_found' });
    // The mailbox was fixed: an admin retries the dead row and it is delivered, once.
    h.smtp.unblock('li.anquan@qiye.test');
    await d.retryDead(dead[0]!.id);
    await expect(d.retryDead(dead[0]!.id)).rejects.toMatchObject({ code: 'not_retryable' });
    await d.runDue();
    await d.runDue();
    expect(h.smtp.mails).toHaveLength(1);
    expect(await d.stats()).toMatchObject({ dead: 0, sent: 1 });
  });

  it('mails an address held in a data field and reports a notification nobody can receive as unresolved', async () => {
    h = await harness();
    const id = await openCase(h, { contact: 'reporter@example.test' });
    await h.engine.send(id, { type: 'mailContact' }, inspector);
    await h.engine.send(id, { type: 'nobody' }, inspector);
    const d = h.dispatcher();
    await d.runDue();
    expect(h.smtp.mails.map((m) => m.envelopeTo)).toEqual([['reporter@example.test']]);
    const unresolved = await d.list('unresolved');
    expect(unresolved).toHaveLength(1);
    expect(unresolved[0]).toMatchObject({ id: `${id}/3/0`, lastError: 'nobody holds role countyOffice in org no-such-org' });
    expect(await d.stats()).toMatchObject({ sent: 1, unresolved: 1 });
  });
});
