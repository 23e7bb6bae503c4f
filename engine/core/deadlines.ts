/**
 * Deadlines as part of the case state: started when their state is entered,
 * dropped when it is left, paused while a pause state is active, moved by
 * extensions, and turned into the timers that must exist. Everything a due
 * date depends on is in the state, so replay shows exactly why it moved. Pure.
 */
import { z } from 'zod';
import { CalendarError } from './calendar/calendar-errors.js';
import type { CompiledCalendar } from './calendar/calendar.js';
import { addDuration, offsetFromDue, provisionalMark, subtractForReminder } from './calendar/deadline.js';
import { addDays } from './calendar/local-date.js';
import { parseDuration } from './calendar/duration.js';
import type { CompiledWorkflow } from './compile.js';
import type { DeadlineDefinition } from './definition-schema.js';
import type { DeadlineState } from './deadline-state.js';
import { InvalidDataError } from '../errors.js';
import type { HandOverLookup } from './jurisdiction.js';
import type { HistoryView } from './task-events.js';
import { activeNodeIds } from './state-tree.js';
import { readDataPath } from './field-schema.js';
import { slotTaskKey, type SignState } from './sign-state.js';

/** Looks up a calendar by id (the runtime records which version it handed out). */
export type CalendarLookup = (id: string) => CompiledCalendar;

/** What a step needs besides the workflow and the state. */
export interface StepEnv {
  calendar?: CalendarLookup | undefined;
  /** The last event and the state before it, for `task.withdraw` (the runtime and replay provide it). */
  history?: HistoryView | undefined;
  /** Resolves a spawn's hand-over rule to the receiving org (the runtime and replay provide it; without it the named org receives). */
  handOver?: HandOverLookup | undefined;
  /**
   * Start deadlines in compact form: without the title and legal basis, which
   * the definition holds (see {@link withDefinitionText}), so the case state a
   * timer firing rewrites stays small. The runtime sets it and records
   * `deadlineForm: 'compact'` with the event; replay sets it from that record,
   * so states recorded before it replay exactly as they were.
   */
  compactDeadlines?: boolean | undefined;
  /** Task states whose task its handler has opened (the runtime provides it for `task.takeBack`; replay trusts the record). */
  openedTasks?: ReadonlySet<string> | undefined;
}

/** The text a deadline shows (title, legal basis): from its recorded state, else from the definition. */
export function withDefinitionText<T extends DeadlineState>(wf: CompiledWorkflow, dl: T): T {
  if (dl.title !== undefined || dl.legalBasis !== undefined) return dl;
  const d = deadlineDef(wf, dl.stateId, dl.deadlineId);
  return d?.title || d?.legalBasis ? { ...dl, ...(d.title ? { title: d.title } : {}), ...(d.legalBasis ? { legalBasis: d.legalBasis } : {}) } : dl;
}

/** Whether a step started a deadline (one whose start seq is the step's): its event then records the form it started it in. */
export function startedDeadline(state: { seq: number; deadlines: readonly DeadlineState[] }): boolean {
  return state.deadlines.some((d) => d.startSeq === state.seq);
}

