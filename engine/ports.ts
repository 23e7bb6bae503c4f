/**
 * The engine's ports: small interfaces in domain words, with one real
 * implementation per backend under `adapters/`. No connection or transaction
 * type of any library appears here.
 */
import type { Effect } from './core/effects.js';
import type { Actor, CaseState } from './core/types.js';

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
  prevHash: string;
  hash: string;
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
}

export interface TaskFilter {
  caseId?: string | undefined;
  /** Tasks whose role is one of these. */
  roles?: string[] | undefined;
  /** Tasks whose org is one of these. */
  orgs?: string[] | undefined;
  workflowId?: string | undefined;
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
}

/** Reads and writes inside one database transaction. */
export interface StoreTx {
  /** Reads a case and holds it against concurrent writers until the transaction ends. */
  lockCase(caseId: string): Promise<CaseRecord | undefined>;
  findEventByKey(caseId: string, idempotencyKey: string): Promise<EventRecord | undefined>;
  findCaseByCreationKey(idempotencyKey: string): Promise<CaseRecord | undefined>;
  /**
   * Writes the event, the case row and the task changes. Throws
   * `version_conflict` when the case moved past `expectedVersion` (or a case
   * with the id exists when creating).
   */
  commit(req: CommitRequest): Promise<void>;
}

/** Durable storage of definitions, cases, events and tasks. */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Stores a definition version; `exists` when identical content is already there, `definition_conflict` when different. */
  saveDefinition(def: StoredDefinition): Promise<'created' | 'exists'>;
  /** One version, or the latest when `version` is omitted. */
  getDefinition(workflowId: string, version?: number): Promise<StoredDefinition | undefined>;
  listDefinitions(): Promise<StoredDefinition[]>;
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  /** Case ids in id order after `afterId`, for batched scans (verify). */
  listCaseIds(afterId: string | undefined, limit: number): Promise<string[]>;
  countCases(): Promise<number>;
  /** Events of a case in seq order, optionally up to `toSeq` inclusive. */
  listEvents(caseId: string, opts?: { toSeq?: number }): Promise<EventRecord[]>;
  listTasks(filter: TaskFilter): Promise<TaskRecord[]>;
}
