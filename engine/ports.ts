/**
 * The engine's ports: small interfaces in domain words, with one real
 * implementation per backend under `adapters/`. No connection or transaction
 * type of any library appears here.
 */
import type { Effect } from './core/effects.js';
import type { OrgFacts } from './core/jurisdiction.js';
import type { Actor, CaseState, StateValue } from './core/types.js';

/**
 * What the engine asks of the org tree (the server answers from its org
 * directory). Read before a step's transaction, never inside it. An engine
 * built without one checks no org (tests of single workflows).
 */
export interface OrgResolver {
  /** The tree as it is now (an implementation may cache it for a few seconds). */
  facts(): Promise<OrgFacts>;
  /** The org a person belongs to; undefined when there is no such person. */
  userOrg(userId: string): Promise<string | undefined>;
}

/** Where the engine takes time from. Tests use a manual clock. */
export interface Clock {
  now(): Date;
}

/** A stored, immutable workflow definition version. */
export interface StoredDefinition {
  workflowId: string;
  version: number;
  /** sha256 of the canonical JSON of `definition`. */
  hash: string;
  definition: unknown;
  createdAt: string;
  /**
   * The org the version is registered at; it governs cases in that org's
   * subtree only. `null`: the root of the tree (the built-in workflows),
   * governing every org. A version number belongs to one owner.
   */
  ownerOrg: string | null;
}

/** Which org owns which version of a workflow (for resolving a case's definition up its org's ancestry). */
export interface DefinitionOwner {
  version: number;
  ownerOrg: string | null;
}

/** A case row. `version` equals the seq of its last event. */
export interface CaseRecord {
  id: string;
  workflowId: string;
  workflowVersion: number;
  org: string;
  status: 'active' | 'done';
  state: CaseState;
  version: number;
  /** Hash of the last event, the `prevHash` of the next one. */
  lastHash: string;
  createdAt: string;
  updatedAt: string;
  /** Idempotency key the case was created with, if any. */
  creationKey: string | null;
}

/** The calendar versions a step used: `{ calendars: { cn: 1 } }`. */
export interface EventEnv {
  calendars: Record<string, number>;
  /** The hand-overs a spawn resolved (`"regulatorOf:<named org>"` → receiving org), present only when one was; replay answers from it. */
  handOvers?: Record<string, string>;
  /** Present when the step started a deadline in compact form (title and legal basis left to the definition); replay starts it the same way. */
  deadlineForm?: 'compact';
}

/** `prevHash` of a case's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** One entry of a case's append-only history. */
export interface EventRecord {
  caseId: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  actor: Actor;
  /** ISO instant the event was accepted (the engine clock's time). */
  at: string;
  idempotencyKey: string | null;
  /** The case state after this event, as recorded when it was accepted. */
  state: CaseState;
  /** What the step used besides the definition, so replay uses the same. */
  env: EventEnv;
  /** Hash of the event before ({@link GENESIS_HASH} for the first): the link that chains the history. */
  prevHash: string;
  hash: string;
  /**
   * Salt of each confidential value the event records (dotted path → hex), stored beside the event
   * and never hashed: the hash commits to `sha256(salt ‖ canonical(value))` instead of the value.
   * Absent when the event records no confidential value.
   */
  salts?: Record<string, string> | undefined;
}

/** An open task: a human step offered to role@org. */
export interface TaskRecord {
  taskKey: string;
  caseId: string;
  workflowId: string;
  stateId: string;
  role: string;
  org: string;
  title: unknown;
  openedAt: string;
  openedSeq: number;
  /** Earliest due time of the deadlines running around the task's state, or null. */
  dueAt: string | null;
  /** The person holding the task (claim, transfer), or null while it is offered to its role. */
  assignee: string | null;
  /** Present when `dueAt` rests on a provisional calendar year (it may move when the official notice arrives). */
  dueProvisional?: true;
  /** Present once a handler opened the task (read the case): who and when. 拿回 is refused from then on. */
  viewedAt?: string;
  viewedBy?: string;
}

