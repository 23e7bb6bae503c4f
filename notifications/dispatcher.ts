/**
 * The outbox dispatcher (DESIGN §6). Steps write outbox rows in their own
 * transaction; the dispatcher claims due rows, delivers them (deliver-row.ts)
 * and escalates unacknowledged warnings (acks.ts). In the embedded mode
 * `start()` runs both on the engine's poller (two lanes: deliveries and
 * acknowledgements), waking early when this process commits a
 * notification; in the distributed mode a BullMQ queue drives `deliver(id)`
 * instead (bullmq-delivery.ts). Either way the rows are the source of truth.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { createPoller, inLanes, type Actor, type Clock, type Engine, type Poller } from '../engine/index.js';
import { acknowledgeWarning, sweepWarnings, type AckResult } from './acks.js';
import type { Channel, ChannelName } from './channel.js';
import { defaultBackoffMs, errorText, type AppInfo, type CaseDescriber, type DispatchContext, type NotificationLogger } from './context.js';
import { deliverRow, type DeliveryOutcome } from './deliver-row.js';
import { NotificationError } from './errors.js';
import type { RecipientDirectory } from './recipients.js';
import type { NotificationTemplates } from './templates.js';
import type { OutboxRecord, OutboxStatus, OutboxStore } from './outbox-ports.js';

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  engine: Engine;
  /** The outbox, deliveries, inbox and acknowledgements (e.g. `createKnexOutboxStore(store)`). */
  outbox: OutboxStore;
  directory: RecipientDirectory;
  /** The channels to deliver through; a notification's channel with none here reaches nobody. */
  channels: readonly Channel[];
  templates: NotificationTemplates;
  /** Default `engine.clock`. */
  clock?: Clock | undefined;
  /** Who claims rows (default `hostname:pid:random`). */
  owner?: string | undefined;
  /** Longest sleep between two looks at the outbox (default 1 s). */
  pollIntervalMs?: number | undefined;
  /** Attempts before a row is `dead` (default 6). */
  maxAttempts?: number | undefined;
  /** Wait before attempt `attempt + 1`, in ms (default 30 s doubling, at most 1 h). */
  backoff?: ((attempt: number) => number) | undefined;
  /** How long a claim holds before another dispatcher may take the row (default 5 min). */
  claimTtlMs?: number | undefined;
  /** Rows delivered at once (default 8). */
  concurrency?: number | undefined;
  /** The application's name and base URL, for links in messages (default `督办 Duban`, `http://localhost:3000`). */
  app?: AppInfo | undefined;
  /** Calendar for dates, working days and acknowledgement windows (default `cn`). */
  calendarId?: string | undefined;
  logger?: NotificationLogger | undefined;
  /** Names cases in messages (title, state title, due date); see {@link CaseDescriber}. */
  describeCase?: CaseDescriber | undefined;
}

/** How many rows are in each state. */
export type NotificationStats = Record<OutboxStatus, number>;

/** A listener told which rows became pending (committed, escalated or retried). */
export type PendingListener = (rows: { id: string; at: string; attempts: number }[]) => void;

/** The dispatcher service. */
export interface Dispatcher {
  readonly owner: string;
  /** The poller `start()` runs (tests wait for `idle()`). */
  readonly poller: Poller;
  /** Embedded mode: delivers what is due, then keeps polling until `stop()`. */
  start(): Promise<void>;
  /** Stops polling and waits for the deliveries in flight. */
  stop(): Promise<void>;
  /** Delivers every row due now (or due before `dueBefore`) and escalates overdue warnings; resolves to the rows handled. */
  runDue(opts?: { dueBefore?: Date }): Promise<number>;
  /** Claims and delivers one row (a queue job calls this); `skipped` when it is not claimable. */
  deliver(id: string): Promise<DeliveryOutcome>;
  /** Escalates warnings whose acknowledgement is overdue; resolves to how many escalated. */
  sweepAcks(): Promise<number>;
  /** A recipient acknowledges a warning (the server's `POST /notifications/:id/ack`). */
  acknowledge(notificationId: string, user: Actor, comment?: string): Promise<AckResult>;
  /** Puts a dead (or unresolved) row back to pending with fresh attempts; `not_retryable` otherwise. */
  retryDead(id: string): Promise<void>;
  /** Rows of a status, by id (`dead` and `unresolved` are what admins look at). */
  list(status: OutboxStatus, opts?: { limit?: number; afterId?: string }): Promise<OutboxRecord[]>;
  listDead(opts?: { limit?: number; afterId?: string }): Promise<OutboxRecord[]>;
  stats(): Promise<NotificationStats>;
  /** Subscribes to rows becoming pending (the queue mode enqueues them). Returns an unsubscribe function. */
  onPending(listener: PendingListener): () => void;
}

const silent: NotificationLogger = { warn: () => {}, error: () => {} };
const DELIVERIES = 'deliveries';
const ACKS = 'acknowledgements';

