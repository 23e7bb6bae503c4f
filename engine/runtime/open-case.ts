/**
 * Creating a case: validate the initial data, enter the initial states and
 * write the case with its first event (`case.created`) in one transaction.
 */
import { taskDueTimes } from '../core/deadlines.js';
import { initialStep } from '../core/step.js';
import type { Effect } from '../core/effects.js';
import type { Actor } from '../core/types.js';
import { IdempotencyConflictError, VersionConflictError } from '../errors.js';
import type { CaseRecord, EventRecord } from '../ports.js';
import type { EngineDeps } from './deps.js';
import { canonicalJson, GENESIS_HASH, hashEvent } from './hash.js';

/** The type of every case's first event. */
export const CASE_CREATED = 'case.created';

export interface CreateCaseInput {
  workflowId: string;
  /** Pinned version; the latest stored version when omitted. */
  version?: number | undefined;
  org: string;
  data?: Record<string, unknown> | undefined;
  actor: Actor;
  /** Optional client-chosen id. */
  caseId?: string | undefined;
  idempotencyKey?: string | undefined;
}

export interface CreateCaseResult {
  record: CaseRecord;
  event: EventRecord;
  /** True when an earlier call with the same idempotency key created the case. */
  duplicate: boolean;
  /** The effects committed with the event (none for a duplicate). */
  effects: Effect[];
}

/** Creates a case. Writes the case row, event 1 and the first tasks in one transaction. */
export async function openCase(deps: EngineDeps, input: CreateCaseInput): Promise<CreateCaseResult> {
  const wf = await deps.registry.get(input.workflowId, input.version);
  const key = input.idempotencyKey ?? null;
  try {
    const result: CreateCaseResult = await deps.store.transaction(async (tx) => {
      if (key) {
        const existing = await tx.findCaseByCreationKey(key);
        if (existing) return duplicateOf(existing, (await tx.listEvents(existing.id, { toSeq: 1 }))[0], input, key);
      }
      const now = deps.clock.now();
      const caseId = input.caseId ?? deps.newId();
      const cals = await deps.calendars.forStep();
      const { state, effects, payload } = initialStep(wf, { caseId, org: input.org, data: input.data ?? {}, actor: input.actor }, now, { calendar: cals.lookup });
      const at = now.toISOString();
      const unsigned: Omit<EventRecord, 'hash'> = {
        caseId, seq: 1, type: CASE_CREATED, payload: { workflow: wf.ref, org: input.org, data: payload }, actor: input.actor, at, idempotencyKey: key, state, env: { calendars: cals.used }, prevHash: GENESIS_HASH,
      };
      const event: EventRecord = { ...unsigned, hash: hashEvent(unsigned) };
      const record: CaseRecord = {
        id: caseId, workflowId: wf.definition.id, workflowVersion: wf.definition.version, org: input.org, status: state.status, state, version: 1, lastHash: event.hash, createdAt: at, updatedAt: at, creationKey: key,
      };
      await tx.commit({ record, expectedVersion: null, event, effects, taskDue: taskDueTimes(wf, caseId, state.value, state.deadlines) });
      return { record, event, duplicate: false, effects };
    });
    if (!result.duplicate) deps.afterCommit?.({ event: result.event, effects: result.effects });
    return result;
  } catch (err) {
    // Two concurrent creations with one key: the loser finds the winner's case.
    if (key && err instanceof VersionConflictError) {
      const found = await deps.store.transaction(async (tx) => {
        const existing = await tx.findCaseByCreationKey(key);
        return existing && { existing, first: (await tx.listEvents(existing.id, { toSeq: 1 }))[0] };
      });
      if (found) return duplicateOf(found.existing, found.first, input, key);
    }
    throw err;
  }
}

function duplicateOf(existing: CaseRecord, first: EventRecord | undefined, input: CreateCaseInput, key: string): CreateCaseResult {
  if (!first) throw new IdempotencyConflictError(key);
  const same = existing.workflowId === input.workflowId && existing.org === input.org && canonicalJson((first.payload as { data?: unknown }).data ?? {}) === canonicalJson(normalise(input.data));
  if (!same) throw new IdempotencyConflictError(key);
  return { record: existing, event: first, duplicate: true, effects: [] };
}

function normalise(data: Record<string, unknown> | undefined): unknown {
  return JSON.parse(JSON.stringify(data ?? {})) as unknown;
}
