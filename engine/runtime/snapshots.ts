/**
 * Replay from snapshots: the store keeps a case's full state every N events
 * and when the case ends (`case_snapshots`), so the state at any seq is the
 * nearest snapshot at or before it, with the events after it replayed through
 * the pinned definition. `verify` checks every snapshot against a replay from
 * event 1, so a snapshot it accepted is as exact as that replay.
 */
import type { CaseState } from '../core/types.js';
import { EngineError, ReplayDivergedError } from '../errors.js';
import type { CaseRecord, EventRecord } from '../ports.js';
import { workflowAfter, workflowAfterSeq } from './replay-versions.js';
import type { EngineDeps } from './deps.js';
import { applyRecorded, foldEvents, withdrawHistory } from './replay.js';

/** The state after event `atSeq` and that event, replayed from the nearest snapshot at or before it. */
export async function replayFromSnapshot(deps: Pick<EngineDeps, 'calendars' | 'store' | 'registry'>, record: CaseRecord, atSeq: number): Promise<{ state: CaseState | undefined; last: EventRecord | undefined }> {
  const caseId = record.id;
  const snapshot = await deps.store.getSnapshot(caseId, atSeq);
  if (!snapshot) {
    const events = await deps.store.listEvents(caseId, { toSeq: atSeq });
    return { state: await foldEvents(deps, await workflowAfterSeq(deps, record, 1, events), events), last: events[events.length - 1] };
  }
  // From the event before the snapshot: a `task.withdraw` right after it needs the state before the snapshot's event.
  const events = await deps.store.listEvents(caseId, { fromSeq: Math.max(1, snapshot.seq - 1), toSeq: atSeq });
  const at = events.find((e) => e.seq === snapshot.seq);
  let state: CaseState = snapshot.state;
  let previous: { event: EventRecord; stateBefore: CaseState | undefined } | undefined = at && { event: at, stateBefore: events.find((e) => e.seq === snapshot.seq - 1)?.state };
  let last = at;
  // The version in force at the snapshot: the one the first later migration left, if any.
  let wf = await workflowAfterSeq(deps, record, snapshot.seq, events);
  for (const event of events) {
    if (event.seq <= snapshot.seq) continue;
    try {
      const before = state;
      state = await applyRecorded(deps, wf, state, event, withdrawHistory(event, previous));
      wf = await workflowAfter(deps, wf, event);
      previous = { event, stateBefore: before };
    } catch (err) {
      if (err instanceof ReplayDivergedError) throw err;
      const reason = err instanceof EngineError ? `${err.code}: ${err.message}` : String(err);
      throw new ReplayDivergedError(event.caseId, event.seq, `the recorded event is refused on replay (${reason})`);
    }
    last = event;
  }
  return { state, last };
}
