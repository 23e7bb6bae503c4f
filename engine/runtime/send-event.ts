/**
 * Sending an event to a case: load and lock the case, step it (pure), and
 * write the event, the case row and the task changes in one transaction.
 */
import { taskDueTimes } from '../core/deadlines.js';
import { decide } from '../core/decide.js';
import type { Effect } from '../core/effects.js';
import type { Actor } from '../core/types.js';
import { CaseNotFoundError, DocNumberNotConfiguredError, IdempotencyConflictError, InvalidInputError, VersionConflictError } from '../errors.js';
import { docNumberFor, docNumberYear, formatDocNumber } from '../core/doc-number.js';
import type { CompiledWorkflow } from '../core/compile.js';
import type { CaseRecord, CommitRequest, EventRecord, StoreTx } from '../ports.js';
import type { HistoryView } from '../core/task-events.js';
import { MAX_PINS, MAX_SEND_ATTEMPTS, type EngineDeps } from './deps.js';
import { canonicalJson, signEvent } from './hash.js';
import { confidentialFields } from '../core/confidential.js';
import { spawnInTx, stepEnvRecord } from './open-case.js';
import { checkStepOrgs, recordingHandOver } from '../core/jurisdiction.js';

export interface SendCommand {
  type: string;
  payload?: Record<string, unknown> | undefined;
  /** The case version the caller last saw; stale → `version_conflict`. */
  expectedVersion?: number | undefined;
  /** Retrying with the same key returns the first result and appends nothing. */
  idempotencyKey?: string | undefined;
}

export interface SendResult {
  record: CaseRecord;
  event: EventRecord;
  duplicate: boolean;
  /** The effects committed with the event (none for a duplicate). */
  effects: Effect[];
}

/** The last event and the state recorded before it, for `task.withdraw`. */
async function historyView(tx: StoreTx, current: CaseRecord): Promise<HistoryView | undefined> {
  const [before, last] = await tx.listEvents(current.id, { fromSeq: current.version - 1, toSeq: current.version });
  return before && last ? { lastEvent: { seq: last.seq, type: last.type, actorId: last.actor.id }, stateBefore: before.state } : undefined;
}

/** The payload fields any transition of `event` writes a document number to. */
function docNumberFields(wf: CompiledWorkflow, event: string): Set<string> {
  const out = new Set<string>();
  for (const t of wf.tree.transitions) if (t.event === event && t.def.docNumber) out.add(t.def.docNumber.field);
  return out;
}

/**
 * The payload to step with: when the event takes a document number here, the
 * next number of the series of the case's org (or of the actor's, as the
 * definition says), taken in this transaction (so a step
 * that fails gives it back) and written into the payload, hence into the event.
 */
async function withDocNumber(tx: StoreTx, wf: CompiledWorkflow, current: CaseRecord, cmd: SendCommand, actor: Actor, now: Date): Promise<Record<string, unknown> | undefined> {
  const dn = docNumberFor(wf, current.state.value, cmd.type);
  if (!dn) return cmd.payload;
  if (cmd.payload?.[dn.field] !== undefined) {
    throw new InvalidInputError(`the document number "${dn.field}" is taken from the counter, not given`, [{ code: 'read_only_field', path: ['payload', dn.field], message: 'set by the server' }], { event: cmd.type });
  }
  const year = docNumberYear(now);
  // The issuing authority's counter: the case's org, or the org of whoever issues (an inspector's bureau).
  const org = dn.org === 'actor' && actor.org !== undefined ? actor.org : current.org;
  const next = await tx.nextDocNumber(org, dn.series, year);
  if (!next) throw new DocNumberNotConfiguredError(org, dn.series);
  return { ...cmd.payload, [dn.field]: formatDocNumber(next.prefix, year, next.seq) };
}

type TaskDue = NonNullable<CommitRequest['taskDue']>[number];

/**
 * The task due times a step must write: those of the tasks it opens, and those that differ from
 * the due times before the step (every commit wrote those, so the rows hold them).
 */
export function changedTaskDue(before: TaskDue[], after: TaskDue[], effects: Effect[]): TaskDue[] {
  const opened = new Set(effects.flatMap((e) => (e.type === 'open-task' ? [e.taskKey] : [])));
  const old = new Map(before.map((t) => [t.taskKey, t]));
  return after.filter((t) => {
    const o = old.get(t.taskKey);
    return opened.has(t.taskKey) || !o || o.dueAt !== t.dueAt || (o.dueProvisional === true) !== (t.dueProvisional === true);
  });
}

/**
 * Applies a command to a case. Writes one event in one transaction. Without
 * `expectedVersion`, a concurrent write makes it re-read and retry, so
 * concurrent senders never lose an event; with it, the caller is told.
 */
