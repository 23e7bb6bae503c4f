/**
 * Replay: folds a case's recorded events through the definition version pinned
 * on the case, with each event's recorded time as `now`.
 */
import type { CompiledWorkflow } from '../core/compile.js';
import { recordedHandOver } from '../core/jurisdiction.js';
import { decide, decideStart, type NewCase } from '../core/decide.js';
import type { CaseState } from '../core/types.js';
import type { HistoryView } from '../core/task-events.js';
import { CaseNotFoundError, EngineError, ReplayDivergedError } from '../errors.js';
import type { CaseRecord, EventRecord } from '../ports.js';
import type { EngineDeps } from './deps.js';
import { CASE_CREATED } from './open-case.js';
import { replayFromSnapshot } from './snapshots.js';
import { CASE_MIGRATED } from '../core/migrate.js';
import { replayMigration, workflowAfter, workflowAfterSeq } from './replay-versions.js';

export interface ReplayResult {
  caseId: string;
  /** The seq the state is at. */
  seq: number;
  state: CaseState;
  /** The event at `seq`. */
  event: EventRecord;
}

/** Applies one recorded event to the state before it, with the calendars it recorded. */
export async function applyRecorded(deps: Pick<EngineDeps, 'calendars'> & Partial<Pick<EngineDeps, 'registry'>>, wf: CompiledWorkflow, before: CaseState | undefined, event: EventRecord, history?: HistoryView): Promise<CaseState> {
  // A step that resolved a hand-over recorded the answer; replay uses it, whatever the org tree says today.
  const handOvers = event.env?.handOvers;
  const env = {
    calendar: await deps.calendars.forReplay(event.env?.calendars), history, ...(handOvers ? { handOver: recordedHandOver(handOvers) } : {}),
    // Deadlines start in the form the event recorded (states recorded before the compact form replay as they were).
    compactDeadlines: event.env?.deadlineForm === 'compact',
  };
  if (event.seq === 1) {
    if (event.type !== CASE_CREATED || before) throw new ReplayDivergedError(event.caseId, event.seq, `first event is ${event.type}, not ${CASE_CREATED}`);
    const p = event.payload as { org?: unknown; data?: unknown; parent?: NewCase['parent']; orgAncestry?: string[] };
    return decideStart(wf, { caseId: event.caseId, org: String(p.org), data: (p.data ?? {}) as Record<string, unknown>, actor: event.actor, ...(p.parent ? { parent: p.parent } : {}), ...(p.orgAncestry ? { orgAncestry: p.orgAncestry } : {}) }, new Date(event.at), env).state;
  }
  if (!before) throw new ReplayDivergedError(event.caseId, event.seq, 'no state before this event');
  if (event.type === CASE_MIGRATED) return replayMigration(deps, wf, before, event, env);
  return decide(wf, before, { type: event.type, payload: event.payload, actor: event.actor }, new Date(event.at), env).state;
}

/** What a recorded `task.withdraw` saw: the event before it and the replayed state before that one. */
export function withdrawHistory(event: EventRecord, previous: { event: EventRecord; stateBefore: CaseState | undefined } | undefined): HistoryView | undefined {
  if ((event.type !== 'task.withdraw' && event.type !== 'task.takeBack') || !previous?.stateBefore) return undefined;
  return { lastEvent: { seq: previous.event.seq, type: previous.event.type, actorId: previous.event.actor.id }, stateBefore: previous.stateBefore };
}

/**
 * The calendars of a replay, each set of recorded calendar versions looked up once: consecutive
 * events mostly record the same versions, and a pinned version never changes.
 */
export function replayCalendars(deps: Pick<EngineDeps, 'calendars'> & Partial<Pick<EngineDeps, 'registry'>>): Pick<EngineDeps, 'calendars'> & Partial<Pick<EngineDeps, 'registry'>> {
  const seen = new Map<string, ReturnType<EngineDeps['calendars']['forReplay']>>();
  const forReplay: EngineDeps['calendars']['forReplay'] = (versions) => {
    const key = JSON.stringify(versions ?? {});
    let lookup = seen.get(key);
    if (!lookup) seen.set(key, (lookup = deps.calendars.forReplay(versions)));
    return lookup;
  };
  return { calendars: Object.assign(Object.create(deps.calendars) as EngineDeps['calendars'], { forReplay }), ...(deps.registry ? { registry: deps.registry } : {}) };
}

/** Replays events in order, calling `visit` with the state after each. */
export async function foldEvents(plainDeps: Pick<EngineDeps, 'calendars'> & Partial<Pick<EngineDeps, 'registry'>>, startWf: CompiledWorkflow, events: EventRecord[], visit?: (state: CaseState, event: EventRecord) => void): Promise<CaseState | undefined> {
  const deps = replayCalendars(plainDeps);
  let state: CaseState | undefined;
  let wf = startWf;
  let previous: { event: EventRecord; stateBefore: CaseState | undefined } | undefined;
  for (const event of events) {
    try {
      const before = state;
      state = await applyRecorded(deps, wf, state, event, withdrawHistory(event, previous));
      // After a migration the events run through the version it moved the case to.
      if (event.type === CASE_MIGRATED && deps.registry) wf = await workflowAfter({ registry: deps.registry }, wf, event);
      previous = { event, stateBefore: before };
    } catch (err) {
      if (err instanceof ReplayDivergedError) throw err;
      const reason = err instanceof EngineError ? `${err.code}: ${err.message}` : String(err);
      throw new ReplayDivergedError(event.caseId, event.seq, `the recorded event is refused on replay (${reason})`);
    }
    visit?.(state, event);
  }
  return state;
}

/** The state of a case at `atSeq` (the latest when omitted). */
export async function replayCase(deps: EngineDeps, caseId: string, opts: { atSeq?: number | undefined; fromStart?: boolean | undefined } = {}): Promise<ReplayResult> {
  const record = await deps.store.getCase(caseId);
  if (!record) throw new CaseNotFoundError(caseId);
  const atSeq = opts.atSeq ?? record.version;
  if (!Number.isInteger(atSeq) || atSeq < 1 || atSeq > record.version) {
    throw new EngineError('invalid_input', `seq ${atSeq} is outside 1..${record.version} for case ${caseId}`, { caseId, atSeq, latest: record.version });
  }
  const { state, last } = opts.fromStart ? await replayFromStart(deps, record, atSeq) : await replayFromSnapshot(deps, record, atSeq);
  if (!state || !last) throw new ReplayDivergedError(caseId, atSeq, 'no events recorded');
  return { caseId, seq: last.seq, state, event: last };
}

/** Every event from 1 to `atSeq`, folded: no snapshot used. */
async function replayFromStart(deps: EngineDeps, record: CaseRecord, atSeq: number): Promise<{ state: CaseState | undefined; last: EventRecord | undefined }> {
  const events = await deps.store.listEvents(record.id, { toSeq: atSeq });
  // The version in force at creation: the one the first migration left, if any.
  return { state: await foldEvents(deps, await workflowAfterSeq(deps, record, 1, events), events), last: events[events.length - 1] };
}
