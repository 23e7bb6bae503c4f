/**
 * Rows of the store's tables and their mapping to the port's records. The
 * boundary where JSON columns are decoded (SQLite hands back text, pg hands
 * back parsed `jsonb`) and where names turn from snake_case to camelCase.
 *
 * JSON is decoded, not validated against the core's zod schemas: the store
 * returns what was written, byte for byte, so `audit verify` can see a tampered
 * row and name it instead of failing on a parse error first. Callers that need
 * a guarantee (the runtime loading a case) validate what they read.
 */
import type { Knex } from 'knex';
import type { CaseRecord, DefinitionOwner, EventEnv, EventRecord, SnapshotRecord, StoredDefinition, TaskRecord } from '../ports.js';
import type { Actor, CaseState } from '../core/types.js';
import { applyDelta, storedDelta } from './state-delta.js';
import { GENESIS_HASH } from '../ports.js';

/** The SQL dialect a store talks to; decides how JSON columns come back. */
export type Dialect = 'sqlite' | 'postgres';

/** JSON as it comes out of a column: text on SQLite, already parsed on PostgreSQL. */
type JsonColumn = unknown;

/** A row of `workflow_definitions`. */
export interface DefinitionRow {
  workflow_id: string;
  version: number;
  hash: string;
  definition: JsonColumn;
  created_at: string;
  /** Migration 010; null: the root (built-in and older versions). */
  owner_org: string | null;
}

/** A row of `cases`. */
export interface CaseRow {
  id: string;
  workflow_id: string;
  workflow_version: number;
  org: string;
  status: string;
  state: JsonColumn;
  version: number;
  last_hash: string;
  creation_key: string | null;
  created_at: string;
  updated_at: string;
}

/** A row of `case_events`. */
export interface EventRow {
  case_id: string;
  seq: number;
  type: string;
  payload: JsonColumn;
  actor: JsonColumn;
  at: string;
  idempotency_key: string | null;
  state: JsonColumn;
  env: JsonColumn;
  /**
   * Not a column since migration 027: the previous row's hash, read beside each row (`LAG`), null
   * for the first row a read returns. Before 027 every row stored it, always equal to that.
   */
  prev_hash?: string | null;
  hash: string;
}

/** A row of `tasks`. */
export interface TaskRow {
  task_key: string;
  case_id: string;
  workflow_id: string;
  state_id: string;
  role: string;
  org: string;
  title: JsonColumn;
  opened_at: string;
  opened_seq: number;
  due_at: string | null;
  /** 1/true when `due_at` rests on a provisional calendar year (migration 007). */
  due_provisional?: boolean | number | null;
  assignee: string | null;
  /** Who first opened the task and when (migration 023). */
  viewed_at?: string | null;
  viewed_by?: string | null;
}

/** A row of `timers`. */
export interface TimerRow {
  timer_key: string;
  case_id: string;
  workflow_id: string;
  kind: string;
  deadline_key: string;
  idx: number;
  generation: number;
  due_at: string;
  set_seq: number;
  /** `pending` until a scheduler claims it; `firing` while claimed (until `claim_expires_at`). */
  status: string;
  claimed_by: string | null;
  claim_expires_at: string | null;
  attempts: number;
  last_error: string | null;
}

/** A row of `calendars`. */
export interface CalendarRow {
  calendar_id: string;
  version: number;
  hash: string;
  definition: JsonColumn;
  created_at: string;
}

/**
 * Encodes a value for a JSON column. Always a string: pg would turn a JS array
 * into a PostgreSQL array literal, and SQLite stores text anyway. `undefined`
 * becomes JSON `null` so a missing value is still valid JSON.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Decodes a JSON column. On PostgreSQL a jsonb string arrives as a JS string, so it must not be parsed again. */
export function decodeJson(dialect: Dialect, value: unknown): unknown {
  return dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value;
}

/** Maps a stored definition to its row. */
export function definitionToRow(def: StoredDefinition): DefinitionRow {
  return { workflow_id: def.workflowId, version: def.version, hash: def.hash, definition: encodeJson(def.definition), created_at: def.createdAt, owner_org: def.ownerOrg };
}