export interface TaskFilter {
  caseId?: string | undefined;
  /** Tasks whose role is one of these. */
  roles?: string[] | undefined;
  /** Tasks whose org is one of these. */
  orgs?: string[] | undefined;
  workflowId?: string | undefined;
  /** Tasks held by this user. */
  assignee?: string | undefined;
  /** Tasks nobody holds, or held by this user (a worklist leaves out what colleagues claimed). */
  availableTo?: string | undefined;
  /** Tasks due at or before this instant (with `now`: the overdue ones). */
  dueBefore?: string | undefined;
  /** `opened` (default: oldest first) or `due` (earliest due first, tasks without a due time last). */
  orderBy?: 'opened' | 'due' | undefined;
  limit?: number | undefined;
}

/** What one accepted command writes, all in one transaction. */
export interface CommitRequest {
  /** The case row after the command (`version` = the new event's seq). */
  record: CaseRecord;
  /** The version read before the step; `null` when the command creates the case. */
  expectedVersion: number | null;
  event: EventRecord;
  effects: Effect[];
  /**
   * Due times of the case's open tasks after the command: every task the command opens, and every
   * other open task whose due time changed (the store writes no other; a caller that does not know
   * what changed may list them all).
   */
  taskDue?: { taskKey: string; dueAt: string | null; dueProvisional?: boolean }[];
  /**
   * The case state before the command (absent when creating). With it the store records what the
   * command changed rather than the whole state, and writes only the case columns that changed.
   */
  previousState?: CaseState | undefined;
}

/** A full case state kept every N events and when the case ends, so replay and reads start near any seq. */
export interface SnapshotRecord {
  caseId: string;
  seq: number;
  /** The case state after event `seq`. */
  state: CaseState;
  /** The hash of event `seq`: the link of the chain the snapshot belongs to. */
  hash: string;
}

/** Options of one unit of work given to `Store.transaction`. */
export interface TransactionOptions {
  /**
   * The case the unit writes, when known: units of one case are committed in the order they were
   * given (a store may commit several units in one database transaction).
   */
  caseId?: string | undefined;
}

/** Reads and writes inside one database transaction. */
export interface StoreTx {
  /** Reads a case and holds it against concurrent writers until the transaction ends. */
  lockCase(caseId: string): Promise<CaseRecord | undefined>;
  findEventByKey(caseId: string, idempotencyKey: string): Promise<EventRecord | undefined>;
  /** A definition version (the latest when omitted), read inside the transaction. */
  getDefinition(workflowId: string, version?: number): Promise<StoredDefinition | undefined>;
  /** Every version of a workflow with its owner org, by version, read inside the transaction. */
  listDefinitionOwners(workflowId: string): Promise<DefinitionOwner[]>;
  /** Events of a case in seq order (optionally from `fromSeq` to `toSeq`, inclusive), read inside the transaction. */
  listEvents(caseId: string, opts?: { fromSeq?: number; toSeq?: number }): Promise<EventRecord[]>;
  findCaseByCreationKey(idempotencyKey: string): Promise<CaseRecord | undefined>;
  /**
   * Takes the next document number of an org's series for a year: the org's
   * prefix and the sequence (1, 2, … without gaps: rolled back with the
   * transaction). Concurrent transactions get distinct, consecutive numbers.
   * Undefined when the org has set no prefix for the series.
   */
  nextDocNumber(org: string, series: string, year: number): Promise<{ prefix: string; seq: number } | undefined>;
  /**
   * Writes the event, the case row and the task and timer changes. Throws
   * `version_conflict` when the case moved past `expectedVersion` (or a case
   * with the id exists when creating), `case_not_found`, `idempotency_conflict`
   * for a reused key, `internal_error` for an incoherent request.
   */
  commit(req: CommitRequest): Promise<void>;
}

/** A stored, immutable calendar version. */
export interface StoredCalendar {
  calendarId: string;
  version: number;
  hash: string;
  definition: unknown;
  createdAt: string;
}

