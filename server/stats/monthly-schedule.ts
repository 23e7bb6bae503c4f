/**
 * The scheduled monthly report (月报): on the first working day of each
 * month (the working-day calendar, 08:00 Beijing time) the report of the
 * month before is generated, stored with its sha256, and mailed to the
 * people the configuration names (`DUBAN_MONTHLY_REPORT_TO`) with a link to
 * the stored workbook (the e-mail channel sends no attachments).
 *
 * A lane of a poller (the one runtime of background loops). Every process may
 * run it: the report is claimed in the database (`StatsStore.reports`), so it
 * is generated and sent once; a process that dies mid-way leaves a claim that
 * expires, and another takes it over, skipping the recipients already served.
 */
import { createHash } from 'node:crypto';
import { createPoller, type Clock, type CompiledCalendar, type Poller, type PollerLane, type PollerOptions } from '../../engine/index.js';
import { createEmailChannel, type Addressee, type Channel } from '../../notifications/index.js';
import type { Runtime } from '../main.js';
import type { OrgDirectory } from '../access.js';
import type { PeopleStore } from '../people-ports.js';
import type { HistoryReader } from './facts-store.js';
import { buildMonthlyReport, monthLabel, monthlyWorkbook } from './report.js';
import type { StatsStore } from './stats-ports.js';

/** China time is UTC+8 all year (no daylight saving), as the report's months. */
const CN_OFFSET_MS = 8 * 3_600_000;
/** The report goes out at 08:00 local time. */
const SEND_AT_MS = 8 * 3_600_000;
const localDateOf = (d: Date) => new Date(d.getTime() + CN_OFFSET_MS).toISOString().slice(0, 10);
const instantOfLocal = (date: string, msOfDay: number) => new Date(Date.parse(`${date}T00:00:00.000Z`) - CN_OFFSET_MS + msOfDay);
const RETRY_MS = 5 * 60_000;

export interface MonthlyScheduleOptions {
  clock: Clock;
  /** The working-day calendar (the engine's built-in `cn`). */
  calendar: () => Promise<CompiledCalendar>;
  stats: StatsStore;
  orgs: OrgDirectory;
  people: Pick<PeopleStore, 'getUser'>;
  history: HistoryReader;
  /** Delivers the mails; without it the report is generated and stored only. */
  email?: Channel | undefined;
  /** User ids and e-mail addresses. */
  recipients: readonly string[];
  /** The org whose subtree the report covers (default the root). */
  org?: string | undefined;
  /** Where the stored workbook is fetched (`DUBAN_PUBLIC_URL`). */
  publicUrl: string;
  /** Names this process's claims. */
  owner: string;
  claimTtlMs?: number | undefined;
  logger?: { info(fields: object, msg: string): void; warn(fields: object, msg: string): void } | undefined;
}

/** `YYYY-MM` of a local date, and of the month before. */
const monthOf = (date: string) => date.slice(0, 7);
function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/**
 * The first working day of `month` (`YYYY-MM-DD`). A year the calendar does
 * not cover falls back to the first weekday. Pure.
 */
export function firstWorkingDay(cal: CompiledCalendar, month: string): string {
  for (let day = 1; day <= 28; day++) {
    const date = `${month}-${String(day).padStart(2, '0')}`;
    try {
      if (cal.isWorkday(date)) return date;
    } catch {
      const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
      if (dow !== 0 && dow !== 6) return date;
    }
  }
  return `${month}-01`;
}

/** When the report of the month before `month` falls due: its first working day, 08:00 Beijing time. Pure. */
export function reportDueAt(cal: CompiledCalendar, month: string): Date {
  return instantOfLocal(firstWorkingDay(cal, month), SEND_AT_MS);
}

async function addresseeOf(opts: MonthlyScheduleOptions, entry: string): Promise<Addressee | undefined> {
  if (entry.includes('@')) return { key: `mailto:${entry}`, userId: null, name: entry, locale: 'zh-CN', orgId: null, roles: [], email: entry, webhookUrl: null };
  const u = await opts.people.getUser(entry);
  return u && { key: u.id, userId: u.id, name: u.name, locale: 'zh-CN', orgId: u.orgId, roles: u.roles, email: u.email ?? null, webhookUrl: null };
}

/**
 * Generates, stores and sends the report of `month` once (whatever the
 * number of processes). Resolves to what this call did.
 */