/** Maps a `workflow_definitions` row back to the port's type. */
export function rowToDefinition(dialect: Dialect, row: DefinitionRow): StoredDefinition {
  return { workflowId: row.workflow_id, version: Number(row.version), hash: row.hash, definition: decodeJson(dialect, row.definition), createdAt: row.created_at, ownerOrg: row.owner_org ?? null };
}

/** Maps a case record to its row (JSON encoded). */
export function caseToRow(record: CaseRecord): CaseRow {
  return {
    id: record.id,
    workflow_id: record.workflowId,
    workflow_version: record.workflowVersion,
    org: record.org,
    status: record.status,
    state: encodeJson(record.state),
    version: record.version,
    last_hash: record.lastHash,
    creation_key: record.creationKey,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** Maps a `cases` row back to the port's type. */
export function rowToCase(dialect: Dialect, row: CaseRow): CaseRecord {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: Number(row.workflow_version),
    org: row.org,
    status: row.status as CaseRecord['status'],
    state: decodeJson(dialect, row.state) as CaseState,
    version: Number(row.version),
    lastHash: row.last_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    creationKey: row.creation_key,
  };
}

/** Maps an event record to its row (JSON encoded). */
export function eventToRow(event: EventRecord): EventRow {
  return {
    case_id: event.caseId,
    seq: event.seq,
    type: event.type,
    payload: encodeJson(event.payload),
    actor: encodeJson(event.actor),
    at: event.at,
    idempotency_key: event.idempotencyKey,
    state: encodeJson(event.state),
    env: encodeJson(event.env),
    hash: event.hash,
  };
}

/** Column values for a partial event, for the tamper helper; keys absent from `patch` stay absent. */
export function eventPatchToRow(patch: Partial<Omit<EventRecord, 'caseId' | 'seq'>>): Partial<EventRow> {
  const row: Partial<EventRow> = {};
  if ('type' in patch) row.type = patch.type;
  if ('payload' in patch) row.payload = encodeJson(patch.payload);
  if ('actor' in patch) row.actor = encodeJson(patch.actor);
  if ('at' in patch) row.at = patch.at;
  if ('idempotencyKey' in patch) row.idempotency_key = patch.idempotencyKey ?? null;
  if ('state' in patch) row.state = encodeJson(patch.state);
  if ('env' in patch) row.env = encodeJson(patch.env);
  // `prevHash` is not stored (migration 027): it is the previous row's hash, so a patch cannot set it.
  if ('hash' in patch) row.hash = patch.hash;
  return row;
}

/** Maps a `case_events` row back to the port's type. */
export function rowToEvent(dialect: Dialect, row: EventRow): EventRecord {
  return {
    caseId: row.case_id,
    seq: Number(row.seq),
    type: row.type,
    payload: decodeJson(dialect, row.payload) as Record<string, unknown>,
    actor: decodeJson(dialect, row.actor) as Actor,
    at: row.at,
    idempotencyKey: row.idempotency_key,
    state: decodeJson(dialect, row.state) as CaseState,
    env: decodeJson(dialect, row.env) as EventEnv,
    // A row's link is the hash of the row before it; the first event's is the genesis. A row whose
    // predecessor is missing gets none (''), which verify reports.
    prevHash: Number(row.seq) === 1 ? GENESIS_HASH : (row.prev_hash ?? ''),
    hash: row.hash,
  };
}

/** Maps a `tasks` row back to the port's type. */
export function rowToTask(dialect: Dialect, row: TaskRow): TaskRecord {
  return {
    taskKey: row.task_key,
    caseId: row.case_id,
    workflowId: row.workflow_id,
    stateId: row.state_id,
    role: row.role,
    org: row.org,
    title: decodeJson(dialect, row.title),
    openedAt: row.opened_at,
    openedSeq: Number(row.opened_seq),
    dueAt: row.due_at ?? null,
    assignee: row.assignee ?? null,
    ...(row.due_provisional === true || Number(row.due_provisional) === 1 ? { dueProvisional: true as const } : {}),
    ...(row.viewed_at ? { viewedAt: row.viewed_at, viewedBy: row.viewed_by ?? '' } : {}),
  };
}

/** Reads one definition version (the latest when omitted), through a pool or inside a transaction. */
export async function readDefinition(db: Knex, dialect: Dialect, workflowId: string, version: number | undefined): Promise<StoredDefinition | undefined> {
  const query = db<DefinitionRow>('workflow_definitions').where({ workflow_id: workflowId });
  const row = await (version === undefined ? query.orderBy('version', 'desc') : query.andWhere({ version })).first();
  return row && rowToDefinition(dialect, row);
}

/** Lists a workflow's versions with their owner orgs, by version, through a pool or inside a transaction. */
export async function readDefinitionOwners(db: Knex, workflowId: string): Promise<DefinitionOwner[]> {
  const rows = await db<DefinitionRow>('workflow_definitions').select('version', 'owner_org').where({ workflow_id: workflowId }).orderBy('version');
  return rows.map((r) => ({ version: Number(r.version), ownerOrg: r.owner_org ?? null }));
}

// Columns named, never `*`: a PostgreSQL prepared statement whose result shape changed (a migration
// added a column while another process runs) fails with "cached plan must not change result type".
/** The columns of a `cases` row. */
export const CASE_SELECT = 'id, workflow_id, workflow_version, org, status, state, version, last_hash, creation_key, created_at, updated_at';
/** The columns of a `case_events` row. */
export const EVENT_SELECT = 'case_id, seq, type, payload, actor, at, idempotency_key, state, env, hash, LAG(hash) OVER (ORDER BY seq) AS prev_hash';
/** The columns of a `tasks` row. */
export const TASK_SELECT = 'task_key, case_id, workflow_id, state_id, role, org, title, opened_at, opened_seq, due_at, due_provisional, assignee, viewed_at, viewed_by';
/** The columns of a `workflow_definitions` row. */
export const DEFINITION_SELECT = 'workflow_id, version, hash, definition, created_at, owner_org';

/** Runs a query and returns its rows: through knex (pool or transaction) or a writer's connection. */
export type QueryRows = <T>(sql: string, params: readonly unknown[]) => Promise<T[]>;

/** {@link QueryRows} through knex (`?` placeholders; pg answers `{ rows }`, SQLite the rows). */
export function knexRows(db: Knex, dialect: Dialect): QueryRows {
  return async <T>(sql: string, params: readonly unknown[]) => {
    const result: unknown = await db.raw(sql, params as readonly Knex.RawBinding[]);
    return (dialect === 'postgres' ? (result as { rows: T[] }).rows : result) as T[];
  };
}

/** The highest seq a range may end at when none is given. */
const LAST_SEQ = 2 ** 31 - 1;

/**
 * Reads a case's events in seq order, optionally from `fromSeq` to `toSeq`
 * inclusive, with the salts of their confidential values and each event's
 * full state: an event row stores what changed (see `state-delta.ts`), so the
 * states are rebuilt from the nearest snapshot at or before `fromSeq` (or from
 * event 1, which holds its full state). A row holding a full state (event 1,
 * rows from before migration 014) is taken as it is.
 */
export async function readEventsWith(rows: QueryRows, dialect: Dialect, caseId: string, opts: { fromSeq?: number; toSeq?: number } = {}): Promise<EventRecord[]> {
  const from = opts.fromSeq ?? 1;
  const to = opts.toSeq ?? LAST_SEQ;
  // One after the other: inside a transaction all run on its one connection.
  const base = from > 1 ? (await rows<SnapshotRow>('SELECT case_id, seq, state, hash FROM case_snapshots WHERE case_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1', [caseId, from]))[0] : undefined;
  const start = base ? Number(base.seq) : 1;
  // From the row before `start` too, for the link of the first (its own columns are not decoded).
  const read = await rows<EventRow>(`SELECT ${EVENT_SELECT} FROM case_events WHERE case_id = ? AND seq >= ? AND seq <= ? ORDER BY seq`, [caseId, start - 1, to]);
  const eventRows = read.length > 0 && Number(read[0]!.seq) < start ? read.slice(1) : read;
  const saltRows = await rows<SaltRow>('SELECT seq, salts FROM event_salts WHERE case_id = ? AND seq >= ? AND seq <= ?', [caseId, from, to]);
  const bySeq = new Map(saltRows.map((r) => [Number(r.seq), decodeJson(dialect, r.salts) as Record<string, string>]));
  return eventsFromRows(dialect, eventRows, base && rowToSnapshot(dialect, base))
    .filter((e) => e.seq >= from)
    .map((event) => {
      const s = bySeq.get(event.seq);
      return s ? { ...event, salts: s } : event;
    });
}

/** Reads a case's events through knex (the pool, or a knex transaction). */
export function readEvents(db: Knex, dialect: Dialect, caseId: string, opts: { fromSeq?: number; toSeq?: number } = {}): Promise<EventRecord[]> {
  return readEventsWith(knexRows(db, dialect), dialect, caseId, opts);
}

/**
 * Maps consecutive event rows to records with full states: a delta applies to
 * the state of the row before it; `base`, a snapshot, is the state at its seq.
 * A delta with nothing before it (a gap: a row went missing) stays as stored,
 * so `verify` reports that seq instead of guessing.
 */
export function eventsFromRows(dialect: Dialect, rows: EventRow[], base?: SnapshotRecord): EventRecord[] {
  let prev: { seq: number; state: CaseState } | undefined;
  return rows.map((row) => {
    const event = rowToEvent(dialect, row);
    const ops = storedDelta(event.state);
    if (ops) {
      if (base && event.seq === base.seq) event.state = base.state;
      else if (prev && prev.seq === event.seq - 1) {
        try {
          event.state = applyDelta(prev.state, ops, event.payload, { at: event.at, actorId: event.actor.id, seq: event.seq });
        } catch {
          // A delta that does not fit the state before (an altered row) stays as stored; verify names its seq.
        }
      }
    }
    prev = { seq: event.seq, state: event.state };
    return event;
  });
}

/** A row of `case_snapshots` (migration 014). */
export interface SnapshotRow {
  case_id: string;
  seq: number;
  state: JsonColumn;
  hash: string;
}

/** Maps a `case_snapshots` row back to the port's type. */
export function rowToSnapshot(dialect: Dialect, row: SnapshotRow): SnapshotRecord {
  return { caseId: row.case_id, seq: Number(row.seq), state: decodeJson(dialect, row.state) as CaseState, hash: row.hash };
}

/** A case's snapshots in seq order. */
export async function readSnapshots(rows: QueryRows, dialect: Dialect, caseId: string): Promise<SnapshotRecord[]> {
  return (await rows<SnapshotRow>('SELECT case_id, seq, state, hash FROM case_snapshots WHERE case_id = ? ORDER BY seq', [caseId])).map((r) => rowToSnapshot(dialect, r));
}

/** The nearest snapshot at or before `atSeq`, or undefined. */
export async function readSnapshotAt(rows: QueryRows, dialect: Dialect, caseId: string, atSeq: number): Promise<SnapshotRecord | undefined> {
  const row = (await rows<SnapshotRow>('SELECT case_id, seq, state, hash FROM case_snapshots WHERE case_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1', [caseId, atSeq]))[0];
  return row && rowToSnapshot(dialect, row);
}

/** A row of `event_salts` (migration 011). */
export interface SaltRow {
  case_id: string;
  seq: number;
  salts: JsonColumn;
}

/** The `event_salts` row of an event that records confidential values, or undefined. */
export function eventSaltsToRow(event: EventRecord): SaltRow | undefined {
  return event.salts && Object.keys(event.salts).length > 0 ? { case_id: event.caseId, seq: event.seq, salts: encodeJson(event.salts) } : undefined;
}
