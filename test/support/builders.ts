/**
 * Hand-built store fixtures: case records, events, task effects and the commit
 * requests that tie them together. They need no workflow and no engine, so the
 * store contract can be tested on its own. Hashes are arbitrary but coherent
 * (`record.lastHash` = `event.hash`, `event.prevHash` = the previous hash),
 * because the store checks that much.
 */
import type { Effect, SetTimerEffect } from '../../engine/core/effects.js';
import type { Actor, CaseState } from '../../engine/core/types.js';
import type { CaseRecord, CommitRequest, EventRecord, StoredDefinition } from '../../engine/ports.js';

/** The `prevHash` of every case's first event in these fixtures. */
export const FIXTURE_GENESIS = '0'.repeat(64);

/** The instant fixture events start from; event `seq` is at this time plus `seq` minutes. */
export const FIXTURE_T0 = Date.parse('2026-03-02T02:00:00.000Z');

/** An inspector of a district, the default actor of fixture events. */
export const inspector: Actor = { id: 'u-inspector', roles: ['inspector'], org: 'district-a', name: '张检查' };

/** What a fixture commit may set; everything else gets a plausible default. */
export interface CommitOptions {
  type?: string;
  payload?: Record<string, unknown>;
  /** Case data after the event. */
  data?: Record<string, unknown>;
  /** State value after the event. */
  value?: CaseState['value'];
  status?: CaseRecord['status'];
  at?: string;
  actor?: Actor;
  idempotencyKey?: string | null;
  effects?: Effect[];
  /** Only when creating. */
  creationKey?: string | null;
  org?: string;
  workflowId?: string;
  workflowVersion?: number;
}

/** ISO instant of fixture event `seq`. */
export function fixtureAt(seq: number): string {
  return new Date(FIXTURE_T0 + seq * 60_000).toISOString();
}

/** The commit that creates case `caseId` with event 1. */
export function createCommit(caseId: string, opts: CommitOptions = {}): CommitRequest {
  const at = opts.at ?? fixtureAt(1);
  const base: CaseRecord = {
    id: caseId,
    workflowId: opts.workflowId ?? 'hazard',
    workflowVersion: opts.workflowVersion ?? 1,
    org: opts.org ?? 'district-a',
    status: 'active',
    state: { caseId, org: opts.org ?? 'district-a', value: 'reported', data: {}, status: 'active', seq: 0, deadlines: [] },
    version: 0,
    lastHash: FIXTURE_GENESIS,
    createdAt: at,
    updatedAt: at,
    creationKey: opts.creationKey ?? null,
  };
  return { ...buildCommit(base, { type: 'case.created', ...opts, at }), expectedVersion: null };
}

/** The commit that appends the next event to `current` (read at `current.version`). */
export function nextCommit(current: CaseRecord, opts: CommitOptions = {}): CommitRequest {
  return buildCommit(current, opts);
}

function buildCommit(current: CaseRecord, opts: CommitOptions): CommitRequest {
  const seq = current.version + 1;
  const at = opts.at ?? fixtureAt(seq);
  const status = opts.status ?? current.status;
  const state: CaseState = {
    ...current.state,
    value: opts.value ?? current.state.value,
    data: (opts.data ?? current.state.data) as CaseState['data'],
    status,
    seq,
  };
  const event: EventRecord = {
    caseId: current.id,
    seq,
    type: opts.type ?? 'note',
    payload: opts.payload ?? {},
    actor: opts.actor ?? inspector,
    at,
    idempotencyKey: opts.idempotencyKey ?? null,
    state,
    env: { calendars: {} },
    prevHash: current.lastHash,
    hash: `h-${current.id}-${seq}-${at}`,
  };
  const record: CaseRecord = { ...current, status, state, version: seq, lastHash: event.hash, updatedAt: at };
  return { record, expectedVersion: current.version, event, effects: opts.effects ?? [] };
}

/** An `open-task` effect for `caseId:stateId`. */
export function openTask(caseId: string, stateId: string, role: string, org = 'district-a', title: unknown = { zh: `处理${stateId}`, en: `Handle ${stateId}` }): Effect {
  return { type: 'open-task', id: `${caseId}/${stateId}/open`, taskKey: `${caseId}:${stateId}`, stateId, role, org, title: title as { zh: string } };
}

/** A `close-task` effect for `caseId:stateId`. */
export function closeTask(caseId: string, stateId: string): Effect {
  return { type: 'close-task', id: `${caseId}/${stateId}/close`, taskKey: `${caseId}:${stateId}`, stateId };
}

/** A `set-timer` effect for a deadline of `caseId` due at `dueAt`. */
export function setTimer(caseId: string, deadlineKey: string, dueAt: string, kind: SetTimerEffect['kind'] = 'due', generation = 1): SetTimerEffect {
  const timerKey = `${caseId}:${deadlineKey}@1:${kind}:0:g${generation}`;
  return { type: 'set-timer', id: `${timerKey}/set`, timerKey, kind, deadlineKey, index: 0, generation, dueAt };
}

/** A `cancel-timer` effect for a key made by {@link setTimer}. */
export function cancelTimer(timerKey: string): Effect {
  return { type: 'cancel-timer', id: `${timerKey}/cancel`, timerKey };
}

/** A `case-closed` effect. */
export function caseClosed(caseId: string, finalState = 'closed'): Effect {
  return { type: 'case-closed', id: `${caseId}/closed`, finalState };
}

/** A stored definition version (owned by the root unless `ownerOrg` is given); `hash` defaults to one derived from the content. */
export function buildDefinition(workflowId: string, version: number, definition: unknown = { id: workflowId, version }, hash?: string, ownerOrg: string | null = null): StoredDefinition {
  return { workflowId, version, hash: hash ?? `sha-${JSON.stringify(definition)}`, definition, createdAt: fixtureAt(0), ownerOrg };
}
