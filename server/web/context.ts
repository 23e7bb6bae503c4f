/**
 * What the web pages share: the session cookie, the caller, rendering with
 * the navigation, and turning errors into pages.
 */
import type { NextFunction, Request, Response } from 'express';
import { buildStateTree, countWorkdaysBetween, type CompiledCalendar, type Engine, type StateValue, type WorkflowDefinition } from '../../engine/index.js';
import type { Principal } from '../access.js';
import { HttpError, toErrorAnswer } from '../http-errors.js';
import type { RateLimits } from '../rate-limits.js';
import type { RouteDeps } from '../routes/deps.js';
import type { Sessions } from '../sessions.js';
import type { Renderer } from './render.js';
import type { AttachmentStore } from '../attachments.js';
import type { FlashStore } from './flash.js';
import { roleTitle } from './display.js';
import { pageError } from './page-errors.js';

/** The cookie that carries the web session id (never an API token). */
export const SESSION_COOKIE = 'duban_session';

export interface WebDeps extends RouteDeps {
  render: Renderer;
  sessions: Sessions;
  limits: RateLimits;
  /** Where evidence files are kept. */
  attachments: AttachmentStore;
  /** Where refused forms are kept for the redirect (default: in this process). */
  flashes?: FlashStore | undefined;
  /** The origin the pages are reached at (`DUBAN_PUBLIC_URL`), accepted as same-origin besides the request's own host. */
  publicOrigin?: string | undefined;
  /** The quota thresholds in force (`DUBAN_QUOTA_THRESHOLDS`), drawn on the 统计 page (default 80 % and 100 %). */
  quotaThresholds?: readonly number[] | undefined;
}

/** Reads one cookie (no cookie library: one value is all the pages need). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The signed-in user (a live session), or undefined. */
export async function sessionOf(deps: WebDeps, req: Request): Promise<Principal | undefined> {
  const id = readCookie(req, SESSION_COOKIE);
  return id ? deps.sessions.authenticate(id) : undefined;
}

