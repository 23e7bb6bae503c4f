/**
 * What the notification tests share: a real SMTP server on loopback
 * (`smtp-server`, port 0) that parses every mail it accepts with `mailparser`
 * and can refuse the first N tries; a small workflow that notifies; a
 * directory of people; and an engine + dispatcher on a fresh store.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createEngine, createManualClock, defineWorkflow, type Engine, type KnexStore, type ManualClock } from '../../engine/index.js';
import {
  BUILTIN_TEMPLATE_DIR,
  createDispatcher,
  createEmailChannel,
  createKnexOutboxStore,
  createInboxChannel,
  createMemoryDirectory,
  createTemplateCatalog,
  type Channel,
  type Dispatcher,
  type DispatcherOptions,
  type NotificationTemplates,
  type OutboxStore,
  type User,
} from '../../notifications/index.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../support/stores.js';

/** Templates only the tests use: they read `data.*`, which the generic ones never do. */
export const TEST_TEMPLATE_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

/** A mail as the SMTP server received it. */
export interface ReceivedMail {
  envelopeTo: string[];
  parsed: ParsedMail;
}

/** A loopback SMTP server for one test. */
export interface TestSmtp {
  url: string;
  mails: ReceivedMail[];
  /** Refuse this many of the next RCPT TO commands (451) and count them. */
  refuseNext(n: number, code?: number): void;
  /** Refuse every RCPT TO for this address (550). */
  refuseAlways(address: string): void;
  unblock(address: string): void;
  refused: () => number;
  close(): Promise<void>;
}

