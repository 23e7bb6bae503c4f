/**
 * Creating a case: validate the initial data, enter the initial states and
 * write the case with its first event (`case.created`) in one transaction.
 */
import { startedDeadline, taskDueTimes } from '../core/deadlines.js';
import { decideStart, type NewCase } from '../core/decide.js';
import { checkStepOrgs, recordingHandOver, type OrgFacts } from '../core/jurisdiction.js';
import type { Effect } from '../core/effects.js';
import type { Actor, CaseState } from '../core/types.js';
import { IdempotencyConflictError, ParentCaseRequiredError, VersionConflictError } from '../errors.js';
import type { CaseRecord, EventRecord, StoreTx } from '../ports.js';
import type { EngineDeps } from './deps.js';
import type { ResolvedWorkflow } from './registry.js';
import { canonicalJson, GENESIS_HASH, signEvent } from './hash.js';
import { confidentialFields } from '../core/confidential.js';

/** The type of every case's first event. */
export const CASE_CREATED = 'case.created';

export interface CreateCaseInput {
  workflowId: string;
  /** Pinned version (it must be owned on the org's ancestry); when omitted, the latest version of the nearest owner up the org's ancestry. */
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

/**
 * Writes a new case (row, event 1, tasks, timers, outbox rows) inside `tx`,
 * then the children its first states spawn. With org `facts`, every org the
 * first step names is checked against what the definition's owner governs
 * (`org_not_found`, `org_out_of_jurisdiction`) before anything is written.
 * Returns the effects of all.
 */
export async function createInTx(deps: EngineDeps, tx: StoreTx, resolved: ResolvedWorkflow, init: NewCase, now: Date, key: string | null, facts?: OrgFacts): Promise<{ record: CaseRecord; event: EventRecord; effects: Effect[] }> {
  const wf = resolved.workflow;
  const cals = deps.calendars.forStep(init.org);
  const handOvers: Record<string, string> = {};
  // The orgs above the case's org, as the tree says now: recorded in the first event, so replay and guards (`case.orgAncestors`) read the same.
  const above = init.orgAncestry ?? facts?.ancestry(init.org)?.slice(1).map((o) => o.id);
  const { state, effects, payload } = decideStart(wf, above ? { ...init, orgAncestry: above } : init, now, { calendar: cals.lookup, compactDeadlines: true, ...(facts ? { handOver: recordingHandOver(facts, handOvers) } : {}) });
  if (facts) checkStepOrgs(effects, resolved.owner, facts);
  const at = now.toISOString();
  const event = signEvent({
    caseId: init.caseId, seq: 1, type: CASE_CREATED,
    // The definition the case runs and the org that owns it (null: the root), as resolved up the case's org ancestry.
    payload: { workflow: wf.ref, workflowOwner: resolved.owner, org: init.org, ...(above ? { orgAncestry: above } : {}), data: payload, ...(init.parent ? { parent: init.parent } : {}) },
    actor: init.actor, at, idempotencyKey: key, state, env: stepEnvRecord(cals.used, handOvers, state), prevHash: GENESIS_HASH,
  }, confidentialFields(wf.definition), deps.newSalt);
  const record: CaseRecord = {
    id: init.caseId, workflowId: wf.definition.id, workflowVersion: wf.definition.version, org: init.org, status: state.status, state, version: 1, lastHash: event.hash, createdAt: at, updatedAt: at, creationKey: key,
  };
  await tx.commit({ record, expectedVersion: null, event, effects, taskDue: taskDueTimes(wf, init.caseId, state.value, state.deadlines, state.signs) });
  return { record, event, effects: [...effects, ...(await spawnInTx(deps, tx, effects, init.actor, now, facts, init.org))] };
}

/**
 * What a step records besides the definition: the calendar versions, the
 * hand-overs a spawn resolved (when one did) and, when it started a deadline,
 * that it did so in compact form (the runtime always does).
 */
export function stepEnvRecord(calendars: Record<string, number>, handOvers: Record<string, string>, state?: CaseState): EventRecord['env'] {
  return { calendars: { ...calendars }, ...(Object.keys(handOvers).length > 0 ? { handOvers: { ...handOvers } } : {}), ...(state && startedDeadline(state) ? { deadlineForm: 'compact' as const } : {}) };
}

/**
 * Creates the children that `spawn-case` effects ask for, in the same
 * transaction as their parent's step. Each child runs the definition that
 * governs its own org (resolved up the child's ancestry); a handed-over
 * child records where it came from.
 */
export async function spawnInTx(deps: EngineDeps, tx: StoreTx, effects: Effect[], actor: NewCase['actor'], now: Date, facts: OrgFacts | undefined, parentOrg: string): Promise<Effect[]> {
  const out: Effect[] = [];
  for (const e of effects) {
    if (e.type !== 'spawn-case') continue;
    const child = await deps.registry.resolve(e.workflowId, e.org, { facts, reader: tx });
    const handOver = e.handOver ? { handOver: { rule: e.handOver.rule, fromOrg: parentOrg, named: e.handOver.named } } : {};
    const created = await createInTx(deps, tx, child, { caseId: e.childCaseId, org: e.org, data: e.data, actor, parent: { caseId: e.parentCaseId, stateId: e.stateId, index: e.index, ...handOver } }, now, null, facts);
    out.push(...created.effects);
  }
  return out;
}

/** Creates a case. Writes the case row, event 1 and the first tasks in one transaction. */
export async function openCase(deps: EngineDeps, input: CreateCaseInput): Promise<CreateCaseResult> {
  // Reads that may hit the database happen before the transaction: on PostgreSQL a read through the
  // pool while every connection holds a transaction would wait for ever.
  const facts = deps.orgs ? await deps.orgs.facts() : undefined;
  const resolved = await deps.registry.resolve(input.workflowId, input.org, { version: input.version, facts });
  // Spawns go through createInTx; only a direct opening comes here.
  if (resolved.workflow.definition.startedBy === 'parent') throw new ParentCaseRequiredError(input.workflowId);
  await deps.calendars.prepare();
  const key = input.idempotencyKey ?? null;
  try {
    const result: CreateCaseResult = await deps.store.transaction(async (tx) => {
      if (key) {
        const existing = await tx.findCaseByCreationKey(key);
        if (existing) return duplicateOf(existing, (await tx.listEvents(existing.id, { toSeq: 1 }))[0], input, key);
      }
      const caseId = input.caseId ?? deps.newId();
      const created = await createInTx(deps, tx, resolved, { caseId, org: input.org, data: input.data ?? {}, actor: input.actor }, deps.clock.now(), key, facts);
      return { ...created, duplicate: false };
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