/** Versioned calendars admins add (the built-in ones ship with the code). */
export interface CalendarStore {
  /** `exists` when identical content is stored under that version; `definition_conflict` when different. */
  save(cal: StoredCalendar): Promise<'created' | 'exists'>;
  list(): Promise<StoredCalendar[]>;
}

/** A durable timer row. */
export interface TimerRecord {
  timerKey: string;
  caseId: string;
  workflowId: string;
  /** `signal`: a child case's end, to deliver to this (parent) case; `deadlineKey` holds the child id. */
  kind: 'remind' | 'due' | 'escalate' | 'signal';
  deadlineKey: string;
  index: number;
  generation: number;
  dueAt: string;
  status: 'pending' | 'firing';
  attempts: number;
  lastError: string | null;
}

/** The timer rows, as schedulers see them. Rows are written and deleted by `StoreTx.commit`. */
export interface TimerStore {
  /** Timers due at `now` or before that are pending or whose claim expired, earliest first. */
  listDue(now: string, limit: number): Promise<TimerRecord[]>;
  /** Every timer row (pending or claimed), by due time, for re-arming a queue; `afterKey` pages. */
  listAll(limit: number, after?: { dueAt: string; timerKey: string }): Promise<TimerRecord[]>;
  /** The earliest due time of a claimable timer, or undefined. */
  nextDueAt(now: string): Promise<string | undefined>;
  /**
   * Claims, in one statement, up to `limit` timers due at `dueBefore` or
   * earlier that are claimable at `now`, earliest first; a timer is taken only
   * with every earlier timer of its case still in the table, so each case's
   * timers fire in due order however many schedulers run.
   */
  claimDue(dueBefore: string, now: string, limit: number, owner: string, until: string): Promise<TimerRecord[]>;
  /**
   * Claims a timer together with every earlier timer of its case (all claimable,
   * or none of those after one that is not), earliest first. `target` says whether
   * the timer itself was claimed, is held elsewhere (or behind an earlier one held
   * elsewhere), or is gone (fired or cancelled).
   */
  claimThrough(timerKey: string, now: string, owner: string, until: string): Promise<{ rows: TimerRecord[]; target: 'claimed' | 'held' | 'gone' }>;
  /** Gives claimed timers back (pending again) without counting an attempt: they were claimed but not fired. */
  release(timerKeys: string[], owner: string): Promise<void>;
  /** Records a failed firing; the claim stays until `retryAt`, then any scheduler may take it again. */
  fail(timerKey: string, owner: string, error: string, retryAt: string): Promise<void>;
  /** Deletes a timer that can no longer fire (stale or its case closed). */
  discard(timerKey: string): Promise<void>;
  count(): Promise<{ pending: number; firing: number }>;
}

/**
 * What the engine needs of its storage: units of work (`transaction`), the
 * definitions, a case and its history (events, snapshots), its tasks, and the
 * timer and calendar rows. No connection, dialect or query builder appears here.
 */
export interface EngineStore {
  readonly timers: TimerStore;
  readonly calendars: CalendarStore;
  /**
   * Runs `fn` as one unit of work and commits it; resolves only once the commit is durable. A
   * store may commit several concurrent units in one database transaction (group commit): a unit
   * that fails is rolled back alone (the others are re-run without it), and `fn` may then run
   * more than once, so it must do nothing outside `tx` that cannot be repeated.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /** Stores a definition version; `exists` when identical content is already there at the same owner, `definition_conflict` when different (content or owner). */
  saveDefinition(def: StoredDefinition): Promise<'created' | 'exists'>;
  /** One version, or the latest when `version` is omitted. */
  getDefinition(workflowId: string, version?: number): Promise<StoredDefinition | undefined>;
  /** Every version of a workflow with its owner org, by version. */
  listDefinitionOwners(workflowId: string): Promise<DefinitionOwner[]>;
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  /** Case ids in id order after `afterId`, for batched scans (verify). */
  listCaseIds(afterId: string | undefined, limit: number): Promise<string[]>;
  countCases(): Promise<number>;
  /** Events of a case in seq order (optionally from `fromSeq` to `toSeq`, inclusive), each with its full state. */
  listEvents(caseId: string, opts?: { fromSeq?: number; toSeq?: number }): Promise<EventRecord[]>;
  /** A case's state snapshots, in seq order. */
  listSnapshots(caseId: string): Promise<SnapshotRecord[]>;
  /** The nearest snapshot at or before `atSeq`, if any. */
  getSnapshot(caseId: string, atSeq: number): Promise<SnapshotRecord | undefined>;
  listTasks(filter: TaskFilter): Promise<TaskRecord[]>;
  /** Records that `userId` opened the task, unless someone already did; true when this call recorded it. */
  markTaskViewed(taskKey: string, userId: string, at: string): Promise<boolean>;
}