/** Starts an SMTP server on 127.0.0.1, port 0, with no TLS and no authentication. */
export async function startSmtp(): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  let toRefuse = 0;
  let refuseCode = 451;
  let refusedCount = 0;
  const blocked = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const refuse = (code: number, text: string) => {
        refusedCount++;
        const err = Object.assign(new Error(text), { responseCode: code });
        callback(err);
      };
      if (blocked.has(address.address.toLowerCase())) return refuse(550, 'mailbox unavailable');
      if (toRefuse > 0) {
        toRefuse--;
        return refuse(refuseCode, 'try again later');
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks))
          .then((parsed) => {
            mails.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuseNext(n, code = 451) {
      toRefuse = n;
      refuseCode = code;
    },
    refuseAlways: (address) => void blocked.add(address.toLowerCase()),
    unblock: (address) => void blocked.delete(address.toLowerCase()),
    refused: () => refusedCount,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The people of the tests, all in `district-a`. */
export const PEOPLE: User[] = [
  { id: 'es-1', name: '李安全', orgId: 'district-a', roles: ['enterpriseSafetyOfficer'], email: 'li.anquan@qiye.test', locale: 'zh-CN' },
  { id: 'tip-1', name: 'Tina Officer', orgId: 'district-a', roles: ['tipOffOfficer'], email: 'tina@regulator.test', locale: 'en' },
  { id: 'grid-1', name: '王网格', orgId: 'district-a', roles: ['gridOfficer'], email: 'wang.wangge@jiedao.test', locale: 'zh-CN' },
  { id: 'town-1', name: '赵镇长', orgId: 'district-a', roles: ['townshipHead'], email: 'zhao@zhen.test', locale: 'zh-CN' },
  { id: 'county-1', name: '县安委办值班室', orgId: 'district-a', roles: ['countyOffice'], email: 'duty@county.test', locale: 'zh-CN' },
  { id: 'insp-1', name: '张检查', orgId: 'district-a', roles: ['inspector'], email: 'zhang@regulator.test', locale: 'zh-CN' },
];

export const inspector = { id: 'insp-1', roles: ['inspector'], org: 'district-a', name: '张检查' };

/** A hazard-like workflow whose transitions notify in the ways the tests need. */
export const notifyDemo = defineWorkflow({
  id: 'notify-demo',
  version: 1,
  title: { zh: '隐患排查治理（测试）', en: 'Hazard (test)' },
  roles: ['inspector', 'enterpriseSafetyOfficer', 'tipOffOfficer', 'gridOfficer', 'townshipHead', 'countyOffice'],
  data: {
    type: 'object',
    properties: {
      description: { type: 'string' },
      tipsterName: { type: 'string', confidential: ['tipOffOfficer'] },
      contact: { type: 'string' },
    },
  },
  initial: 'reported',
  states: {
    reported: {
      on: {
        assign: { target: 'rectifying', roles: ['inspector'], notify: [{ template: 'task-assigned', kind: 'actionRequired', to: [{ role: 'enterpriseSafetyOfficer' }], channels: ['email', 'inbox', 'webhook'] }] },
        describe: {
          roles: ['inspector'],
          input: { type: 'object', properties: { description: { type: 'string', minLength: 1 } }, required: ['description'] },
          assign: ['description'],
          notify: [{ template: 'hazard-described', to: [{ role: 'enterpriseSafetyOfficer' }, { role: 'tipOffOfficer' }], channels: ['email'] }],
        },
        mailContact: { roles: ['inspector'], notify: [{ template: 'case-closed', to: [{ field: 'contact' }], channels: ['email', 'inbox'] }] },
        nobody: { roles: ['inspector'], notify: [{ template: 'case-closed', to: [{ role: 'countyOffice', org: 'no-such-org' }] }] },
        confirm: {
          target: 'rectifying',
          roles: ['inspector'],
          input: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
          guard: { '==': [{ var: 'payload.ok' }, true] },
          notify: [{ template: 'task-assigned', to: [{ role: 'enterpriseSafetyOfficer' }], channels: ['email', 'inbox'] }],
        },
        warn: {
          roles: ['inspector'],
          notify: [{ template: 'acknowledged-warning', kind: 'acknowledgedWarning', to: [{ role: 'gridOfficer' }], channels: ['inbox', 'email'], ack: { within: 'PT30M', chain: [[{ role: 'townshipHead' }], [{ role: 'countyOffice' }]] } }],
        },
      },
    },
    rectifying: { on: { close: { target: 'closed', roles: ['inspector'], notify: [{ template: 'case-closed', kind: 'closed', to: [{ role: 'enterpriseSafetyOfficer' }] }] } } },
    closed: { type: 'final' },
  },
});

/** Everything a dispatcher test needs, disposed of by `cleanup`. */
export interface Harness {
  fresh: FreshStore;
  store: KnexStore;
  /** The outbox, inbox and acknowledgements on the store's database. */
  outbox: OutboxStore;
  engine: Engine;
  clock: ManualClock;
  templates: NotificationTemplates;
  directory: ReturnType<typeof createMemoryDirectory>;
  smtp: TestSmtp;
  inbox: Channel;
  email: Channel;
  /** A dispatcher with the inbox and e-mail channels (and `extra`), tiny backoff unless overridden. */
  dispatcher(extra?: Partial<DispatcherOptions>): Dispatcher;
  cleanup(): Promise<void>;
}

export async function harness(opts: { postgres?: boolean; clock?: ManualClock } = {}): Promise<Harness> {
  const fresh = opts.postgres ? await freshPostgresStore() : await freshSqliteStore();
  const store = fresh.store;
  const clock = opts.clock ?? createManualClock('2026-03-02T02:00:00.000Z');
  const templates = createTemplateCatalog({ dirs: [BUILTIN_TEMPLATE_DIR, TEST_TEMPLATE_DIR] });
  const engine = await createEngine({ store, clock, templates, workflows: [notifyDemo] });
  const directory = createMemoryDirectory(PEOPLE);
  const smtp = await startSmtp();
  const email = createEmailChannel({ url: smtp.url, from: '"督办系统" <duban@duban.test>' });
  const outbox = createKnexOutboxStore(store);
  const inbox = createInboxChannel(outbox.inbox);
  const dispatchers: Dispatcher[] = [];
  return {
    fresh, store, outbox, engine, clock, templates, directory, smtp, inbox, email,
    dispatcher(extra = {}) {
      const d = createDispatcher({ engine, outbox, directory, templates, channels: [inbox, email], backoff: () => 1_000, app: { name: '督办', url: 'https://duban.test' }, ...extra });
      dispatchers.push(d);
      return d;
    },
    async cleanup() {
      for (const d of dispatchers) await d.stop();
      await email.close?.();
      await smtp.close();
      await fresh.cleanup();
    },
  };
}

export const here = path.dirname(fileURLToPath(import.meta.url));

/** Opens a `notify-demo` case in district-a as the inspector; returns its id. */
export async function openCase(h: Harness, data: Record<string, unknown> = {}): Promise<string> {
  const { case: c } = await h.engine.createCase({ workflowId: 'notify-demo', org: 'district-a', data, actor: inspector });
  return c.id;
}
