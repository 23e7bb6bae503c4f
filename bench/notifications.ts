/**
 * Notification benchmark: e-mails delivered per second to a loopback SMTP
 * server (`smtp-server` on 127.0.0.1) through the outbox and the dispatcher,
 * beside nodemailer sending the same messages straight to the same server in
 * the same run, and the ratio.
 *
 * Method: N notifications (`BENCH_NOTIFICATIONS`, default 1,000), in interleaved rounds (medians). The outbox
 * run commits N steps on a SQLite store (one `notify` effect each, to one
 * user by e-mail; not timed), then times a dispatcher from
 * `runDue()` until the server has accepted N mails: claiming each row,
 * resolving the recipient, rendering the template (zh-CN), sending through
 * the e-mail channel, recording the delivery and releasing the row. The
 * baseline renders the same N messages up front and hands them to one pooled
 * nodemailer transport (same pool size) at once, after 50 warm-up mails;
 * the outbox path is warmed with 50 mails too.
 * Both talk to one server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createEngine, createKnexStore, defineWorkflow } from '../engine/index.js';
import { fmt, interleaved, result, ROUNDS, size, type BenchResult } from './lib.js';
import { createDispatcher, createEmailChannel, createKnexOutboxStore, createMemoryDirectory, createTemplateCatalog, type TemplateContext } from '../notifications/index.js';

const N = size('BENCH_NOTIFICATIONS', 1_000, 100);
const POOL = Number(process.env.BENCH_NOTIFICATIONS_POOL ?? 5);
const CONCURRENCY = Number(process.env.BENCH_NOTIFICATIONS_CONCURRENCY ?? 8);
const FROM = '"督办系统" <duban@bench.test>';

const workflow = defineWorkflow({
  id: 'bench-notify',
  version: 1,
  title: { zh: '隐患排查治理', en: 'Hazard' },
  roles: ['clerk', 'enterpriseSafetyOfficer'],
  initial: 'open',
  states: {
    open: {
      on: {
        assign: { roles: ['clerk'], notify: [{ template: 'task-assigned', kind: 'actionRequired', to: [{ user: 'es-1' }], channels: ['email'] }] },
        close: { target: 'closed', roles: ['clerk'] },
      },
    },
    closed: { type: 'final' },
  },
});
const actor = { id: 'clerk-1', roles: ['clerk'], org: 'bench-org', name: '张检查' };
const user = { id: 'es-1', name: '李安全', orgId: 'bench-org', roles: ['enterpriseSafetyOfficer'], email: 'li.anquan@qiye.test', locale: 'zh-CN' };

/** A loopback SMTP server that counts accepted mails and resolves when it has `target` of them. */
async function startServer(): Promise<{ url: string; received: () => number; waitFor(target: number): Promise<void>; close(): Promise<void> }> {
  let count = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        count++;
        callback();
        if (waiter && count >= waiter.target) waiter.resolve();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => count,
    waitFor: (target) => (count >= target ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { target, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The baseline: the same messages, rendered up front, straight through one pooled transport. */
async function direct(server: Awaited<ReturnType<typeof startServer>>, messages: Array<{ subject: string; html: string; text: string }>): Promise<number> {
  const transport = nodemailer.createTransport({ url: server.url, pool: true, maxConnections: POOL } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    // Warm up the transport's connections before it is timed.
    await Promise.all(messages.slice(0, 50).map((m) => transport.sendMail({ from: FROM, to: user.email, subject: m.subject, html: m.html, text: m.text })));
    const t0 = performance.now();
    await Promise.all(messages.map((m) => transport.sendMail({ from: FROM, to: { name: user.name, address: user.email }, subject: m.subject, html: m.html, text: m.text })));
    return N / ((performance.now() - t0) / 1000);
  } finally {
    transport.close();
  }
}

/** Through the outbox: N committed steps (not timed), then the dispatcher delivers them (timed). */
async function outbox(server: Awaited<ReturnType<typeof startServer>>, file: string, templates: ReturnType<typeof createTemplateCatalog>, n = N): Promise<number> {
  const store = createKnexStore({ sqliteFile: file });
  const email = createEmailChannel({ url: server.url, from: FROM, maxConnections: POOL });
  try {
    await store.migrate();
    const engine = await createEngine({ store, templates, workflows: [workflow] });
    const { case: c } = await engine.createCase({ workflowId: 'bench-notify', org: 'bench-org', actor });
    for (let i = 0; i < n; i++) await engine.send(c.id, { type: 'assign' }, actor);
    const dispatcher = createDispatcher({ engine, outbox: createKnexOutboxStore(store), directory: createMemoryDirectory([user]), templates, channels: [email], concurrency: CONCURRENCY });
    const before = server.received();
    const t0 = performance.now();
    await dispatcher.runDue();
    await server.waitFor(before + n);
    const perSec = n / ((performance.now() - t0) / 1000);
    const stats = await dispatcher.stats();
    if (stats.sent !== n) throw new Error(`expected ${n} sent, got ${stats.sent} (dead ${stats.dead}, pending ${stats.pending})`);
    return perSec;
  } finally {
    await email.close?.();
    await store.close();
  }
}

export async function main(): Promise<BenchResult[]> {
  const server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-notify-'));
  const templates = createTemplateCatalog();
  try {
    const context = (i: number): TemplateContext => ({
      case: { id: `case-${i}`, org: 'bench-org', workflowId: 'bench-notify', workflowTitle: { zh: '隐患排查治理', en: 'Hazard' }, state: 'open', seq: 2, link: '' },
      data: {},
      event: { type: 'assign', actorId: actor.id, actorName: actor.name },
      recipient: { id: user.id, name: user.name, locale: 'zh-CN', org: user.orgId, roles: user.roles },
      notification: { id: `case-${i}/2/0`, kind: 'actionRequired', ackUrl: null, ackDueAt: null },
      app: { name: '督办', url: 'http://localhost:3000' },
    });
    const messages = Array.from({ length: N }, (_, i) => templates.render('task-assigned', 'zh-CN', context(i)));
    let round = 0;
    // Warm the outbox path (dispatcher, channel, templates, JIT) as the baseline warms its transport.
    await outbox(server, join(dir, 'warm.sqlite'), templates, 50);
    const m = await interleaved(ROUNDS, {
      direct: () => direct(server, messages),
      outbox: () => outbox(server, join(dir, `duban-${round++}.sqlite`), templates),
    });
    return [
      result('notifications, outbox + dispatcher (e-mail)', m.outbox, 'mails/s', { name: 'nodemailer direct, same server and pool', value: m.direct }, `${fmt(N)} e-mails to a loopback smtp-server, pool ${POOL}, dispatcher concurrency ${CONCURRENCY}, SQLite; the commits that wrote the outbox rows are not timed; median of ${ROUNDS} interleaved rounds`),
    ];
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
