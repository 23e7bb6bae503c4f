/**
 * The `StoreTx` of the knex store: reads and the one write (`commit`) inside a
 * database transaction opened by `createKnexStore().transaction`. `commit`
 * writes the case row, the event, the effects on `tasks` and `timers`, and
 * the outbox rows of `notify` effects (knex-notify-rows.ts).
 *
 * How database failures become domain errors (the mapping is part of the
 * contract, tested on both dialects):
 *
 * | what happened                                             | error                                   |
 * |-----------------------------------------------------------|-----------------------------------------|
 * | create: a case with the id or the creation key exists     | `version_conflict` (expected 0, actual = that case's version) |
 * | update: `cases.version` is not `expectedVersion`           | `version_conflict` (actual = current version) |
 * | update: the case does not exist                           | `case_not_found`                        |
 * | event: `(case_id, seq)` exists                            | `version_conflict` (actual = that seq)  |
 * | event: `(case_id, idempotency_key)` exists                | `idempotency_conflict`                  |
 * | the request is incoherent (seq, version, hash disagree)   | `internal_error` — a bug in the caller  |
 *
 * A `version_conflict` means "someone else wrote first": the runtime retries
 * the command from a fresh read, where it finds that write (for a creation key,
 * through `findCaseByCreationKey`).
 */
import type { Knex } from 'knex';
import type { CommitRequest, StoreTx } from '../ports.js';
import type { Effect } from '../core/effects.js';
import { assertNever, CaseNotFoundError, EngineError, IdempotencyConflictError, VersionConflictError } from '../errors.js';
import { insertNotifyRows } from './knex-notify-rows.js';
import { caseToRow, encodeJson, eventSaltsToRow, eventToRow, readDefinition, readDefinitionOwners, readEvents, rowToCase, rowToEvent, type CaseRow, type Dialect, type EventRow, type TaskRow, type TimerRow } from './knex-rows.js';

/** Creates the transaction-bound half of the store. */
export function createKnexTx(trx: Knex.Transaction, dialect: Dialect): StoreTx {
  return {
    async lockCase(caseId) {
      const query = trx<CaseRow>('cases').where({ id: caseId });
      // PostgreSQL: a row lock. SQLite: the store already holds the database's
      // write lock since the transaction began (see `transaction` in knex-store.ts).
      const row = await (dialect === 'postgres' ? query.forUpdate() : query).first();
      return row && rowToCase(dialect, row);
    },

    async findEventByKey(caseId, idempotencyKey) {
      const row = await trx<EventRow>('case_events').where({ case_id: caseId, idempotency_key: idempotencyKey }).first();
      return row && rowToEvent(dialect, row);
    },

    getDefinition: (workflowId, version) => readDefinition(trx, dialect, workflowId, version),

    listDefinitionOwners: (workflowId) => readDefinitionOwners(trx, workflowId),

    listEvents: (caseId, opts = {}) => readEvents(trx, dialect, caseId, opts),

    async findCaseByCreationKey(idempotencyKey) {
      const row = await trx<CaseRow>('cases').where({ creation_key: idempotencyKey }).first();
      return row && rowToCase(dialect, row);
    },

    async commit(req) {
      assertCoherent(req);
      // The case row first: its optimistic check (or the PK on create) is what
      // serialises concurrent writers, so by the time the event is inserted
      // this transaction owns the case's next seq.
      if (req.expectedVersion === null) await insertCase(trx, req);
      else await updateCase(trx, req, req.expectedVersion);
      await insertEvent(trx, req);
      for (const effect of req.effects) await applyEffect(trx, req, effect);
      await insertNotifyRows(trx, req);
      // Deadlines move without tasks re-opening (pauses, extensions): keep every open task's due time current.
      for (const t of req.taskDue ?? []) await trx('tasks').where({ task_key: t.taskKey, case_id: req.record.id }).update({ due_at: t.dueAt, due_provisional: t.dueProvisional === true });
    },
  };
}

/** Refuses a request whose parts disagree; the store never writes a gap or a broken link. */
function assertCoherent({ record, event, expectedVersion }: CommitRequest): void {
  const problems: string[] = [];
  if (event.caseId !== record.id) problems.push(`event.caseId ${event.caseId} is not record.id ${record.id}`);
  if (event.seq !== (expectedVersion ?? 0) + 1) problems.push(`event.seq ${event.seq} does not follow expectedVersion ${expectedVersion}`);
  if (record.version !== event.seq) problems.push(`record.version ${record.version} is not event.seq ${event.seq}`);
  if (record.lastHash !== event.hash) problems.push('record.lastHash is not event.hash');
  if (problems.length > 0) {
    throw new EngineError('internal_error', `incoherent commit for case ${record.id}: ${problems.join('; ')}`, { caseId: record.id, problems });
  }
}

async function insertCase(trx: Knex.Transaction, { record }: CommitRequest): Promise<void> {
  // ON CONFLICT DO NOTHING instead of catching the unique violation: on
  // PostgreSQL a failed statement aborts the transaction, and we still need to
  // read the winner's version. It also waits for a concurrent uncommitted
  // insert of the same key, so the read below sees the winner.
  const inserted = await trx('cases').insert(caseToRow(record)).onConflict().ignore().returning('id');
  if (inserted.length === 1) return;
  const existing =
    (await trx<CaseRow>('cases').select('version').where({ id: record.id }).first()) ??
    (record.creationKey === null ? undefined : await trx<CaseRow>('cases').select('version').where({ creation_key: record.creationKey }).first());
  throw new VersionConflictError(record.id, 0, existing === undefined ? 0 : Number(existing.version));
}

