/**
 * The notification dispatcher as the server and the worker run it: the
 * channels the configuration enables, the people directory, the templates,
 * the public URL for links, logs and metrics.
 *
 * - inbox: always (it needs nothing but the database);
 * - e-mail: when `SMTP_URL` is set, sent `From: DUBAN_MAIL_FROM`;
 * - webhook: when `DUBAN_WEBHOOK_SECRET` is set (an unsigned webhook could be
 *   forged by anyone who can reach the receiver, so none are sent without it).
 *
 * Nothing runs until the caller starts the dispatcher (embedded) or hands it
 * to a BullMQ delivery (distributed).
 */
import {
  createDispatcher,
  createEmailChannel,
  createInboxChannel,
  createWebhookChannel,
  type AppInfo,
  type Channel,
  type ChannelName,
  type Dispatcher,
  type DispatcherOptions,
  type NotificationLogger,
  type NotificationTemplates,
  type OutboxStore,
} from '../notifications/index.js';
import type { Engine } from '../engine/index.js';
import { createCaseDescriber } from './case-describer.js';
import { createOrgDirectory, type OrgDirectory } from './access.js';
import type { Config } from './config.js';
import { createPeopleDirectory } from './directory.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { type PeopleStore } from './people-ports.js';

/** The application name in messages. */
export const APP_NAME = '督办';

export interface NotifierOptions {
  engine: Engine;
  people: PeopleStore;
  /** The outbox the dispatcher delivers from (its inbox is the inbox channel's). */
  outbox: OutboxStore;
  templates: NotificationTemplates;
  config: Pick<Config, 'SMTP_URL' | 'DUBAN_MAIL_FROM' | 'DUBAN_WEBHOOK_SECRET' | 'DUBAN_PUBLIC_URL'>;
  /** Base URL for links when `DUBAN_PUBLIC_URL` is unset (the listen URL; settable later with `setPublicUrl`). */
  fallbackUrl?: string | undefined;
  orgs?: OrgDirectory | undefined;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  /** Dispatcher settings (tests: backoff, attempts, clock). */
  dispatcher?: Partial<Omit<DispatcherOptions, 'engine' | 'outbox' | 'directory' | 'channels' | 'templates' | 'app'>> | undefined;
  /** Channels used instead of the configured ones (tests). */
  channels?: readonly Channel[] | undefined;
}

export interface Notifier {
  readonly dispatcher: Dispatcher;
  /** The channels that deliver, in order. */
  readonly channels: readonly ChannelName[];
  /** The name and base URL messages link to. */
  readonly app: AppInfo;
  /** Sets the base URL of links, unless `DUBAN_PUBLIC_URL` fixed it. */
  setFallbackUrl(url: string): void;
  /** One line per channel, for the start-up message. */
  describe(): string[];
  /** Releases the channels' connections (after the dispatcher stopped). */
  close(): Promise<void>;
}

/** `smtp://user:secret@host:25` without the password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

/** The notifications' logger over pino. */
export function notificationLogger(logger: Logger | undefined): NotificationLogger {
  if (!logger) return { warn: () => {}, error: () => {} };
  return { warn: (message, fields) => logger.warn(fields ?? {}, message), error: (message, fields) => logger.error(fields ?? {}, message) };
}

/** Counts every hand-over to the channel (sent or failed) in `duban_notifications_delivered_total`. */
function counted(channel: Channel, metrics: Metrics | undefined): Channel {
  if (!metrics) return channel;
  return {
    name: channel.name,
    reaches: (r) => channel.reaches(r),
    async deliver(message, recipient) {
      try {
        await channel.deliver(message, recipient);
      } catch (error) {
        metrics.notificationDeliveries.inc({ channel: channel.name, outcome: 'failed' });
        throw error;
      }
      metrics.notificationDeliveries.inc({ channel: channel.name, outcome: 'sent' });
    },
    ...(channel.close ? { close: () => channel.close!() } : {}),
  };
}

/**
 * Creates the dispatcher with the configured channels.
 * @example
 * const notifier = createNotifier({ engine, people, templates, config, logger, metrics, fallbackUrl: 'http://127.0.0.1:3000' });
 * await notifier.dispatcher.start();
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { config, engine } = options;
  const orgs = options.orgs ?? createOrgDirectory(options.people);
  const lines: string[] = [];
  const base: Channel[] = [];
  if (options.channels) {
    base.push(...options.channels);
    lines.push(`channels: ${options.channels.map((c) => c.name).join(', ')}`);
  } else {
    base.push(createInboxChannel(options.outbox.inbox));
    lines.push('inbox: on (站内消息)');
    if (config.SMTP_URL) {
      base.push(createEmailChannel({ url: config.SMTP_URL, from: config.DUBAN_MAIL_FROM }));
      lines.push(`e-mail: on, ${redactUrl(config.SMTP_URL)}, From ${config.DUBAN_MAIL_FROM}`);
    } else {
      lines.push('e-mail: off (set SMTP_URL to send mail)');
    }
    if (config.DUBAN_WEBHOOK_SECRET) {
      base.push(createWebhookChannel({ secret: config.DUBAN_WEBHOOK_SECRET }));
      lines.push('webhook: on (signed with DUBAN_WEBHOOK_SECRET)');
    } else {
      lines.push('webhook: off (set DUBAN_WEBHOOK_SECRET to post signed webhooks)');
    }
  }
  const channels = base.map((c) => counted(c, options.metrics));
  // The dispatcher keeps this object and reads `url` at each render, so setting it later takes effect.
  const app: AppInfo = { name: APP_NAME, url: config.DUBAN_PUBLIC_URL ?? options.fallbackUrl ?? 'http://127.0.0.1:3000' };
  const dispatcher = createDispatcher({
    ...options.dispatcher,
    engine,
    outbox: options.outbox,
    directory: createPeopleDirectory(options.people, orgs),
    channels,
    templates: options.templates,
    app,
    logger: options.dispatcher?.logger ?? notificationLogger(options.logger),
    // Messages name the case by its title and due date, and its state by its Chinese title.
    describeCase: options.dispatcher?.describeCase ?? createCaseDescriber(engine, options.people, orgs),
  });
  return {
    dispatcher,
    channels: channels.map((c) => c.name),
    app,
    setFallbackUrl(url) {
      if (!config.DUBAN_PUBLIC_URL) app.url = url.replace(/\/+$/, '');
    },
    describe: () => [...lines, `links: ${app.url}${config.DUBAN_PUBLIC_URL ? '' : ' (set DUBAN_PUBLIC_URL to the address recipients use)'}`],
    async close() {
      await Promise.allSettled(channels.map((c) => c.close?.()));
    },
  };
}
