/**
 * Re-baselining: when a calendar gets a new version (the State Council's
 * notice for a year that was counted provisionally), every open deadline
 * computed on a provisional year of an older version is recomputed on the new
 * one. Each case gets one `deadline.rebaselined` event in its own transaction
 * (old and new due, both calendar versions, the reason); its timers move in
 * that transaction and the people concerned are notified when a due date moves
 * earlier. The pass is idempotent and resumable: a case already re-baselined
 * no longer qualifies, and the idempotency key makes a retried send harmless.
 */
import { needsRebaseline } from '../core/deadlines.js';
import type { Actor } from '../core/types.js';
import { EngineError } from '../errors.js';
import { eachCaseId } from './case-ids.js';
import type { EngineDeps } from './deps.js';
import { sendEvent } from './send-event.js';

/** The actor of re-baseline events. */
export const CALENDAR_ACTOR: Actor = { id: 'system:calendar', roles: ['system'] };

/** What one case's re-baseline changed. */
export interface RebaselinedCase {
  caseId: string;
  seq: number;
  changes: { deadline: string; fromVersion: number; toVersion: number; oldDueAt: string; newDueAt: string; oldDueDate?: string; newDueDate?: string }[];
}

/** What a re-baseline pass did. */
export interface RebaselineReport {
  calendarId: string;
  /** The version deadlines were recomputed on. */
  version: number;
  casesChecked: number;
  rebaselined: RebaselinedCase[];
  /** Cases whose re-baseline failed (e.g. the official year moved a deadline outside every loaded year); the pass goes on. */
  failed: { caseId: string; code: string; message: string }[];
}

export interface RebaselineOptions {
  /** Why (shown in the history), e.g. "国务院办公厅关于2027年部分节假日安排的通知". */
  reason?: string;
  batchSize?: number;
}

/**
 * Recomputes, case by case, every open deadline that rests on a provisional
 * year of an older version of calendar `calendarId` on its latest version.
 * One event per affected case, each in its own transaction.
 *
 * @example
 * await engine.calendars.add(official2027);            // cn v2
 * await engine.rebaseline('cn', { reason: '2027年放假安排通知' }); // one deadline.rebaselined per case
 */
export async function rebaselineCalendar(deps: EngineDeps, calendarId: string, opts: RebaselineOptions = {}): Promise<RebaselineReport> {
  const cal = await deps.calendars.get(calendarId);
  const reason = opts.reason ?? `日历 ${calendarId} 第 ${cal.version} 版载入正式放假安排，按其重新核定暂定期限`;
  const report: RebaselineReport = { calendarId, version: cal.version, casesChecked: 0, rebaselined: [], failed: [] };
  for await (const id of eachCaseId(deps.store, opts.batchSize)) {
    report.casesChecked++;
    const record = await deps.store.getCase(id);
    if (!record || record.status !== 'active' || !record.state.deadlines.some((d) => needsRebaseline(d, cal))) continue;
    try {
      const r = await sendEvent(deps, id, { type: 'deadline.rebaselined', payload: { calendar: calendarId, reason }, idempotencyKey: `rebaseline:${calendarId}@${cal.version}` }, CALENDAR_ACTOR);
      report.rebaselined.push({ caseId: id, seq: r.event.seq, changes: (r.event.payload.changes ?? []) as RebaselinedCase['changes'] });
    } catch (err) {
      // Another process got there first (timer_stale: nothing left to do) or the case closed meanwhile.
      if (err instanceof EngineError && (err.code === 'timer_stale' || err.code === 'case_closed')) continue;
      if (err instanceof EngineError) report.failed.push({ caseId: id, code: err.code, message: err.message });
      else throw err;
    }
  }
  return report;
}
