/**
 * Per-case statistics facts, derived from a case's event history by a pure
 * fold: the same events always give the same facts, so the `case_facts` read
 * model written in each step's transaction and the one `duban stats rebuild`
 * recomputes from the history are identical, and the facts "as of" a past
 * instant are the fold of the events up to it.
 *
 * The counting rules the reports use are named functions here too (see
 * `.notes/stats.md`): {@link isOverdueAt}, {@link rectifiedOnTime},
 * {@link isOpenMajorHazardAt}, {@link countsAsAccident}, {@link belongsAt}.
 * Pure.
 */
import type { EventRecord } from '../ports.js';
import type { StateValue } from '../core/types.js';

/** What the fold needs to know about a definition: its id and which final states end a case without handling it. */
export interface FactsDefinition {
  id: string;
  /** Top-level final states tagged `terminated` (rejected, cancelled, transferred …). */
  terminatedStates: readonly string[];
}

/** One case's facts. Instants are ISO strings; null when not (yet) known. */
export interface CaseFacts {
  caseId: string;
  workflowId: string;
  org: string;
  /** Seq of the last event folded in. */
  seq: number;
  /** Hazard grade (`general`/`major`) or accident grade (`general` … `extraordinary`). */
  grade: string | null;
  /** Industry (行业领域) as entered (`sector`). */
  industry: string | null;
  /** Where a hazard came from (`source`), or `tipOff` for a hazard spawned by a tip-off. */
  source: string | null;
  openedAt: string;
  closedAt: string | null;
  /** The case ended in a state tagged `terminated` (not accepted, cancelled, transferred, dismissed). */
  terminated: boolean;
  /** When one of its deadlines first went overdue. */
  firstOverdueAt: string | null;
  /** When an accident happened (`occurredAt`), when given. */
  occurredAt: string | null;
  /** When an accident's grade was confirmed by the regulator (`gradedAt` of an accident). */
  confirmedAt: string | null;
  deaths: number | null;
  injuries: number | null;
  directLossCny: number | null;
  /** A deadline that ended while still running (met) or after going overdue (missed). */
  deadlinesMet: number;
  deadlinesMissed: number;
  /** Escalation rungs fired (`deadline.escalate`). */
  escalations: number;
  /** Listed for supervision (挂牌督办). */
  listed: boolean;
  /** The deadlines running after the last event (key → whether overdue), to tell met from missed when one ends. */
  openDeadlines: Record<string, boolean>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The top-level key of a state value. */
function topState(value: StateValue): string {
  return typeof value === 'string' ? value : (Object.keys(value)[0] ?? '');
}

/** Folds one event into the facts before it (undefined for `case.created`). */
export function foldFacts(def: FactsDefinition, prev: CaseFacts | undefined, event: EventRecord): CaseFacts {
  const state = event.state;
  const data = state.data;
  const base: CaseFacts = prev ?? {
    caseId: event.caseId, workflowId: def.id, org: state.org, seq: 0, grade: null, industry: null, source: null, openedAt: event.at, closedAt: null,
    terminated: false, firstOverdueAt: null, occurredAt: null, confirmedAt: null, deaths: null, injuries: null, directLossCny: null,
    deadlinesMet: 0, deadlinesMissed: 0, escalations: 0, listed: false, openDeadlines: {},
  };
  const f: CaseFacts = { ...base, seq: event.seq, org: state.org };
  f.grade = str(data.grade);
  f.industry = str(data.sector);
  f.source = str(data.source) ?? (state.parent && def.id === 'hazard' ? 'tipOff' : null);
  f.occurredAt = str(data.occurredAt);
  f.deaths = num(data.deaths);
  f.injuries = num(data.seriousInjuries);
  f.directLossCny = num(data.directLossCny);
  f.listed = data.listed === true;
  if (def.id === 'accident') f.confirmedAt = str(data.gradedAt);
  if (event.type === 'deadline.due' && f.firstOverdueAt === null) f.firstOverdueAt = event.at;
  if (event.type === 'deadline.escalate') f.escalations += 1;
  // Deadlines that left the state with this event: met if still running, missed if overdue.
  const now = Object.fromEntries(state.deadlines.map((d) => [d.key, d.status === 'overdue']));
  for (const [key, overdue] of Object.entries(base.openDeadlines)) {
    if (key in now) continue;
    if (overdue) f.deadlinesMissed += 1;
    else f.deadlinesMet += 1;
  }
  f.openDeadlines = now;
  if (state.status === 'done' && f.closedAt === null) {
    f.closedAt = event.at;
    f.terminated = def.terminatedStates.includes(topState(state.value));
  }
  return f;
}

/**
 * The facts of a case from its events (in seq order); with `at`, only the
 * events recorded at or before that instant count. Undefined when no event
 * counts (the case did not exist yet).
 */
export function factsOf(def: FactsDefinition, events: readonly EventRecord[], at?: string): CaseFacts | undefined {
  let f: CaseFacts | undefined;
  for (const e of events) {
    if (at !== undefined && Date.parse(e.at) > Date.parse(at)) break;
    f = foldFacts(def, f, e);
  }
  return f;
}

// ---------------------------------------------------------------------------
// Counting rules
// ---------------------------------------------------------------------------

/**
 * The instant that decides which month a case belongs to: an accident its
 * occurrence (`occurredAt`, else when it was reported), anything else when it
 * was opened (a hazard: reported; a tip-off: received; a letter: issued).
 */
export function belongsAt(f: CaseFacts): string {
  return f.workflowId === 'accident' ? (f.occurredAt ?? f.openedAt) : f.openedAt;
}

/** Overdue at `at`: one of its deadlines had gone overdue by then and the case was still open then. */
export function isOverdueAt(f: CaseFacts, at: string): boolean {
  const t = Date.parse(at);
  return f.firstOverdueAt !== null && Date.parse(f.firstOverdueAt) <= t && (f.closedAt === null || Date.parse(f.closedAt) > t);
}

/** Rectified (整改完成): a hazard case closed by being written off (not rejected, transferred or cancelled). */
export function isRectified(f: CaseFacts, at?: string): boolean {
  return f.closedAt !== null && !f.terminated && (at === undefined || Date.parse(f.closedAt) <= Date.parse(at));
}

/** Rectified on time: rectified, and no deadline of the case ever went overdue before it closed. */
export function rectifiedOnTime(f: CaseFacts, at?: string): boolean {
  return isRectified(f, at) && (f.firstOverdueAt === null || Date.parse(f.firstOverdueAt) >= Date.parse(f.closedAt!));
}

/** Open major hazard (重大隐患未销号) at `at`: a hazard graded major, opened by then and not closed by then. */
export function isOpenMajorHazardAt(f: CaseFacts, at: string): boolean {
  const t = Date.parse(at);
  return f.workflowId === 'hazard' && f.grade === 'major' && Date.parse(f.openedAt) <= t && (f.closedAt === null || Date.parse(f.closedAt) > t);
}

/** An accident that counts (in the report and against quotas): its grade was confirmed and it was not dismissed. */
export function countsAsAccident(f: CaseFacts): boolean {
  return f.workflowId === 'accident' && f.confirmedAt !== null && !f.terminated;
}
