/**
 * The template helpers: dates in the calendar's zone, working days left,
 * links to the case page, localized text and a few small words. They read
 * what they need from the render in progress (the recipient's locale, the
 * clock's now, the calendar), never from global state or the prototype chain.
 */
import { CalendarError, countWorkdaysBetween, type CompiledCalendar } from '../engine/index.js';

/** What a render is done with besides the template's variables. */
export interface RenderEnv {
  /** The instant working days are counted from. */
  now: Date;
  /** The calendar for dates and working days (the built-in `cn` by default). */
  calendar: CompiledCalendar;
}

/** The render in progress, as the helpers see it. */
export interface HelperScope {
  env: RenderEnv;
  locale: Locale;
  appUrl: string;
  caseId: string;
}

/** The locales templates are written in, zh-CN first. */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
/** The locale used when a recipient's has no template. */
export const DEFAULT_LOCALE: Locale = 'zh-CN';

/** Shown where a value is missing or cannot be computed (e.g. working days past the loaded years). */
export const DASH = '—';

const WORDS: Record<string, Record<Locale, string>> = {
  info: { 'zh-CN': '通知', en: 'Notice' },
  actionRequired: { 'zh-CN': '待办', en: 'Action required' },
  dueSoon: { 'zh-CN': '即将到期', en: 'Due soon' },
  overdue: { 'zh-CN': '已逾期', en: 'Overdue' },
  escalated: { 'zh-CN': '已升级督办', en: 'Escalated' },
  closed: { 'zh-CN': '已办结', en: 'Closed' },
  acknowledgedWarning: { 'zh-CN': '预警叫应', en: 'Warning to acknowledge' },
  running: { 'zh-CN': '计时中', en: 'running' },
  paused: { 'zh-CN': '已暂停', en: 'paused' },
};

const HELPER_NAMES = ['date', 'workdaysLeft', 'caseLink', 'localized', 't'] as const;
/** Names of the helpers every template may call (besides handlebars' built-in block helpers). */
export const TEMPLATE_HELPERS: readonly string[] = HELPER_NAMES;

/** Parts of an instant in a time zone, with 00:00 shown as 24:00 of the day before (a day deadline's end). */
function localParts(instant: Date, timeZone: string): { y: number; m: number; d: number; time: string } {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const get = (at: Date) => Object.fromEntries(fmt.formatToParts(at).map((p) => [p.type, p.value])) as Record<string, string>;
  let p = get(instant);
  let time = `${p.hour}:${p.minute}`;
  if (time === '00:00') {
    p = get(new Date(instant.getTime() - 60_000));
    time = '24:00';
  }
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), time };
}

function formatDay(y: number, m: number, d: number, locale: Locale): string {
  return locale === 'zh-CN' ? `${y}年${m}月${d}日` : `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * Formats an ISO instant (or a `YYYY-MM-DD` date) in the calendar's zone:
 * `2026年3月10日 24:00` in zh-CN, `2026-03-10 24:00` in en. `format: 'date'`
 * leaves the time out. Missing values give a dash. Pure.
 */
export function formatDate(value: unknown, locale: Locale, timeZone: string, format: 'datetime' | 'date' = 'datetime'): string {
  if (typeof value !== 'string' || value === '') return DASH;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) return formatDay(Number(day[1]), Number(day[2]), Number(day[3]), locale);
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return DASH;
  const p = localParts(at, timeZone);
  const date = formatDay(p.y, p.m, p.d, locale);
  return format === 'date' ? date : `${date} ${p.time}`;
}

/** Working days from `now` to a due instant on the calendar, or a dash beyond its loaded years. Pure. */
export function workdaysLeft(value: unknown, env: RenderEnv): number | string {
  if (typeof value !== 'string') return DASH;
  const due = new Date(value);
  if (Number.isNaN(due.getTime())) return DASH;
  try {
    return countWorkdaysBetween(env.calendar, env.now, due);
  } catch (error) {
    if (error instanceof CalendarError && error.code === 'calendar_out_of_range') return DASH;
    throw error;
  }
}

/** Picks the recipient's language from a `{ zh, en? }` text (or returns a plain string). Pure. */
export function localizedText(value: unknown, locale: Locale): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const { zh, en } = value as { zh?: unknown; en?: unknown };
    if (locale === 'en' && typeof en === 'string') return en;
    if (typeof zh === 'string') return zh;
  }
  return '';
}

/** The absolute URL of a case's page. Pure. */
export function caseUrl(appUrl: string, caseId: string): string {
  return `${appUrl.replace(/\/+$/, '')}/cases/${encodeURIComponent(caseId)}`;
}

/** Handlebars passes its options object last; the helpers take at most one argument before it. */
function argsOf(args: unknown[]): { value: unknown; hash: Record<string, unknown> } {
  const options = args[args.length - 1] as { hash?: Record<string, unknown> } | undefined;
  return { value: args.length > 1 ? args[0] : undefined, hash: options?.hash ?? {} };
}

/**
 * The helper functions bound to the render in progress. `scope()` returns it;
 * calling a helper outside a render is a bug and throws.
 */
export function createHelpers(scope: () => HelperScope): Record<(typeof HELPER_NAMES)[number], (...args: unknown[]) => unknown> {
  return {
    date: (...args) => {
      const { value, hash } = argsOf(args);
      const s = scope();
      return formatDate(value, s.locale, s.env.calendar.timeZone, hash.format === 'date' ? 'date' : 'datetime');
    },
    workdaysLeft: (...args) => workdaysLeft(argsOf(args).value, scope().env),
    caseLink: (...args) => {
      const { value } = argsOf(args);
      const s = scope();
      return caseUrl(s.appUrl, typeof value === 'string' && value !== '' ? value : s.caseId);
    },
    localized: (...args) => localizedText(argsOf(args).value, scope().locale),
    t: (...args) => {
      const { value } = argsOf(args);
      const word = typeof value === 'string' && Object.hasOwn(WORDS, value) ? WORDS[value] : undefined;
      return word ? word[scope().locale] : typeof value === 'string' ? value : '';
    },
  };
}
