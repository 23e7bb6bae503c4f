/**
 * Notification benchmark: e-mails delivered per second to a loopback SMTP
 * server (`smtp-server` on 127.0.0.1) through the outbox and the dispatcher,
 * beside nodemailer sending the same messages straight to the same server in
 * the same run, and the ratio.
 *
 * Method: N notifications (`BENCH_NOTIFICATIONS`, default 2,000). The outbox
 * run commits N steps on a SQLite store (one `notify` effect each, to one
 * user by e-mail; not timed, reported apart), then times a dispatcher from
 * `runDue()` until the server has accepted N mails: claiming each row,
 * resolving the recipient, rendering the template (zh-CN), sending through
 * the e-mail channel, recording the delivery and releasing the row. The
 * baseline renders the same N messages up front and hands them to one pooled
 * nodemailer transport (same pool size) at once, after 50 warm-up mails.
 * Both talk to one server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createEngine, createKnexStore, defineWorkflow } from '../engine/index.js';
import { createDispatcher, createEmailChannel, createKnexOutboxStore, createMemoryDirectory, createTemplateCatalog, type TemplateContext } from '../notifications/index.js';

const N = Number(process.env.BENCH_NOTIFICATIONS ?? 2_000);
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

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

export async function main(): Promise<void> {
  const server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'duban-bench-notify-'));
  const templates = createTemplateCatalog();
  try {
    // Baseline: the same messages, rendered up front, straight through one pooled transport.
    const context = (i: number): TemplateContext => ({
      case: { id: `case-${i}`, org: 'bench-org', workflowId: 'bench-notify', workflowTitle: { zh: '隐患排查治理', en: 'Hazard' }, state: 'open', seq: 2, link: '' },
      data: {},
      event: { type: 'assign', actorId: actor.id, actorName: actor.name },
      recipient: { id: user.id, name: user.name, locale: 'zh-CN', org: user.orgId, roles: user.roles },
      notification: { id: `case-${i}/2/0`, kind: 'actionRequired', ackUrl: null, ackDueAt: null },
      app: { name: '督办', url: 'http://localhost:3000' },
    });
    const messages = Array.from({ length: N }, (_, i) => templates.render('task-assigned', 'zh-CN', context(i)));
    const transport = nodemailer.createTransport({ url: server.url, pool: true, maxConnections: POOL } as Parameters<typeof nodemailer.createTransport>[0]);
    // Warm up the server, the transport and the JIT before either run is timed.
    await Promise.all(messages.slice(0, 50).map((m) => transport.sendMail({ from: FROM, to: user.email, subject: m.subject, html: m.html, text: m.text })));
    let t0 = performance.now();
    await Promise.all(messages.map((m) => transport.sendMail({ from: FROM, to: { name: user.name, address: user.email }, subject: m.subject, html: m.html, text: m.text })));
    const directMs = performance.now() - t0;
    transport.close();

    // Through the outbox: N committed steps, then the dispatcher delivers them.
    const store = createKnexStore({ sqliteFile: join(dir, 'duban.sqlite') });
    await store.migrate();
    const engine = await createEngine({ store, templates, workflows: [workflow] });
    const { case: c } = await engine.createCase({ workflowId: 'bench-notify', org: 'bench-org', actor });
    t0 = performance.now();
    for (let i = 0; i < N; i++) await engine.send(c.id, { type: 'assign' }, actor);
    const commitMs = performance.now() - t0;
    const email = createEmailChannel({ url: server.url, from: FROM, maxConnections: POOL });
    const dispatcher = createDispatcher({ engine, outbox: createKnexOutboxStore(store), directory: createMemoryDirectory([user]), templates, channels: [email], concurrency: CONCURRENCY });
    const before = server.received();
    t0 = performance.now();
    await dispatcher.runDue();
    await server.waitFor(before + N);
    const outboxMs = performance.now() - t0;
    const stats = await dispatcher.stats();
    await email.close?.();
    await store.close();

    const direct = N / (directMs / 1000);
    const outbox = N / (outboxMs / 1000);
    console.log(`N = ${fmt(N)} e-mails, one recipient each, loopback smtp-server, pool ${POOL}, dispatcher concurrency ${CONCURRENCY}, SQLite`);
    console.log(`nodemailer direct        ${fmt(direct)} mails/s   (${fmt(directMs)} ms)`);
    console.log(`outbox + dispatcher      ${fmt(outbox)} mails/s   (${fmt(outboxMs)} ms; sent ${fmt(stats.sent)}, dead ${stats.dead}, pending ${stats.pending})`);
    console.log(`ratio outbox / direct    ${(outbox / direct).toFixed(2)}`);
    console.log(`(committing the ${fmt(N)} steps that wrote the outbox rows: ${fmt(N / (commitMs / 1000))} steps/s, not included above)`);
    if (stats.sent !== N) throw new Error(`expected ${N} sent, got ${stats.sent}`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