export async function runMonthlyReport(opts: MonthlyScheduleOptions, month: string): Promise<'sent' | 'busy' | 'incomplete'> {
  const org = opts.org ?? (await opts.orgs.list()).find((o) => o.parentId === null)?.id;
  if (org === undefined) return 'busy';
  const now = opts.clock.now();
  if (!(await opts.stats.reports.claim(month, org, opts.owner, now.toISOString(), new Date(now.getTime() + (opts.claimTtlMs ?? 10 * 60_000)).toISOString()))) return 'busy';
  let stored = await opts.stats.reports.get(month, org);
  if (!stored?.sha256) {
    const report = await buildMonthlyReport(opts.stats, opts.history, opts.orgs, { month, org });
    const xlsx = await monthlyWorkbook(report);
    await opts.stats.reports.save(month, org, { xlsx, sha256: createHash('sha256').update(xlsx).digest('hex'), at: now.toISOString() });
    stored = await opts.stats.reports.get(month, org);
    opts.logger?.info({ month, org, sha256: stored?.sha256 }, 'monthly report generated');
  }
  const scope = (await opts.orgs.get(org))?.name ?? '';
  const title = `${scope}安全生产月报（${monthLabel(month)}）`;
  const link = `${opts.publicUrl}/stats/reports/${month}?org=${encodeURIComponent(org)}`;
  const done = new Set(await opts.stats.reports.delivered(month, org));
  let failed = 0;
  for (const entry of opts.recipients) {
    if (done.has(entry) || !opts.email) continue;
    const to = await addresseeOf(opts, entry);
    const at = opts.clock.now().toISOString();
    if (!to?.email) {
      await opts.stats.reports.recordDelivery({ month, org, recipient: entry, address: null, status: 'failed', error: '收件人没有电子邮件地址', at });
      failed++;
      continue;
    }
    const text = `${to.name}，您好：\n\n${title}已生成，请登录督办系统下载：\n${link}\n\n文件校验值（SHA-256）：${stored!.sha256}\n\n—— 督办系统（本消息由系统自动发送，请勿直接回复）`;
    const html = `<p>${esc(to.name)}，您好：</p><p>${esc(title)}已生成，请登录督办系统下载：<a href="${esc(link)}">${esc(link)}</a></p><p>文件校验值（SHA-256）：<code>${stored!.sha256}</code></p><p style="color:#888;font-size:12px">督办系统 · 本消息由系统自动发送，请勿直接回复。</p>`;
    try {
      await opts.email.deliver({ notificationId: `monthly-report/${month}/${org}`, caseId: '', kind: 'info', template: 'monthly-report', subject: `【月报】${title}`, html, text, ackRequired: false, ackUrl: null, ackDueAt: null, createdAt: at }, to);
      await opts.stats.reports.recordDelivery({ month, org, recipient: entry, address: to.email, status: 'sent', error: null, at });
    } catch (err) {
      failed++;
      await opts.stats.reports.recordDelivery({ month, org, recipient: entry, address: to.email, status: 'failed', error: err instanceof Error ? err.message : String(err), at });
      opts.logger?.warn({ month, recipient: entry, err }, 'monthly report mail failed; retried later');
    }
  }
  if (failed > 0) return 'incomplete';
  await opts.stats.reports.markSent(month, org, opts.clock.now().toISOString());
  return 'sent';
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The poller lane: sleeps until the next first working day 08:00, then sends
 * the report of the month before (retrying failed mails every 5 minutes).
 *
 * @example
 * const poller = createPoller({ name: 'stats', clock, lanes: [monthlyReportLane(opts)] });
 */
export function monthlyReportLane(opts: MonthlyScheduleOptions): PollerLane {
  const due = async (now: Date): Promise<{ month: string; at: Date; next: Date }> => {
    const cal = await opts.calendar();
    const current = monthOf(localDateOf(now));
    return { month: previousMonth(current), at: reportDueAt(cal, current), next: reportDueAt(cal, nextMonth(current)) };
  };
  const org = async () => opts.org ?? (await opts.orgs.list()).find((o) => o.parentId === null)?.id;
  return {
    name: 'monthly-report',
    intervalMs: 3_600_000,
    async nextDueAt(now) {
      const d = await due(now);
      if (now < d.at) return d.at.getTime();
      const id = await org();
      const stored = id === undefined ? undefined : await opts.stats.reports.get(d.month, id);
      if (stored?.sentAt) return d.next.getTime();
      return stored ? now.getTime() + RETRY_MS : now.getTime();
    },
    async drain() {
      const now = opts.clock.now();
      const d = await due(now);
      if (now < d.at) return;
      await runMonthlyReport(opts, d.month);
    },
  };
}

/** The scheduled monthly report of one process: its poller and the mail channel it sends through. */
export interface MonthlyReports {
  readonly poller: Poller;
  /** Starts the poller (resolves after its first pass). */
  start(): Promise<void>;
  /** Stops the poller (waits for a report in flight) and closes the mail connection. */
  stop(): Promise<void>;
}

/**
 * The monthly report as `duban serve` and `duban worker` run it, from the
 * configuration (`DUBAN_MONTHLY_REPORT_TO`, `_ORG`, `SMTP_URL`); undefined
 * when no recipient is configured. Any number of processes may run it: the
 * report row is the claim, so one report is stored and one set of mails sent.
 */
export function scheduledMonthlyReports(rt: Pick<Runtime, 'config' | 'engine' | 'stats' | 'orgs' | 'people'>, opts: { owner: string; publicUrl: string; logger: MonthlyScheduleOptions['logger']; pollerLogger: PollerOptions['logger'] }): MonthlyReports | undefined {
  const { config, engine } = rt;
  if (!config.DUBAN_MONTHLY_REPORT_TO?.length) return undefined;
  const email = config.SMTP_URL ? createEmailChannel({ url: config.SMTP_URL, from: config.DUBAN_MAIL_FROM }) : undefined;
  const poller = createPoller({
    name: 'monthly-report', clock: engine.clock, logger: opts.pollerLogger,
    lanes: [monthlyReportLane({
      clock: engine.clock, calendar: () => engine.calendars.get('cn'), stats: rt.stats, orgs: rt.orgs, people: rt.people, history: (id) => engine.history(id), email,
      recipients: config.DUBAN_MONTHLY_REPORT_TO, org: config.DUBAN_MONTHLY_REPORT_ORG, publicUrl: config.DUBAN_PUBLIC_URL ?? opts.publicUrl, owner: opts.owner, logger: opts.logger,
    })],
  });
  return {
    poller,
    start: () => poller.start(),
    async stop() {
      await poller.stop();
      await email?.close?.();
    },
  };
}
