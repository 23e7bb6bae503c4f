/**
 * The `StoreTx` of the knex store: reads and the one write (`commit`) inside a
 * database transaction opened by the store's group-commit writer, with cached
 * prepared statements on the driver's connection (no knex on this path).
 * `commit` writes the case row (only the columns that changed), the event (what
 * the step changed, see `state-delta.ts`), a snapshot every N events, the
 * effects on `tasks` and `timers`, and the outbox rows of `notify` effects
 * (knex-notify-rows.ts).
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
import type { CommitRequest, StoreTx } from '../ports.js';
import type { Effect } from '../core/effects.js';
import { assertNever, CaseNotFoundError, EngineError, IdempotencyConflictError, VersionConflictError } from '../errors.js';
import { CASE_SELECT, caseToRow, DEFINITION_SELECT, encodeJson, eventSaltsToRow, eventToRow, readEventsWith, rowToCase, rowToDefinition, type CaseRow, type DefinitionRow, type QueryRows } from './knex-rows.js';
import type { SqlConn } from './sql-statements.js';
import { stateDelta } from './state-delta.js';
import { insertNotifyRows } from './knex-notify-rows.js';

const LOCK_CASE_SQLITE = `SELECT ${CASE_SELECT} FROM cases WHERE id = ?`;
const LOCK_CASE_PG = `${LOCK_CASE_SQLITE} FOR UPDATE`;

const DOC_SERIES_SQL = 'SELECT prefix FROM doc_number_series WHERE org = ? AND series = ?';
const DOC_NEXT_SQL =
  'INSERT INTO doc_number_counters (org, series, year, last_seq) VALUES (?, ?, ?, 1) ' +
  'ON CONFLICT (org, series, year) DO UPDATE SET last_seq = doc_number_counters.last_seq + 1 RETURNING last_seq';

/** How the writer's transactions store states. */
export interface SqlTxOptions {
  /** A full state snapshot every this many events. */
  snapshotEvery: number;
  /** Read models kept in the step's transaction (see {@link CommitProjection}). */
  projections?: readonly CommitProjection[] | undefined;
}

/**
 * A read model maintained inside each step's transaction: called after the
 * store wrote the step, with the request and the transaction's connection.
 * A projection that throws fails the step (nothing of it is written).
 */
export type CommitProjection = (req: CommitRequest, conn: SqlConn) => Promise<void>;

/**
 * Creates the transaction-bound half of the store over one connection of the
 * writer, inside a transaction it opened (see `group-commit.ts`). Every
 * statement is a cached prepared one; a send without effects writes with three
 * (case row, event, and the snapshot every N events).
 */
