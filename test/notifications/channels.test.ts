import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookChannel, inboxItemId, verifyWebhookSignature } from '../../notifications/index.js';
import { harness, inspector, PEOPLE, type Harness } from './support.js';

interface Hook {
  url: string;
  requests: { headers: http.IncomingHttpHeaders; body: string }[];
  /** Status codes to answer with, in order; 204 once they run out. */
  answers: number[];
  close(): Promise<void>;
}

async function startHook(): Promise<Hook> {
  const requests: Hook['requests'] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 204;
      res.end(res.statusCode >= 300 ? 'busy' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/duban-hook`,
    requests,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('channels', () => {
  let h: Harness;
  let hook: Hook | undefined;
  afterEach(async () => {
    await hook?.close();
    hook = undefined;
    await h?.cleanup();
  });

  it('posts a webhook whose X-Duban-Signature is the HMAC of the body, and retries a non-2xx answer', async () => {
    h = await harness();
    hook = await startHook();
    h.directory.add({ ...PEOPLE[0]!, webhookUrl: hook.url });
    hook.answers.push(503);
    const secret = 's3cret-测试';
    const d = h.dispatcher({ channels: [createWebhookChannel({ secret })] });
    const { case: c } = await h.engine.createCase({ workflowId: 'notify-demo', org: 'district-a', actor: inspector });
    await h.engine.send(c.id, { type: 'assign' }, inspector);
    await h.engine.send(c.id, { type: 'close' }, inspector); // notifies with the default channels (inbox, email): no webhook reaches anyone
    await d.runDue();
    expect((await d.list('pending'))[0]).toMatchObject({ attempts: 1, lastError: expect.stringContaining('answered 503') });
    h.clock.advance(1_000);
    await d.runDue();
    expect(hook.requests).toHaveLength(2);
    const [, ok] = hook.requests;
    expect(ok!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(verifyWebhookSignature(ok!.body, secret, ok!.headers['x-duban-signature'] as string)).toBe(true);
    expect(verifyWebhookSignature(ok!.body + ' ', secret, ok!.headers['x-duban-signature'] as string)).toBe(false);
    expect(verifyWebhookSignature(ok!.body, 'other', ok!.headers['x-duban-signature'] as string)).toBe(false);
    const body = JSON.parse(ok!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ notification: `${c.id}/2/0`, case: c.id, kind: 'actionRequired', template: 'task-assigned', recipient: { id: 'es-1', name: '李安全' }, subject: expect.stringContaining('【待办】') });
    expect(ok!.headers['x-duban-notification']).toBe(`${c.id}/2/0`);
    expect(await d.stats()).toMatchObject({ sent: 1, unresolved: 1 });
    expect((await d.list('unresolved'))[0]?.lastError).toContain('none of inbox, email reaches them');
  });

  it('keeps an inbox per user: unread until read, listed newest first, one item per notification however often delivered', async () => {
    h = await harness();
    const d = h.dispatcher({ channels: [h.inbox] });
    const { case: c } = await h.engine.createCase({ workflowId: 'notify-demo', org: 'district-a', actor: inspector });
    await h.engine.send(c.id, { type: 'assign' }, inspector);
    h.clock.advance(60_000);
    await h.engine.send(c.id, { type: 'close' }, inspector);
    await d.runDue();
    const inbox = h.outbox.inbox;
    const items = await inbox.list('es-1');
    expect(items.map((i) => [i.subject, i.readAt, i.kind])).toEqual([
      [`【已办结】隐患排查治理（测试） ${c.id}`, null, 'closed'],
      [`【待办】隐患排查治理（测试） ${c.id}`, null, 'actionRequired'],
    ]);
    expect(items[1]!.body).toContain('请登录系统签收并及时办理。');
    expect(items[1]!.id).toBe(inboxItemId(`${c.id}/2/0`, 'es-1'));
    expect(await inbox.countUnread('es-1')).toBe(2);
    expect(await inbox.markRead('tip-1', items[1]!.id, '2026-03-02T03:00:00.000Z')).toBe(false); // not theirs
    expect(await inbox.markRead('es-1', items[1]!.id, '2026-03-02T03:00:00.000Z')).toBe(true);
    expect(await inbox.markRead('es-1', items[1]!.id, '2026-03-02T03:01:00.000Z')).toBe(false); // already read
    expect(await inbox.countUnread('es-1')).toBe(1);
    expect((await inbox.list('es-1', { unreadOnly: true })).map((i) => i.id)).toEqual([items[0]!.id]);
    expect((await inbox.list('es-1', { before: { createdAt: items[0]!.createdAt, id: items[0]!.id } })).map((i) => i.readAt)).toEqual(['2026-03-02T03:00:00.000Z']);
    // Delivering the same notification again (a retry after a crash) adds nothing.
    await h.inbox.deliver({ notificationId: `${c.id}/2/0`, caseId: c.id, kind: 'x', template: 'x', subject: 'again', html: '', text: '', ackRequired: false, ackUrl: null, ackDueAt: null, createdAt: '2026-03-02T04:00:00.000Z' }, { key: 'es-1', userId: 'es-1', name: '', locale: 'zh-CN', orgId: null, roles: [], email: null, webhookUrl: null });
    expect(await inbox.list('es-1')).toHaveLength(2);
    expect(await inbox.list('tip-1')).toEqual([]);
  });
});