/**
 * Creates the dispatcher. Nothing runs until `start()` (embedded) or a queue
 * calls `deliver` (distributed).
 * @example
 * const dispatcher = createDispatcher({ engine, outbox, directory, templates, channels: [createInboxChannel(outbox.inbox), createEmailChannel({ url: env.SMTP_URL, from })] });
 * await dispatcher.start();
 * // … POST /notifications/:id/ack
 * await dispatcher.acknowledge(id, actor);
 * // … on shutdown
 * await dispatcher.stop();
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const clock = options.clock ?? options.engine.clock;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const concurrency = options.concurrency ?? 8;
  const listeners = new Set<PendingListener>();
  let unsubscribeCommits: (() => void) | undefined;
  const emitPending: PendingListener = (rows) => {
    for (const l of listeners) {
      try {
        l(rows);
      } catch (error) {
        ctx.logger.warn('a pending-row listener failed', { error: errorText(error) });
      }
    }
  };
  const ctx: DispatchContext = {
    engine: options.engine,
    outbox: options.outbox,
    directory: options.directory,
    channels: new Map<ChannelName, Channel>(options.channels.map((c) => [c.name, c])),
    templates: options.templates,
    clock,
    owner: options.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    maxAttempts: options.maxAttempts ?? 6,
    backoffMs: options.backoff ?? defaultBackoffMs,
    claimTtlMs: options.claimTtlMs ?? 5 * 60_000,
    app: options.app ?? { name: '督办 Duban', url: 'http://localhost:3000' },
    calendarId: options.calendarId ?? 'cn',
    logger: options.logger ?? silent,
    describeCase: options.describeCase,
    emitPending,
  };

  /** Delivers due rows in `concurrency` lanes until none is left that this pass has not tried. */
  async function drain(dueBefore?: Date, stopped: () => boolean = () => false): Promise<number> {
    const seen = new Set<string>();
    let handled = 0;
    for (;;) {
      const cutoff = (dueBefore ?? clock.now()).toISOString();
      const rows = (await ctx.outbox.listDue(cutoff, 100)).filter((r) => !seen.has(r.id));
      if (rows.length === 0 || stopped()) return handled;
      rows.forEach((r) => seen.add(r.id));
      await inLanes(rows, concurrency, async (row) => {
        if ((await deliverRow(ctx, row.id)).status !== 'skipped') handled++;
      }, stopped);
    }
  }

  // Embedded mode: deliveries and acknowledgement escalations are two lanes of one poller.
  const poller = createPoller({
    name: 'notifications',
    clock,
    intervalMs: pollIntervalMs,
    logger: ctx.logger,
    lanes: [
      { name: DELIVERIES, drain: ({ stopped }) => drain(undefined, stopped), nextDueAt: (now) => ctx.outbox.nextDueAt(now.toISOString()) },
      { name: ACKS, drain: () => sweepWarnings(ctx), nextDueAt: (now) => ctx.outbox.acks.nextDueAt(now.toISOString()) },
    ],
  });
  let unsubscribeSelf: (() => void) | undefined;

  const dispatcher: Dispatcher = {
    owner: ctx.owner,
    poller,
    async start() {
      if (poller.running) return;
      // A row that became pending (committed, escalated, retried) wakes the delivery lane at its time.
      unsubscribeSelf = dispatcher.onPending((rows) => {
        for (const r of rows) poller.wake(DELIVERIES, Date.parse(r.at));
      });
      await poller.start();
    },
    async stop() {
      unsubscribeSelf?.();
      unsubscribeSelf = undefined;
      await poller.stop();
    },
    async runDue(opts = {}) {
      const n = await poller.run(DELIVERIES, () => drain(opts.dueBefore));
      await poller.run(ACKS, () => sweepWarnings(ctx));
      // Escalations enqueue new rows due now.
      return n + (await poller.run(DELIVERIES, () => drain(opts.dueBefore)));
    },
    deliver: (id) => deliverRow(ctx, id),
    sweepAcks: () => poller.run(ACKS, () => sweepWarnings(ctx)),
    acknowledge: (id, user, comment) => acknowledgeWarning(ctx, id, user, comment),
    async retryDead(id) {
      const at = clock.now().toISOString();
      if (!(await ctx.outbox.retry(id, at))) {
        const row = await ctx.outbox.get(id);
        if (!row) throw new NotificationError('notification_not_found', `notification ${id} does not exist`, { id });
        throw new NotificationError('not_retryable', `notification ${id} is ${row.status}; only dead or unresolved ones can be retried`, { id, status: row.status });
      }
      emitPending([{ id, at, attempts: 0 }]);
    },
    list: (status, opts = {}) => ctx.outbox.list({ status, limit: opts.limit ?? 100, ...(opts.afterId ? { afterId: opts.afterId } : {}) }),
    listDead: (opts) => dispatcher.list('dead', opts),
    stats: () => ctx.outbox.count(),
    onPending(listener) {
      listeners.add(listener);
      unsubscribeCommits ??= options.engine.onCommit(({ event, effects }) => {
        const rows = effects.filter((e) => e.type === 'notify').map((e) => ({ id: e.id, at: event.at, attempts: 0 }));
        if (rows.length > 0) emitPending(rows);
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          unsubscribeCommits?.();
          unsubscribeCommits = undefined;
        }
      };
    },
  };
  return dispatcher;
}
