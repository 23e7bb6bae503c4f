/**
 * Audit verification: for every case (or one), checks that seqs run 1..n
 * without gaps, that each event's `prevHash` is the previous event's hash and
 * its `hash` recomputes, that replaying the events through the pinned
 * definition gives the state recorded at every seq and the state of every
 * snapshot (each also bound to its event's hash), and that the case row
 * matches the last event.
 */
import { CaseNotFoundError, EngineError, ReplayDivergedError } from '../errors.js';
import type { EventRecord } from '../ports.js';
import { eachCaseId } from './case-ids.js';
import type { EngineDeps } from './deps.js';
import { canonicalJson, GENESIS_HASH, hashEvent } from './hash.js';
import { applyRecorded, withdrawHistory } from './replay.js';
import { workflowAfter, workflowAfterSeq } from './replay-versions.js';
import type { CaseState } from '../core/types.js';

export interface VerifyFailure {
  caseId: string;
  /** The first seq that differs (0 for the case row itself). */
  seq: number;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  casesChecked: number;
  eventsChecked: number;
  /** The first failure of each failing case, in case-id order (at most 1,000 kept). */
  failures: VerifyFailure[];
  /** Cases whose events were moved to an archive: only their row's head was checked here (`duban audit verify-archive` checks the rest). */
  casesArchived?: number;
}

export interface VerifyOptions {
  /** Called after each case with the number of cases done and the total. */
  onProgress?: (done: number, total: number) => void;
  batchSize?: number;
  /**
   * The head a case was archived at, when it was archived and pruned (`duban archive`): such a case has
   * no events left, and its row must still hold that head.
   */
  archivedHead?: (caseId: string) => Promise<{ seq: number; hash: string } | undefined>;
}

const MAX_FAILURES = 1000;

/** Verifies one case or the whole database. Reads only. */
export async function verifyCases(deps: EngineDeps, caseId?: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, casesChecked: 0, eventsChecked: 0, failures: [] };
  const check = async (id: string) => {
    const failure = await verifyOne(deps, id, report, opts.archivedHead);
    report.casesChecked++;
    if (failure) {
      report.ok = false;
      if (report.failures.length < MAX_FAILURES) report.failures.push(failure);
    }
  };
  if (caseId !== undefined) {
    if (!(await deps.store.getCase(caseId))) throw new CaseNotFoundError(caseId);
    await check(caseId);
    opts.onProgress?.(1, 1);
    return report;
  }
  const total = await deps.store.countCases();
  for await (const id of eachCaseId(deps.store, opts.batchSize)) {
    await check(id);
    opts.onProgress?.(report.casesChecked, Math.max(total, report.casesChecked));
  }
  return report;
}

async function verifyOne(deps: EngineDeps, caseId: string, report: VerifyReport, archivedHead: VerifyOptions['archivedHead']): Promise<VerifyFailure | undefined> {
  const record = await deps.store.getCase(caseId);
  if (!record) return { caseId, seq: 0, reason: 'case row disappeared during verification' };
  const events = await deps.store.listEvents(caseId);
  const archived = events.length === 0 ? await archivedHead?.(caseId) : undefined;
  if (archived) {
    report.casesArchived = (report.casesArchived ?? 0) + 1;
    if (record.version !== archived.seq || record.lastHash !== archived.hash) return { caseId, seq: record.version, reason: `the case row's head differs from the head it was archived at (seq ${archived.seq})` };
    return undefined;
  }
  // Each snapshot is checked where the replay reaches its seq.
  const snapshots = new Map((await deps.store.listSnapshots(caseId)).map((s) => [s.seq, s]));
  const fail = (seq: number, reason: string): VerifyFailure => ({ caseId, seq, reason });
  let wf;
  try {
    // The version in force at creation: the one the first migration left, if the case was migrated.
    wf = await workflowAfterSeq(deps, record, 1, events);
  } catch (err) {
    return fail(1, `pinned definition ${record.workflowId}@${record.workflowVersion} cannot be loaded: ${(err as Error).message}`);
  }
  let prevHash = GENESIS_HASH;
  let state: CaseState | undefined;
  let previous: { event: EventRecord; stateBefore: CaseState | undefined } | undefined;
  let last: EventRecord | undefined;
  for (const [i, event] of events.entries()) {
    report.eventsChecked++;
    const expectedSeq = i + 1;
    if (event.seq !== expectedSeq) return fail(expectedSeq, `seq ${expectedSeq} is missing (found ${event.seq})`);
    if (event.caseId !== caseId) return fail(event.seq, `event belongs to case ${event.caseId}`);
    if (event.prevHash !== prevHash) return fail(event.seq, 'prev_hash does not match the hash of the previous event');
    if (hashEvent(event) !== event.hash) return fail(event.seq, 'hash does not match the event content (the event was altered)');
    try {
      const before = state;
      state = await applyRecorded(deps, wf, state, event, withdrawHistory(event, previous));
      wf = await workflowAfter(deps, wf, event);
      previous = { event, stateBefore: before };
    } catch (err) {
      const reason = err instanceof ReplayDivergedError ? err.message : err instanceof EngineError ? `${err.code}: ${err.message}` : String(err);
      return fail(event.seq, `replay refuses the event: ${reason}`);
    }
    if (canonicalJson(state) !== canonicalJson(event.state)) return fail(event.seq, 'replayed state differs from the state recorded with the event');
    const snapshot = snapshots.get(event.seq);
    if (snapshot) {
      if (snapshot.hash !== event.hash) return fail(event.seq, `the snapshot at seq ${event.seq} does not belong to the event's hash`);
      if (canonicalJson(snapshot.state) !== canonicalJson(state)) return fail(event.seq, `the snapshot at seq ${event.seq} differs from the replayed state`);
      snapshots.delete(event.seq);
    }
    prevHash = event.hash;
    last = event;
  }
  if (!last) return fail(1, 'case has no events');
  const orphan = [...snapshots.keys()][0];
  if (orphan !== undefined) return fail(orphan, `a snapshot at seq ${orphan} has no event`);
  if (record.version !== last.seq) return fail(last.seq, `case version ${record.version} differs from the last seq ${last.seq}`);
  if (record.lastHash !== last.hash) return fail(last.seq, 'case row last_hash differs from the last event hash');
  if (canonicalJson(record.state) !== canonicalJson(last.state) || record.status !== last.state.status) return fail(last.seq, 'case row state differs from the state after the last event');
  return undefined;
}