export async function sendEvent(deps: EngineDeps, caseId: string, cmd: SendCommand, actor: Actor): Promise<SendResult> {
  // Warm the caches outside the transaction (see open-case.ts): the pinned definition and the calendars.
  let pin = deps.pins.get(caseId);
  if (!pin) {
    const pinned = await deps.store.getCase(caseId);
    if (!pinned) throw new CaseNotFoundError(caseId);
    pin = { workflowId: pinned.workflowId, version: pinned.workflowVersion };
    if (deps.pins.size >= MAX_PINS) deps.pins.clear();
    deps.pins.set(caseId, pin);
  }
  await deps.registry.get(pin.workflowId, pin.version);
  const owner = await deps.registry.ownerOf(pin.workflowId, pin.version);
  await deps.calendars.prepare();
  const facts = deps.orgs ? await deps.orgs.facts() : undefined;
  // 转办 and 委派 name a person: the org they belong to is checked like any org a step names.
  const to = cmd.type === 'task.transfer' || cmd.type === 'task.delegate' ? cmd.payload?.to : undefined;
  const transfer = deps.orgs && typeof to === 'string' ? { userId: to, org: await deps.orgs.userOrg(to) } : undefined;
  // 拿回 is refused once the next handler opened the task: the task rows record that (read before the step, like the org facts).
  const openedTasks = cmd.type === 'task.takeBack' ? new Set((await deps.store.listTasks({ caseId })).flatMap((t) => (t.viewedAt ? [t.stateId] : []))) : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const result: SendResult = await deps.store.transaction(async (tx) => {
        const current = await tx.lockCase(caseId);
        if (!current) throw new CaseNotFoundError(caseId);
        if (cmd.idempotencyKey) {
          const prior = await tx.findEventByKey(caseId, cmd.idempotencyKey);
          if (prior) {
            // A document number the first send took is in its payload, not in the retry's.
            const taken = docNumberFields(await deps.registry.get(current.workflowId, current.workflowVersion, tx), cmd.type);
            const priorPayload = Object.fromEntries(Object.entries(prior.payload).filter(([k]) => !taken.has(k) || (cmd.payload ?? {})[k] !== undefined));
            if (prior.type !== cmd.type || canonicalJson(priorPayload) !== canonicalJson(JSON.parse(JSON.stringify(cmd.payload ?? {})))) throw new IdempotencyConflictError(cmd.idempotencyKey);
            return { record: current, event: prior, duplicate: true, effects: [] };
          }
        }
        if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== current.version) throw new VersionConflictError(caseId, cmd.expectedVersion, current.version);
        const wf = await deps.registry.get(current.workflowId, current.workflowVersion, tx);
        const now = deps.clock.now();
        const cals = deps.calendars.forStep(current.org);
        const history = cmd.type === 'task.withdraw' || cmd.type === 'task.takeBack' ? await historyView(tx, current) : undefined;
        const handOvers: Record<string, string> = {};
        const sent = await withDocNumber(tx, wf, current, cmd, actor, now);
        const { state, effects, payload, taskDue: dueAfter } = decide(wf, current.state, { type: cmd.type, payload: sent, actor }, now, { calendar: cals.lookup, history, compactDeadlines: true, openedTasks, ...(facts ? { handOver: recordingHandOver(facts, handOvers) } : {}) });
        if (facts) checkStepOrgs(effects, owner, facts, transfer, current.org);
        const at = now.toISOString();
        const event = signEvent({
          caseId, seq: state.seq, type: cmd.type, payload, actor, at, idempotencyKey: cmd.idempotencyKey ?? null, state, env: stepEnvRecord(cals.used, handOvers, state), prevHash: current.lastHash,
        }, confidentialFields(wf.definition), deps.newSalt);
        const record: CaseRecord = { ...current, status: state.status, state, version: state.seq, lastHash: event.hash, updatedAt: at };
        // The due times after the step are decide's; those before it are recomputed from the state before.
        const taskDue = changedTaskDue(taskDueTimes(wf, caseId, current.state.value, current.state.deadlines, current.state.signs), dueAfter, effects);
        await tx.commit({ record, expectedVersion: current.version, event, effects, taskDue, previousState: current.state });
        return { record, event, duplicate: false, effects: [...effects, ...(await spawnInTx(deps, tx, effects, actor, now, facts, current.org))] };
      }, { caseId });
      if (!result.duplicate) deps.afterCommit?.({ event: result.event, effects: result.effects });
      return result;
    } catch (err) {
      if (err instanceof VersionConflictError && cmd.expectedVersion === undefined && attempt < MAX_SEND_ATTEMPTS) continue;
      throw err;
    }
  }
}