export function createSqlTx(conn: SqlConn, options: SqlTxOptions): StoreTx {
  const { dialect } = conn;
  const rows: QueryRows = (sql, params) => conn.all(sql, params);
  return {
    async nextDocNumber(org, series, year) {
      const [cfg] = await conn.all<{ prefix: string }>(DOC_SERIES_SQL, [org, series]);
      if (!cfg) return undefined;
      // One statement: the counter row's lock holds concurrent issuers until this transaction ends.
      const [row] = await conn.all<{ last_seq: number | string }>(DOC_NEXT_SQL, [org, series, year]);
      return { prefix: cfg.prefix, seq: Number(row!.last_seq) };
    },

    async lockCase(caseId) {
      // PostgreSQL: a row lock. SQLite: the writer already holds the database's
      // write lock since its transaction began (`BEGIN IMMEDIATE`).
      const [row] = await conn.all<CaseRow>(dialect === 'postgres' ? LOCK_CASE_PG : LOCK_CASE_SQLITE, [caseId]);
      return row && rowToCase(dialect, row);
    },

    async findEventByKey(caseId, idempotencyKey) {
      const [row] = await conn.all<{ seq: number }>('SELECT seq FROM case_events WHERE case_id = ? AND idempotency_key = ?', [caseId, idempotencyKey]);
      if (!row) return undefined;
      // Read as a range of one: its full state rebuilt from the nearest snapshot, its link from the row before.
      const seq = Number(row.seq);
      return (await readEventsWith(rows, dialect, caseId, { fromSeq: seq, toSeq: seq }))[0];
    },

    async getDefinition(workflowId, version) {
      const [row] = await (version === undefined
        ? conn.all<DefinitionRow>(`SELECT ${DEFINITION_SELECT} FROM workflow_definitions WHERE workflow_id = ? ORDER BY version DESC LIMIT 1`, [workflowId])
        : conn.all<DefinitionRow>(`SELECT ${DEFINITION_SELECT} FROM workflow_definitions WHERE workflow_id = ? AND version = ?`, [workflowId, version]));
      return row && rowToDefinition(dialect, row);
    },

    async listDefinitionOwners(workflowId) {
      const owners = await conn.all<{ version: number; owner_org: string | null }>('SELECT version, owner_org FROM workflow_definitions WHERE workflow_id = ? ORDER BY version', [workflowId]);
      return owners.map((r) => ({ version: Number(r.version), ownerOrg: r.owner_org ?? null }));
    },

    listEvents: (caseId, opts = {}) => readEventsWith(rows, dialect, caseId, opts),

    async findCaseByCreationKey(idempotencyKey) {
      const [row] = await conn.all<CaseRow>(`SELECT ${CASE_SELECT} FROM cases WHERE creation_key = ?`, [idempotencyKey]);
      return row && rowToCase(dialect, row);
    },

    async commit(req) {
      assertCoherent(req);
      // The case row first: its optimistic check (or the PK on create) is what
      // serialises concurrent writers, so by the time the event is inserted
      // this transaction owns the case's next seq.
      if (req.expectedVersion === null) await insertCase(conn, req);
      else await updateCase(conn, req, req.expectedVersion);
      await insertEvent(conn, req);
      const { record, event } = req;
      // Every N events only: the state at the end of a case is its row's, which the last hash binds
      // (verify compares them), so a snapshot there would store the same state twice.
      if (event.seq % options.snapshotEvery === 0) {
        await conn.run('INSERT INTO case_snapshots (case_id, seq, state, hash) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [record.id, event.seq, encodeJson(event.state), event.hash]);
      }
      const opened = new Set<string>();
      for (const effect of req.effects) {
        if (effect.type === 'open-task') opened.add(effect.taskKey);
        await applyEffect(conn, req, effect);
      }
      await insertNotifyRows(conn, req);
      // A routing that decides: the orgs it names find the case in their lists (written with the step, so never stale).
      if (event.type === 'case.routed' && event.state.responsible) {
        await conn.run('DELETE FROM case_route_orgs WHERE case_id = ?', [record.id]);
        for (const org of event.state.responsible.orgs) await conn.run('INSERT INTO case_route_orgs (case_id, org) VALUES (?, ?) ON CONFLICT DO NOTHING', [record.id, org]);
      }
      // Deadlines move without tasks re-opening (pauses, extensions): the due times that changed.
      for (const t of req.taskDue ?? []) {
        if (!opened.has(t.taskKey)) await conn.run('UPDATE tasks SET due_at = ?, due_provisional = ? WHERE task_key = ? AND case_id = ?', [t.dueAt, t.dueProvisional === true, t.taskKey, record.id]);
      }
      for (const project of options.projections ?? []) await project(req, conn);
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

const CASE_COLUMNS = ['id', 'workflow_id', 'workflow_version', 'org', 'status', 'state', 'version', 'last_hash', 'creation_key', 'created_at', 'updated_at'] as const;
const INSERT_CASE = `INSERT INTO cases (${CASE_COLUMNS.join(', ')}) VALUES (${CASE_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING RETURNING id`;

async function insertCase(conn: SqlConn, { record }: CommitRequest): Promise<void> {
  // ON CONFLICT DO NOTHING instead of catching the unique violation: on
  // PostgreSQL a failed statement aborts the transaction, and we still need to
  // read the winner's version. It also waits for a concurrent uncommitted
  // insert of the same key, so the read below sees the winner.
  const row = caseToRow(record);
  const inserted = await conn.all<{ id: string }>(INSERT_CASE, CASE_COLUMNS.map((c) => row[c]));
  if (inserted.length === 1) return;
  const [existing] = [
    ...(await conn.all<{ version: number }>('SELECT version FROM cases WHERE id = ?', [record.id])),
    ...(record.creationKey === null ? [] : await conn.all<{ version: number }>('SELECT version FROM cases WHERE creation_key = ?', [record.creationKey])),
  ];
  throw new VersionConflictError(record.id, 0, existing === undefined ? 0 : Number(existing.version));
}

async function updateCase(conn: SqlConn, { record, previousState }: CommitRequest, expectedVersion: number): Promise<void> {
  const row = caseToRow(record);
  // id, creation_key and created_at never change after creation; with the state before, only what moved is written.
  const updated = previousState === undefined
    ? await conn.run('UPDATE cases SET workflow_id = ?, workflow_version = ?, org = ?, status = ?, state = ?, version = ?, last_hash = ?, updated_at = ? WHERE id = ? AND version = ?', [row.workflow_id, row.workflow_version, row.org, row.status, row.state, row.version, row.last_hash, row.updated_at, record.id, expectedVersion])
    : previousState.status === record.status
      ? await conn.run('UPDATE cases SET state = ?, version = ?, last_hash = ?, updated_at = ? WHERE id = ? AND version = ?', [row.state, row.version, row.last_hash, row.updated_at, record.id, expectedVersion])
      : await conn.run('UPDATE cases SET status = ?, state = ?, version = ?, last_hash = ?, updated_at = ? WHERE id = ? AND version = ?', [row.status, row.state, row.version, row.last_hash, row.updated_at, record.id, expectedVersion]);
  if (updated === 1) return;
  const [current] = await conn.all<{ version: number }>('SELECT version FROM cases WHERE id = ?', [record.id]);
  if (current === undefined) throw new CaseNotFoundError(record.id);
  throw new VersionConflictError(record.id, expectedVersion, Number(current.version));
}

// No prev_hash (migration 027): a link is the previous row's hash, read back beside each row.
const INSERT_EVENT = 'INSERT INTO case_events (case_id, seq, type, payload, actor, at, idempotency_key, state, env, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

async function insertEvent(conn: SqlConn, { event, expectedVersion, previousState }: CommitRequest): Promise<void> {
  const row = eventToRow(event);
  // What the step changed, when the state before is known; event 1 keeps its full state.
  const state = previousState !== undefined && event.seq > 1 ? encodeJson(stateDelta(previousState, event.state, event.payload, { at: event.at, actorId: event.actor.id, seq: event.seq })) : row.state;
  try {
    await conn.run(INSERT_EVENT, [row.case_id, row.seq, row.type, row.payload, row.actor, row.at, row.idempotency_key, state, row.env, row.hash]);
    const salts = eventSaltsToRow(event);
    if (salts) await conn.run('INSERT INTO event_salts (case_id, seq, salts) VALUES (?, ?, ?)', [salts.case_id, salts.seq, salts.salts]);
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

const INSERT_TIMER = "INSERT INTO timers (timer_key, case_id, workflow_id, kind, deadline_key, idx, generation, due_at, set_seq, status, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0) ON CONFLICT (timer_key) DO NOTHING";

const INSERT_COPY = 'INSERT INTO case_copies (copy_key, recipient, case_id, workflow_id, state_id, title, role, org, user_id, created_at, created_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';

const TASK_COLUMNS = ['task_key', 'case_id', 'workflow_id', 'state_id', 'role', 'org', 'title', 'opened_at', 'opened_seq', 'due_at', 'due_provisional', 'assignee'] as const;
// An upsert, so re-entering a state re-opens its task at this event.
const UPSERT_TASK = `INSERT INTO tasks (${TASK_COLUMNS.join(', ')}) VALUES (${TASK_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (task_key) DO UPDATE SET ${TASK_COLUMNS.filter((c) => c !== 'task_key').map((c) => `${c} = excluded.${c}`).join(', ')}`;


async function applyEffect(conn: SqlConn, req: CommitRequest, effect: Effect): Promise<void> {
  const { record, event } = req;
  switch (effect.type) {
    case 'open-task': {
      const due = req.taskDue?.find((t) => t.taskKey === effect.taskKey);
      await conn.run(UPSERT_TASK, [effect.taskKey, record.id, record.workflowId, effect.stateId, effect.role, effect.org, encodeJson(effect.title), event.at, event.seq, due?.dueAt ?? null, due?.dueProvisional === true, null]);
      return;
    }
    case 'assign-task':
      await conn.run('UPDATE tasks SET assignee = ? WHERE task_key = ? AND case_id = ?', [effect.assignee, effect.taskKey, record.id]);
      return;
    case 'close-task':
      await conn.run('DELETE FROM tasks WHERE task_key = ?', [effect.taskKey]);
      return;
    case 'case-closed':
      // A closed case offers no work and waits for no deadline.
      await conn.run('DELETE FROM tasks WHERE case_id = ?', [record.id]);
      await conn.run('DELETE FROM timers WHERE case_id = ?', [record.id]);
      return;
    case 'set-timer':
      // Timer keys carry the deadline's generation, so a re-armed deadline is a new row; a duplicate key keeps a claim in progress intact.
      await conn.run(INSERT_TIMER, [effect.timerKey, record.id, record.workflowId, effect.kind, effect.deadlineKey, effect.index, effect.generation, effect.dueAt, event.seq]);
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
      await conn.run(INSERT_TIMER, [`${effect.parentCaseId}:child:${effect.childCaseId}:done`, effect.parentCaseId, record.workflowId, 'signal', effect.childCaseId, 0, 0, event.at, event.seq]);
      return;
    case 'cancel-timer':
      await conn.run('DELETE FROM timers WHERE timer_key = ?', [effect.timerKey]);
      return;
    case 'copy-case':
      // A state entered again makes a new copy (its key carries the seq); a retried step writes the same rows.
      for (const r of effect.to) {
        const [recipient, role, org, user] = 'user' in r ? [`user:${r.user}`, null, null, r.user] : [`role:${r.role}@${r.org}`, r.role, r.org, null];
        await conn.run(INSERT_COPY, [effect.copyKey, recipient, record.id, record.workflowId, effect.stateId, encodeJson(effect.title), role, org, user, event.at, event.seq]);
      }
      return;
    case 'copy-read':
      await conn.run('INSERT INTO case_copy_reads (copy_key, user_id, read_at, seq) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [effect.copyKey, effect.userId, event.at, event.seq]);
      return;
    default:
      assertNever(effect);
  }
}
