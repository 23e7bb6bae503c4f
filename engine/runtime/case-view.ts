/**
 * The case as callers see it: state, data, open tasks, and the events an actor
 * may send now with their input schemas.
 */
import type { CompiledWorkflow } from '../core/compile.js';
import { availableEvents } from '../core/step.js';
import { formatStateValue, type Actor, type StateValue } from '../core/types.js';
import type { CaseRecord, TaskRecord } from '../ports.js';

export interface CaseView {
  id: string;
  workflowId: string;
  workflowVersion: number;
  org: string;
  status: 'active' | 'done';
  /** xstate state value. */
  value: StateValue;
  /** Human form of the state value, e.g. `major.planReview`. */
  stateLabel: string;
  data: Record<string, unknown>;
  version: number;
  tasks: TaskRecord[];
  createdAt: string;
  updatedAt: string;
  /** Present when the view was asked for on behalf of an actor. */
  availableEvents?: ReturnType<typeof availableEvents>;
}

export function toCaseView(record: CaseRecord, tasks: TaskRecord[], wf?: CompiledWorkflow, actor?: Actor, now?: Date): CaseView {
  return {
    id: record.id,
    workflowId: record.workflowId,
    workflowVersion: record.workflowVersion,
    org: record.org,
    status: record.status,
    value: record.state.value,
    stateLabel: formatStateValue(record.state.value),
    data: record.state.data,
    version: record.version,
    tasks,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(wf && actor ? { availableEvents: availableEvents(wf, record.state, actor, now ?? new Date(record.updatedAt)) } : {}),
  };
}
