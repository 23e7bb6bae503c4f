/**
 * Firing a durable timer: the built-in `deadline.<kind>` event is sent as
 * `system:timer` with the timer key as idempotency key, so a timer fired twice
 * (two schedulers, a duplicate queue job, a retry after a crash) appends one
 * event. A timer whose deadline moved or ended is discarded.
 */
import { formatStateValue, TIMER_ACTOR, type Actor } from '../core/types.js';
import { CaseNotFoundError, EngineError } from '../errors.js';
import type { CaseRecord, TimerRecord } from '../ports.js';
import { spawnOfChild } from '../core/step-effects.js';
import type { EngineDeps } from './deps.js';
import { sendEvent, type SendResult } from './send-event.js';

/** Who delivers a child's end to its parent. */
const SPAWN_ACTOR: Actor = { id: 'system:spawn', roles: ['system'] };

/** What became of a timer: fired now, fired before (duplicate), or no longer valid. */
export type FireOutcome = { outcome: 'fired' | 'duplicate'; result: SendResult } | { outcome: 'stale'; reason: string };

/** Codes meaning the timer can never fire: its row is deleted. */
const DEAD_TIMER_CODES = new Set(['timer_stale', 'case_closed', 'case_not_found']);

/** The child data fields the parent's spawn collects (e.g. an enforcement case's fine), or undefined when it collects none. */
async function collected(deps: EngineDeps, parentId: string, child: CaseRecord): Promise<CaseRecord['state']['data'] | undefined> {
  const parent = await deps.store.getCase(parentId);
  const ref = parent?.state.children?.find((c) => c.caseId === child.id);
  if (!parent || !ref) return undefined;
  const spawn = spawnOfChild(await deps.registry.get(parent.workflowId, parent.workflowVersion), ref);
  if (!spawn?.collect) return undefined;
  const data = child.state.data;
  return Object.fromEntries(spawn.collect.filter((k) => data[k] !== undefined).map((k) => [k, data[k]!]));
}

/** Fires one timer. Appends at most one event; deletes the row of a stale timer. */
export async function fireTimer(deps: EngineDeps, timer: Pick<TimerRecord, 'timerKey' | 'caseId' | 'kind' | 'deadlineKey' | 'index' | 'generation'>): Promise<FireOutcome> {
  try {
    let result: SendResult;
    if (timer.kind === 'signal') {
      // A child's end, delivered to its parent: the child's final state is read from the child itself.
      const child = await deps.store.getCase(timer.deadlineKey);
      if (!child) throw new CaseNotFoundError(timer.deadlineKey);
      const collectedData = await collected(deps, timer.caseId, child);
      result = await sendEvent(deps, timer.caseId, { type: 'case.childDone', payload: { child: child.id, finalState: formatStateValue(child.state.value), ...(collectedData ? { result: collectedData } : {}) }, idempotencyKey: timer.timerKey }, SPAWN_ACTOR);
      await deps.store.timers.discard(timer.timerKey);
      return { outcome: result.duplicate ? 'duplicate' : 'fired', result };
    }
    result = await sendEvent(
      deps,
      timer.caseId,
      { type: `deadline.${timer.kind}`, payload: { deadline: timer.deadlineKey, index: timer.index, generation: timer.generation }, idempotencyKey: timer.timerKey },
      TIMER_ACTOR,
    );
    // A duplicate means an earlier firing committed; its step already removed the row.
    if (result.duplicate) await deps.store.timers.discard(timer.timerKey);
    return { outcome: result.duplicate ? 'duplicate' : 'fired', result };
  } catch (err) {
    if (err instanceof EngineError && DEAD_TIMER_CODES.has(err.code)) {
      await deps.store.timers.discard(timer.timerKey);
      return { outcome: 'stale', reason: `${err.code}: ${err.message}` };
    }
    throw err;
  }
}