async function updateCase(trx: Knex.Transaction, { record }: CommitRequest, expectedVersion: number): Promise<void> {
  // id, creation_key and created_at never change after creation.
  const { id: _id, creation_key: _key, created_at: _created, ...changes } = caseToRow(record);
  const updated = await trx<CaseRow>('cases').where({ id: record.id, version: expectedVersion }).update(changes);
  if (updated === 1) return;
  const current = await trx<CaseRow>('cases').select('version').where({ id: record.id }).first();
  if (current === undefined) throw new CaseNotFoundError(record.id);
  throw new VersionConflictError(record.id, expectedVersion, Number(current.version));
}

async function insertEvent(trx: Knex.Transaction, { event, expectedVersion }: CommitRequest): Promise<void> {
  try {
    await trx('case_events').insert(eventToRow(event));
    const salts = eventSaltsToRow(event);
    if (salts) await trx('event_salts').insert(salts);
  } catch (error) {
    // Only reachable when a writer bypassed the case row's check (or the row
    // and the log disagree): the constraints are the last line of defence.
    switch (eventUniqueViolation(error)) {
      case 'seq':
        throw new VersionConflictError(event.caseId, expectedVersion ?? 0, event.seq);
      case 'idempotency_key':
        throw new IdempotencyConflictError(event.idempotencyKey ?? '');
      case undefined:
        throw error;
    }
  }
}

/** Which unique constraint of `case_events` an insert violated, if any. */
function eventUniqueViolation(error: unknown): 'seq' | 'idempotency_key' | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  // pg: SQLSTATE 23505 with the constraint's name (named in migration 001).
  if (code === '23505') {
    if (constraint === 'case_events_pkey') return 'seq';
    if (constraint === 'case_events_idempotency_key_unique') return 'idempotency_key';
    return undefined;
  }
  // better-sqlite3: extended result codes; the only UNIQUE index besides the
  // primary key on case_events is (case_id, idempotency_key).
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'seq';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return 'idempotency_key';
  return undefined;
}

/** Inserts a pending timer row; a duplicate key is ignored, which keeps a claim in progress intact. */
async function insertTimer(trx: Knex.Transaction, row: Omit<TimerRow, 'status' | 'claimed_by' | 'claim_expires_at' | 'attempts' | 'last_error'>): Promise<void> {
  const full: TimerRow = { ...row, status: 'pending', claimed_by: null, claim_expires_at: null, attempts: 0, last_error: null };
  await trx('timers').insert(full).onConflict('timer_key').ignore();
}

async function applyEffect(trx: Knex.Transaction, req: CommitRequest, effect: Effect): Promise<void> {
  const { record, event } = req;
  switch (effect.type) {
    case 'open-task': {
      const row: TaskRow = {
        task_key: effect.taskKey,
        case_id: record.id,
        workflow_id: record.workflowId,
        state_id: effect.stateId,
        role: effect.role,
        org: effect.org,
        title: encodeJson(effect.title),
        opened_at: event.at,
        opened_seq: event.seq,
        due_at: req.taskDue?.find((t) => t.taskKey === effect.taskKey)?.dueAt ?? null,
        due_provisional: req.taskDue?.find((t) => t.taskKey === effect.taskKey)?.dueProvisional === true,
        assignee: null,
      };
      // An upsert, so re-entering a state re-opens its task at this event.
      await trx('tasks').insert(row).onConflict('task_key').merge();
      return;
    }
    case 'assign-task':
      await trx('tasks').where({ task_key: effect.taskKey, case_id: record.id }).update({ assignee: effect.assignee });
      return;
    case 'close-task':
      await trx('tasks').where({ task_key: effect.taskKey }).delete();
      return;
    case 'case-closed':
      // A closed case offers no work and waits for no deadline.
      await trx('tasks').where({ case_id: record.id }).delete();
      await trx('timers').where({ case_id: record.id }).delete();
      return;
    case 'set-timer':
      // Timer keys carry the deadline's generation, so a re-armed deadline is a new row.
      await insertTimer(trx, { timer_key: effect.timerKey, case_id: record.id, workflow_id: record.workflowId, kind: effect.kind, deadline_key: effect.deadlineKey, idx: effect.index, generation: effect.generation, due_at: effect.dueAt, set_seq: event.seq });
      return;
    case 'notify':
      // Written together after the loop (insertNotifyRows): the step's rows share one rendering input.
      return;
    case 'spawn-case':
      // The runtime creates the child case itself (through commit) in the same transaction.
      return;
    case 'signal-parent':
      // A durable, once-only message to the parent: a timer row on the parent's case, due now.
      // workflow_id is the child's: the row's case is the parent, the workflow column only labels metrics.
      await insertTimer(trx, { timer_key: `${effect.parentCaseId}:child:${effect.childCaseId}:done`, case_id: effect.parentCaseId, workflow_id: record.workflowId, kind: 'signal', deadline_key: effect.childCaseId, idx: 0, generation: 0, due_at: event.at, set_seq: event.seq });
      return;
    case 'cancel-timer':
      await trx('timers').where({ timer_key: effect.timerKey }).delete();
      return;
    default:
      assertNever(effect);
  }
}