export const TIMER_KINDS = ['remind', 'due', 'escalate'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** A timer the store must hold for a case. */
export interface TimerSpec {
  timerKey: string;
  kind: TimerKind;
  deadlineKey: string;
  index: number;
  generation: number;
  dueAt: string;
}

/** The payload of the built-in `deadline.remind|due|escalate` events. */
export const TimerPayloadSchema = z.object({ deadline: z.string(), index: z.number().int().nonnegative(), generation: z.number().int().nonnegative() }).strict();

/** A state's deadline as compiled (parsed once when the workflow was compiled). */
export function deadlineDef(wf: CompiledWorkflow, stateId: string, deadlineId: string): DeadlineDefinition | undefined {
  return wf.deadlines.get(stateId)?.find((d) => d.id === deadlineId);
}

function calendarFor(wf: CompiledWorkflow, d: DeadlineDefinition, env: StepEnv): CompiledCalendar {
  const id = d.calendar ?? wf.definition.calendar;
  if (!env.calendar) throw new CalendarError('invalid_calendar', `no calendars are loaded, deadline ${d.id} needs "${id}"`, { calendar: id });
  return env.calendar(id);
}

/** A date or date-time held in the case data as an instant (a date: its start or end of day), or undefined when empty. */
function dataInstantIfSet(cal: CompiledCalendar, data: Record<string, unknown>, field: string, edge: 'start' | 'end'): { at: Date; date?: string } | undefined {
  const value = readDataPath(data, field);
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { at: edge === 'start' ? cal.startOfDay(value) : cal.endOfDay(value), date: value };
  return { at: new Date(value) };
}

/** As {@link dataInstantIfSet}, for a field the deadline cannot do without. */
function dataInstant(cal: CompiledCalendar, data: Record<string, unknown>, field: string, edge: 'start' | 'end', deadlineId: string): { at: Date; date?: string } {
  const found = dataInstantIfSet(cal, data, field, edge);
  if (found) return found;
  const name = field.replace(/^data\./, '');
  throw new InvalidDataError(`deadline ${deadlineId} needs the date in data.${name}, which is empty`, [{ code: 'missing_field', path: ['data', ...name.split('.')], message: 'required by a deadline' }]);
}

/** Starts the deadlines a newly entered state declares. */
export function startDeadlines(wf: CompiledWorkflow, stateId: string, data: Record<string, unknown>, seq: number, now: Date, env: StepEnv): DeadlineState[] {
  const defs = wf.deadlines.get(stateId) ?? [];
  return defs.map((d) => {
    const cal = calendarFor(wf, d, env);
    let dueAt: Date;
    let dueDate: string | undefined;
    let mark: { provisional?: true; provisionalYears?: number[] } = {};
    let startedAt = now;
    const due = d.dueField ? dataInstantIfSet(cal, data, d.dueField, 'end') : undefined;
    if (due) {
      // The due date is set in the case (e.g. the order's deadline): it wins over the default duration.
      dueAt = due.at;
      dueDate = due.date;
    } else {
      if (typeof d.anchor === 'object') startedAt = dataInstant(cal, data, d.anchor.field, 'start', d.id).at;
      const computed = addDuration(cal, startedAt, d.duration, { rollover: d.rollover ?? false });
      dueAt = computed.dueAt;
      dueDate = computed.dueDate;
      if (computed.provisional) mark = { provisional: true, provisionalYears: computed.provisionalYears ?? [] };
    }
    const state: DeadlineState = {
      key: `${stateId}#${d.id}`, stateId, deadlineId: d.id, startSeq: seq,
      ...(d.title && !env.compactDeadlines ? { title: d.title } : {}), ...(d.legalBasis && !env.compactDeadlines ? { legalBasis: d.legalBasis } : {}),
      calendar: { id: cal.id, version: cal.version }, startedAt: startedAt.toISOString(), baseDueAt: dueAt.toISOString(), dueAt: dueAt.toISOString(),
      // Running even when already due (an anchor in the past): its due timer then fires at once, so `onExpire` runs.
      ...(dueDate ? { dueDate } : {}), ...mark, status: 'running',
      pausedDays: 0, pausedMs: 0, extensions: [], reminded: 0, escalated: 0, generation: 0,
    };
    return skipPastRungs(wf, state, now, env);
  });
}

/** Reminders (and escalations of an already overdue deadline) whose time has passed are not sent late. */
function skipPastRungs(wf: CompiledWorkflow, dl: DeadlineState, now: Date, env: StepEnv): DeadlineState {
  const d = deadlineDef(wf, dl.stateId, dl.deadlineId);
  if (!d) return dl;
  const cal = calendarFor(wf, d, env);
  const due = new Date(dl.dueAt);
  let reminded = 0;
  for (const r of d.remind ?? []) if (subtractForReminder(cal, due, r.before).getTime() <= now.getTime()) reminded++;
  return { ...dl, reminded: Math.max(dl.reminded, reminded) };
}

/**
 * Pauses deadlines while one of their pause states is active and resumes them
 * when none is, moving the due date by the days (or, for clock deadlines, the
 * time) the clock stood still.
 */
export function applyPauses(wf: CompiledWorkflow, deadlines: DeadlineState[], active: Set<string>, now: Date, env: StepEnv): DeadlineState[] {
  return deadlines.map((dl) => {
    const d = deadlineDef(wf, dl.stateId, dl.deadlineId);
    const shouldPause = (d?.pause ?? []).some((p) => active.has(p));
    if (shouldPause && dl.status !== 'paused') return { ...dl, status: 'paused', pausedAt: now.toISOString() };
    if (!shouldPause && dl.status === 'paused' && dl.pausedAt && d) {
      const cal = calendarFor(wf, d, env);
      const { pausedAt: _p, ...rest } = dl;
      let dueAt: Date;
      let dueDate = dl.dueDate;
      let pausedDays = dl.pausedDays;
      let pausedMs = dl.pausedMs;
      if (dl.dueDate) {
        // Day-based: the days the case spent paused are added to the last day (start and end days as in counting).
        const days = daysBetween(cal.localDateOf(new Date(dl.pausedAt)), cal.localDateOf(now));
        pausedDays += days;
        const rolled = rolledPastPauses(cal, d, dl, pausedDays);
        dueDate = rolled ?? addDays(dl.dueDate, days);
        cal.assertCovers(dueDate);
        dueAt = cal.endOfDay(dueDate);
      } else {
        const ms = now.getTime() - new Date(dl.pausedAt).getTime();
        dueAt = new Date(new Date(dl.dueAt).getTime() + ms);
        pausedMs += ms;
      }
      const moved = dueAt.toISOString() !== dl.dueAt;
      return skipPastRungs(wf, { ...rest, dueAt: dueAt.toISOString(), ...(dueDate ? { dueDate } : {}), pausedDays, pausedMs, status: 'running', generation: dl.generation + (moved ? 1 : 0) }, now, env);
    }
    return dl;
  });
}

/**
 * A day-count deadline that rolls over (e.g. 60 days, Civil Code Art. 203) and
 * was not extended: the paused days are added to the period itself, and only
 * the last day of the longer period rolls over to a working day (adding them
 * to an already rolled date would roll twice). Undefined when not such a deadline.
 */
function rolledPastPauses(cal: CompiledCalendar, d: DeadlineDefinition, dl: DeadlineState, pausedDays: number): string | undefined {
  const parsed = parseDuration(d.duration);
  if (!d.rollover || d.dueField || dl.extensions.length > 0 || parsed.kind !== 'calendar') return undefined;
  if (parsed.years || parsed.months || parsed.weeks || parsed.hours || parsed.minutes || parsed.seconds) return undefined;
  return addDuration(cal, new Date(dl.startedAt), `P${parsed.days + pausedDays}D`, { rollover: true }).dueDate;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Moves a deadline's due date by `by` (an extension), within the declared maximum. Returns the new state or throws. */
export function extendDeadline(wf: CompiledWorkflow, dl: DeadlineState, by: string, now: Date, env: StepEnv): DeadlineState {
  const d = deadlineDef(wf, dl.stateId, dl.deadlineId);
  if (!d?.extension) throw new InvalidDataError(`deadline ${dl.key} cannot be extended`, [{ code: 'not_extensible', path: ['deadline'], message: 'the definition declares no extension' }]);
  const times = d.extension.times ?? 1;
  if (dl.extensions.length >= times) throw new InvalidDataError(`deadline ${dl.key} was already extended ${dl.extensions.length} time(s) (at most ${times})`, [{ code: 'extension_limit', path: ['deadline'], message: `at most ${times}` }]);
  const cal = calendarFor(wf, d, env);
  const parsedBy = parseDuration(by);
  const next = new Date(dl.dueAt);
  const moved = offsetFromDue(cal, next, by, { rollover: d.rollover ?? false });
  const limit = offsetFromDue(cal, new Date(dl.baseDueAt), d.extension.max, { rollover: d.rollover ?? false });
  // Pauses move the base too: the maximum is counted from the paused-adjusted original.
  const limitAt = dl.dueDate && dl.pausedDays ? cal.endOfDay(addDays(cal.localDateOf(new Date(limit.getTime() - 1)), dl.pausedDays)) : new Date(limit.getTime() + dl.pausedMs);
  if (moved.getTime() > limitAt.getTime()) {
    throw new InvalidDataError(`extending ${dl.key} by ${by} would pass the maximum extension ${d.extension.max} (latest ${limitAt.toISOString()})`, [{ code: 'extension_too_long', path: ['payload', 'by'], message: `at most ${d.extension.max} in total` }]);
  }
  const dueDate = dl.dueDate ? cal.localDateOf(new Date(moved.getTime() - 1)) : undefined;
  const status = dl.status === 'paused' ? 'paused' : moved.getTime() <= now.getTime() ? 'overdue' : 'running';
  // Counting working days (or rolling over) past the old due day consults those days' status.
  const consulted = parsedBy.kind === 'workdays' || d.rollover === true
    ? provisionalMark(cal, addDays(cal.localDateOf(new Date(next.getTime() - 1)), 1), cal.localDateOf(new Date(moved.getTime() - 1))).provisionalYears ?? []
    : [];
  const years = [...new Set([...(dl.provisionalYears ?? []), ...consulted])].sort((a, b) => a - b);
  const mark = years.length > 0 ? { provisional: true as const, provisionalYears: years } : {};
  return { ...dl, dueAt: moved.toISOString(), ...(dueDate ? { dueDate } : {}), ...mark, status, escalated: status === 'overdue' ? dl.escalated : 0, reminded: 0, generation: dl.generation + 1 };
}

/** True when a deadline rests on a provisional year of calendar `cal`'s id and `cal` is a newer version than it was computed on. */
export function needsRebaseline(dl: DeadlineState, cal: CompiledCalendar): boolean {
  return dl.provisional === true && dl.calendar.id === cal.id && dl.calendar.version !== cal.version;
}

/**
 * Recomputes a deadline on calendar `cal` (a newer version of its calendar,
 * e.g. with the official notice of a year that was provisional): the base due
 * date from its start and duration, then the days it stood paused, then its
 * extensions in the order granted. A due date taken from the case data does
 * not depend on the calendar and is kept. Moves the generation, so its
 * timers are replaced. Pure.
 */
export function rebaselineDeadline(wf: CompiledWorkflow, dl: DeadlineState, cal: CompiledCalendar, data: Record<string, unknown>, now: Date, env: StepEnv): DeadlineState {
  const d = deadlineDef(wf, dl.stateId, dl.deadlineId);
  const stamp = { ...dl, calendar: { id: cal.id, version: cal.version } };
  const { provisional: _p, provisionalYears: _y, ...unmarked } = stamp;
  if (!d || (d.dueField && dataInstantIfSet(cal, data, d.dueField, 'end'))) return unmarked;
  const rollover = d.rollover ?? false;
  const base = addDuration(cal, new Date(dl.startedAt), d.duration, { rollover });
  const years = new Set(base.provisionalYears ?? []);
  let dueAt = base.dueAt;
  if (base.dueDate !== undefined && dl.pausedDays) dueAt = cal.endOfDay(addDays(base.dueDate, dl.pausedDays));
  else if (dl.pausedMs) dueAt = new Date(dueAt.getTime() + dl.pausedMs);
  for (const ext of dl.extensions) {
    const moved = offsetFromDue(cal, dueAt, ext.by, { rollover });
    if (parseDuration(ext.by).kind === 'workdays' || rollover) {
      for (const y of provisionalMark(cal, addDays(cal.localDateOf(new Date(dueAt.getTime() - 1)), 1), cal.localDateOf(new Date(moved.getTime() - 1))).provisionalYears ?? []) years.add(y);
    }
    dueAt = moved;
  }
  const moved = dueAt.toISOString() !== dl.dueAt;
  const dueDate = dl.dueDate !== undefined ? cal.localDateOf(new Date(dueAt.getTime() - 1)) : undefined;
  // An overdue deadline that now falls due later runs again; a running one now past due stays running, so its due timer fires at once.
  const status = dl.status === 'overdue' && dueAt.getTime() > now.getTime() ? 'running' : dl.status;
  const next: DeadlineState = {
    ...unmarked, baseDueAt: base.dueAt.toISOString(), dueAt: dueAt.toISOString(), ...(dueDate !== undefined ? { dueDate } : {}), status,
    ...(years.size > 0 ? { provisional: true as const, provisionalYears: [...years].sort((a, b) => a - b) } : {}),
    ...(status !== dl.status ? { escalated: 0 } : {}),
    // Always a new generation: reminders and escalations count from the new calendar too, so every timer is replaced.
    generation: dl.generation + 1,
  };
  return moved ? skipPastRungs(wf, { ...next, reminded: 0 }, now, env) : next;
}

/** The timers a set of deadlines needs now: the next reminder, the due time, the next escalation. */
export function timersOf(wf: CompiledWorkflow, caseId: string, deadlines: DeadlineState[], env: StepEnv): TimerSpec[] {
  const out: TimerSpec[] = [];
  for (const dl of deadlines) {
    if (dl.status === 'paused') continue;
    const d = deadlineDef(wf, dl.stateId, dl.deadlineId);
    if (!d) continue;
    const cal = calendarFor(wf, d, env);
    const due = new Date(dl.dueAt);
    const spec = (kind: TimerKind, index: number, at: Date): TimerSpec => ({
      timerKey: `${caseId}:${dl.key}@${dl.startSeq}:${kind}:${index}:g${dl.generation}`, kind, deadlineKey: dl.key, index, generation: dl.generation, dueAt: at.toISOString(),
    });
    const reminders = d.remind ?? [];
    if (dl.status === 'running') {
      const r = reminders[dl.reminded];
      if (r) out.push(spec('remind', dl.reminded, subtractForReminder(cal, due, r.before)));
      out.push(spec('due', 0, due));
    }
    // Escalations are armed once the due timer has fired, so they always follow it.
    const e = (d.escalate ?? [])[dl.escalated];
    if (e && dl.status === 'overdue') out.push(spec('escalate', dl.escalated, offsetFromDue(cal, due, e.after)));
  }
  return out.sort((a, b) => a.timerKey.localeCompare(b.timerKey));
}

/**
 * The due time of every task a state offers: the earliest running deadline of
 * the task's state, its ancestors or its descendants (null: none, or all
 * paused). A multi-person task (会签 / 或签 / 票签) has one row per signer
 * not yet signed (`signs`), each with the task's due time, so every
 * signer's worklist shows the deadline. Pure.
 */
export function taskDueTimes(wf: CompiledWorkflow, caseId: string, value: unknown, deadlines: DeadlineState[], signs?: Record<string, Pick<SignState, 'slots' | 'signatures'>>): { taskKey: string; dueAt: string | null; dueProvisional?: boolean }[] {
  const active = activeNodeIds(value);
  const out: { taskKey: string; dueAt: string | null; dueProvisional?: boolean }[] = [];
  for (const id of active) {
    const task = wf.tree.byId.get(id)?.def.task;
    if (!task) continue;
    const related = deadlines.filter((d) => d.status !== 'paused' && (d.stateId === id || d.stateId.startsWith(`${id}.`) || id.startsWith(`${d.stateId}.`)));
    const due = related.map((d) => d.dueAt).sort()[0] ?? null;
    const provisional = due !== null && related.some((d) => d.dueAt === due && d.provisional === true);
    const sign = task.sign ? signs?.[id] : undefined;
    const signed = new Set(sign?.signatures.map((s) => s.slot));
    const keys = sign ? sign.slots.filter((s) => !signed.has(s.id)).map((s) => slotTaskKey(caseId, id, s.id)) : [`${caseId}:${id}`];
    for (const taskKey of keys) out.push({ taskKey, dueAt: due, ...(provisional ? { dueProvisional: true } : {}) });
  }
  return out;
}