/** The session cookie: HttpOnly, SameSite=Strict, Path=/, and Secure when the request came over HTTPS (directly or through a trusted proxy). */
export function sessionCookie(req: Request, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${req.secure ? '; Secure' : ''}`;
}

/** Renders a page with the navigation for `p` (its unread count read by `page`, into `res.locals.unread`). */
export function sendPage(deps: WebDeps, res: Response, view: string, title: string, p: Principal | undefined, context: Record<string, unknown> = {}, status = 200): void {
  const unread = typeof res.locals.unread === 'number' ? res.locals.unread : 0;
  res.status(status).type('text/html; charset=utf-8').send(
    deps.render.page(view, { ...context, calendarNotice: res.locals.calendarNotice as string[] | undefined, title, me: p && { id: p.user.id, name: p.user.name, org: (res.locals.orgName as string | undefined) ?? '', roles: p.user.roles.map(roleTitle).join('、'), isAdmin: p.isAdmin, isAuditor: p.isAuditor, unread } }),
  );
}

/** From 1 October: a line per coming year the calendars still count provisionally, for the admin pages (none when it cannot be read). */
async function calendarNotice(deps: WebDeps): Promise<string[] | undefined> {
  try {
    const years = [...new Set((await deps.engine.calendars.nextYearWarnings()).map((w) => w.year))];
    if (years.length === 0) return undefined;
    return years.map((y) => `${y}年放假安排尚未导入：${y}年的期限目前按法定节假日暂定计算（不含调休）。国务院办公厅公布通知后，请由市级管理员导入，系统将自动重新核定相关期限并通知办理人。`);
  } catch (err) {
    deps.logger.warn({ err }, 'reading the calendars for the admin notice failed');
    return undefined;
  }
}

/** How many inbox items of the user are unread (0 when the count cannot be read: the header must not break a page). */
export async function unreadCount(deps: WebDeps, p: Principal): Promise<number> {
  try {
    return await deps.outbox.inbox.countUnread(p.user.id);
  } catch (err) {
    deps.logger.warn({ err }, 'counting unread notifications failed');
    return 0;
  }
}

/** Wraps a page handler: signs in (or redirects to the login page) and renders errors as pages. */
export function page(deps: WebDeps, handler: (req: Request, res: Response, p: Principal) => Promise<void>) {
  return async (req: Request, res: Response, _next: NextFunction) => {
    res.locals.route = `web ${req.route?.path ?? req.path}`;
    const p = await sessionOf(deps, req);
    if (!p) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    res.locals.principal = p;
    if (p.isAdmin && req.path.startsWith('/admin')) res.locals.calendarNotice = await calendarNotice(deps);
    try {
      if (req.method === 'POST') await deps.limits.write(req, res, p);
      res.locals.unread = await unreadCount(deps, p);
      res.locals.orgName = (await deps.orgs.get(p.user.orgId).catch(() => undefined))?.name;
      await handler(req, res, p);
    } catch (err) {
      renderError(deps, res, p, err);
    }
  };
}

/** An error as a page with its code and status (unexpected ones logged with the request id). */
export function renderError(deps: WebDeps, res: Response, p: Principal | undefined, err: unknown): void {
  const a = toErrorAnswer(err);
  if (a.unexpected) deps.logger.error({ err, reqId: res.locals.reqId }, 'unexpected error on a page');
  const error = pageError(err);
  sendPage(deps, res, a.status === 404 ? 'not-found' : 'error', a.status === 404 ? '页面不存在' : '出错了', p, { error, status: a.status }, a.status);
}

/** The http(s) URL a header names, or undefined (absent, `null`, not a URL). */
function urlOf(text: string | undefined): URL | undefined {
  if (text === undefined || text === '' || text === 'null') return undefined;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a form post that does not show it comes from these pages: its
 * `Origin` (or, only when there is none, its `Referer`) must name this host
 * or `publicOrigin`. Absent, `null`, unparsable or foreign → 403
 * `cross_site_request`. The cookie is SameSite=Strict too; this is the check
 * that does not depend on the browser.
 */
export function assertSameOrigin(req: Request, publicOrigin?: string): void {
  const origin = req.headers.origin;
  const given = urlOf(origin !== undefined ? origin : req.headers.referer);
  const hosts = new Set([req.headers.host, req.host].filter((h): h is string => typeof h === 'string' && h !== ''));
  if (given && (hosts.has(given.host) || (publicOrigin !== undefined && given.origin === publicOrigin))) return;
  throw new HttpError('cross_site_request', given ? 'form posts from other sites are refused' : 'a form post must carry a same-origin Origin or Referer header');
}

/** Middleware: every POST to the pages (sign-in and logout included) passes {@link assertSameOrigin}, else an error page. */
export function refuseCrossSite(deps: WebDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || req.path.startsWith('/api/')) return next();
    try {
      assertSameOrigin(req, deps.publicOrigin);
    } catch (err) {
      res.locals.route = `web ${req.path}`;
      return renderError(deps, res, undefined, err);
    }
    next();
  };
}

/** "剩 3 个工作日" / "今日到期" / "已逾期" for a due time, counted on the calendar. */
export function dueText(cal: CompiledCalendar | undefined, now: Date, dueAt: string | null): { text: string; overdue: boolean; days: number | null } {
  if (!dueAt) return { text: '—', overdue: false, days: null };
  const due = new Date(dueAt);
  if (due.getTime() <= now.getTime()) return { text: '已逾期', overdue: true, days: 0 };
  let days: number | null = null;
  try {
    days = cal ? countWorkdaysBetween(cal, now, due) : null;
  } catch {
    days = null;
  }
  return { text: days === null ? '—' : days === 0 ? '今日到期' : `剩 ${days} 个工作日`, overdue: false, days };
}

/** The latest `cn` calendar, for worklist due dates. */
export async function defaultCalendar(engine: Engine): Promise<CompiledCalendar | undefined> {
  return engine.calendars.get('cn').catch(() => undefined);
}

/** The titles of a case's active states (`整改中` rather than `active.rectifying`), keys where a state has none. */
export function stateTitle(def: Pick<WorkflowDefinition, 'initial' | 'states'>, value: StateValue): string {
  const tree = buildStateTree(def);
  const leaves: string[] = [];
  const walk = (v: StateValue, prefix: string[]) => {
    if (typeof v === 'string') leaves.push([...prefix, v].join('.'));
    else for (const [k, child] of Object.entries(v)) walk(child, [...prefix, k]);
  };
  walk(value, []);
  // As mails name it (stateTitleOf): the active states that open a task, all of them when none does.
  const withTask = leaves.filter((id) => tree.byId.get(id)?.def.task !== undefined);
  return (withTask.length > 0 ? withTask : leaves)
    .map((id) => {
      const t = tree.byId.get(id)?.def.title;
      return typeof t === 'string' ? t : (t?.zh ?? id);
    })
    .join('、');
}
