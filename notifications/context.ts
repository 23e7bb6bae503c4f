/**
 * What the dispatcher's parts share: the store, the engine, the directory,
 * channels and templates, the clock and the retry policy.
 */
import type { Actor, Clock, CompiledCalendar, Engine } from '../engine/index.js';
import type { Channel, ChannelName } from './channel.js';
import type { RecipientDirectory } from './recipients.js';
import type { NotificationTemplates } from './templates.js';
import { type OutboxStore } from './outbox-ports.js';

/** Where the dispatcher reports what it cannot throw to anyone. */
export interface NotificationLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The actor the dispatcher records escalations as. */
export const NOTIFICATIONS_ACTOR: Actor = { id: 'system:notifications', roles: ['system'] };

/** The application as templates name and link it. */
export interface AppInfo {
  name: string;
  /** Base URL of the web pages, without a trailing slash. */
  url: string;
}

/**
 * What a message says of its case besides the step-time variables: the case's
 * title, the title of the state named by `stateLabel` (undefined when unknown)
 * and the nearest due time (`2026-03-05 24:00`), read at delivery.
 */
export type CaseDescriber = (caseId: string, stateLabel: string, locale: string) => Promise<{ title?: string | undefined; state?: string | undefined; due?: string | undefined } | undefined>;

export interface DispatchContext {
  engine: Engine;
  outbox: OutboxStore;
  directory: RecipientDirectory;
  channels: ReadonlyMap<ChannelName, Channel>;
  templates: NotificationTemplates;
  clock: Clock;
  owner: string;
  maxAttempts: number;
  backoffMs: (attempt: number) => number;
  claimTtlMs: number;
  app: AppInfo;
  calendarId: string;
  logger: NotificationLogger;
  /** Names a case for its messages (title, state title, nearest due date); without it messages show the case id and state path. */
  describeCase?: CaseDescriber | undefined;
  /** Tells the delivery mode (poller or queue) that rows became pending. */
  emitPending(rows: { id: string; at: string; attempts: number }[]): void;
}

/** Exponential backoff: 30 s, 1 min, 2 min, … at most 1 h, by attempt (1-based). */
export function defaultBackoffMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

/** The calendar for dates, working days and acknowledgement windows (latest version, with admin-added years). */
export function calendarOf(ctx: DispatchContext): Promise<CompiledCalendar> {
  return ctx.engine.calendars.get(ctx.calendarId);
}

/** `now + ms` as an ISO instant. */
export function isoAfter(now: Date, ms: number): string {
  return new Date(now.getTime() + ms).toISOString();
}

/** An error as one line for `last_error`. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown; responseCode?: unknown }).responseCode ?? (error as { code?: unknown }).code;
    return `${code !== undefined ? `[${String(code)}] ` : ''}${error.message}`.replace(/\s+/g, ' ').trim();
  }
  return String(error);
}

/** The URL a recipient acknowledges a warning at (the server's page for `POST /notifications/:id/ack`). */
export function ackUrl(app: AppInfo, notificationId: string): string {
  return `${app.url.replace(/\/+$/, '')}/notifications/${encodeURIComponent(notificationId)}/ack`;
}