/** The listing queries the server asks (pages, metrics), answered by the same adapter as the engine's store. */
export interface CaseQueries {
  listDefinitions(): Promise<StoredDefinition[]>;
  /** Cases matching `filter`, newest first (`createdAt` desc, then `id` desc), at most `limit`. */
  listCases(filter: CaseFilter): Promise<CaseRecord[]>;
  /** How many cases each workflow has in each state (for metrics). */
  countCasesByState(): Promise<CaseStateCount[]>;
}

/** Durable storage of definitions, cases, events and tasks: the engine's port, the server's queries, and the store's life cycle. */
export interface Store extends EngineStore, CaseQueries {
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** What a scheduler counted since it was created. */
export interface SchedulerStats {
  /** Timers whose firing appended their event. */
  fired: number;
  /** Timers another firing had already appended (a duplicate job, a lost race after the claim). */
  duplicates: number;
  /** Timers whose deadline moved or ended; their rows were deleted. */
  stale: number;
  /** Firings that threw; the row waits for its retry time. */
  failures: number;
  /** Timers not fired because another process held the claim (or the row was gone). */
  skipped: number;
  /** The latest firing delays (fire time − `dueAt`, in ms, by the engine clock), oldest first; a bounded window. */
  latenessMs: number[];
}

/**
 * Fires durable timers when they fall due: by polling the timer rows
 * (embedded) or through delayed queue jobs (distributed). The rows stay the
 * source of truth; every firing claims its row first, so a timer fires once
 * however many schedulers run.
 */
export interface Scheduler {
  /** Fires what fell due while nothing ran, then keeps firing timers as they fall due. */
  start(): Promise<void>;
  /** Stops taking timers and waits for the firings in flight. */
  stop(): Promise<void>;
  /** Fires every timer due now (for tests and start-up); resolves to how many fired. */
  runDue(): Promise<number>;
  stats(): SchedulerStats;
}

/** Which cases `Store.listCases` returns. Every given condition must hold. */
export interface CaseFilter {
  workflowId?: string | undefined;
  status?: 'active' | 'done' | undefined;
  /** Cases in which this state is active: a camelCase key, or a dotted path of keys (each must be active). */
  state?: string | undefined;
  /** Cases whose org is one of these; an empty list matches nothing. */
  orgs?: string[] | undefined;
  /** With `orgs`: also the cases routed (`case.routed`) to one of these orgs. */
  routedTo?: string[] | undefined;
  /** Cases with a deadline (not paused) due at or before this instant. */
  dueBefore?: string | undefined;
  /** Cases with no deadline (not paused) due at or before this instant. */
  notDueBefore?: string | undefined;
  /** Cases with an open task held by this user. */
  assignee?: string | undefined;
  /** Cases whose id or data contains this text (case-insensitive for ASCII letters). */
  text?: string | undefined;
  /** Top-level data fields `text` does not look into (the confidential ones). */
  textExcludes?: string[] | undefined;
  /** Keyset cursor: cases strictly after this one in the listing order. */
  after?: { createdAt: string; id: string } | undefined;
  limit: number;
}

/** One row of `Store.countCasesByState`. */
export interface CaseStateCount {
  workflowId: string;
  status: 'active' | 'done';
  state: StateValue;
  count: number;
}
