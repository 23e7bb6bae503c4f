/**
 * The case as callers see it: state, data, open tasks, and the events an actor
 * may send now with their input schemas.
 */
import type { CompiledWorkflow } from '../core/compile.js';
import { availableEvents } from '../core/step.js';
import { formatStateValue, type Actor, type StateValue } from '../core/types.js';
import type { CaseRecord, TaskRecord } from '../ports.js';
import { countWorkdaysBetween, type CompiledCalendar } from '../core/calendar/index.js';
import type { DeadlineState } from '../core/deadline-state.js';
import type { LocalizedText } from '../core/definition-schema.js';
import { copiesOf, delegations, signingProgress, taskOpsFor, type DelegationView, type SigningView, type TaskOpsAllowed } from '../core/task-ops-view.js';
import type { CopyState } from '../core/sign-state.js';

/** A running deadline as people see it. */
export interface DeadlineView {
  key: string;
  stateId: string;
  title?: LocalizedText | undefined;
  legalBasis?: LocalizedText | undefined;
  dueAt: string;
  dueDate?: string | undefined;
  status: DeadlineState['status'];
  paused: boolean;
  overdue: boolean;
  /** Working days left after today up to the due day (0 when due today or past); null beyond the loaded calendar years. */
  remainingWorkdays: number | null;
  calendar: { id: string; version: number };
  /** Present when the due date rests on a provisional calendar year: it may move when the official notice arrives. */
  provisional?: true;
  /** Those provisional years. */
  provisionalYears?: number[];
  pausedDays: number;
  extensions: DeadlineState['extensions'];
}

/** Turns recorded deadlines into views at `now`. */
export function toDeadlineViews(deadlines: DeadlineState[], now: Date, calendarOf: (d: DeadlineState) => CompiledCalendar | undefined): DeadlineView[] {
  return deadlines.map((d) => {
    const cal = calendarOf(d);
    let remaining: number | null = null;
    try {
      remaining = cal ? countWorkdaysBetween(cal, now, new Date(d.dueAt)) : null;
    } catch {
      remaining = null; // beyond the loaded years: unknown, never guessed
    }
    return {
      key: d.key, stateId: d.stateId, title: d.title, legalBasis: d.legalBasis, dueAt: d.dueAt, dueDate: d.dueDate, status: d.status,
      paused: d.status === 'paused', overdue: d.status === 'overdue' || (d.status === 'running' && new Date(d.dueAt).getTime() <= now.getTime()),
      remainingWorkdays: remaining, calendar: d.calendar, pausedDays: d.pausedDays, extensions: d.extensions,
      ...(d.provisional ? { provisional: true as const, provisionalYears: d.provisionalYears ?? [] } : {}),
    };
  });
}

export interface CaseView {
  id: string;
  workflowId: string;
  workflowVersion: number;
  /** The org the case's definition version is registered at (null: the root, e.g. a built-in workflow). */
  workflowOwner: string | null;
  org: string;
  status: 'active' | 'done';
  /** xstate state value. */
  value: StateValue;
  /** Human form of the state value, e.g. `major.planReview`. */
  stateLabel: string;
  data: Record<string, unknown>;
  version: number;
  tasks: TaskRecord[];
  /** Running deadlines with due dates, remaining working days and overdue flags. */
  deadlines: DeadlineView[];
  /** The case that spawned this one, if any; with `handOver`, an incoming case handed over from another org's jurisdiction. */
  parent: NonNullable<CaseRecord['state']['parent']> | null;
  /** Cases this one spawned (one per recipient unit, say) and how each ended. */
  children: NonNullable<CaseRecord['state']['children']>;
  createdAt: string;
  updatedAt: string;
  /** Present when the view was asked for on behalf of an actor. */
  availableEvents?: ReturnType<typeof availableEvents>;
  /** Multi-person tasks: who has signed, who is pending (present when the view had the definition). */
  signing?: SigningView[];
  /** Tasks out on delegation (委派). */
  delegations?: DelegationView[];
  /** Copies (抄送) and who has read them. */
  copies?: CopyState[];
  /** What the actor may do now among signing, delegating and reading copies. */
  taskOps?: TaskOpsAllowed;
}

export function toCaseView(record: CaseRecord, tasks: TaskRecord[], deadlines: DeadlineView[], wf?: CompiledWorkflow, actor?: Actor, now?: Date, owner: string | null = null): CaseView {
  return {
    id: record.id,
    workflowId: record.workflowId,
    workflowVersion: record.workflowVersion,
    workflowOwner: owner,
    org: record.org,
    status: record.status,
    value: record.state.value,
    stateLabel: formatStateValue(record.state.value),
    data: record.state.data,
    version: record.version,
    tasks,
    deadlines,
    parent: record.state.parent ?? null,
    children: record.state.children ?? [],
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(wf && actor ? { availableEvents: availableEvents(wf, record.state, actor, now ?? new Date(record.updatedAt)) } : {}),
    ...(wf ? { signing: signingProgress(wf, record.state), delegations: delegations(record.state), copies: copiesOf(record.state) } : {}),
    ...(wf && actor ? { taskOps: taskOpsFor(wf, record.state, actor) } : {}),
  };
}
