/**
 * Domain errors. Each failure has its own small class and a stable snake_case
 * `code` that is part of the API; nothing here knows about HTTP (the server maps
 * codes to statuses in `server/http-errors.ts`).
 */

/** Every error code the engine can raise. */
export const ERROR_CODES = [
  'invalid_definition',
  'definition_conflict',
  'workflow_not_found',
  'case_not_found',
  'invalid_transition',
  'forbidden',
  'invalid_input',
  'invalid_data',
  'guard_failed',
  'version_conflict',
  'idempotency_conflict',
  'case_closed',
  'calendar_out_of_range',
  'invalid_duration',
  'invalid_calendar',
  'calendar_out_of_scope',
  'replay_diverged',
  'timer_stale',
  'task_conflict',
  'expression_budget_exceeded',
  'invalid_anchor_key',
  'invalid_anchor_log',
  'system_only_event',
  'role_not_grantable',
  'org_not_found',
  'org_out_of_jurisdiction',
  'doc_number_not_configured',
  'parent_case_required',
  'internal_error',
  'archive_conflict',
  'invalid_archive',
  'store_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem found in a definition or an input, with a JSON path. */
export interface Issue {
  code: string;
  path: (string | number)[];
  message: string;
}

/** Base class of every error the engine raises on purpose. */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly issues: Issue[] | undefined;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, issues?: Issue[]) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
    this.issues = issues;
  }

  /** A plain object for logs and API bodies. */
  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown>; issues?: Issue[] } {
    return { code: this.code, message: this.message, details: this.details, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** A definition failed parsing or semantic checks; `issues` lists every problem. */
export class InvalidDefinitionError extends EngineError {
  constructor(workflow: string, issues: Issue[]) {
    super('invalid_definition', `workflow definition ${workflow} has ${issues.length} problem(s): ${issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`, { workflow }, issues);
  }
}

/** The same workflow id@version was stored before with other content. */
export class DefinitionConflictError extends EngineError {
  constructor(workflowId: string, version: number) {
    super('definition_conflict', `workflow ${workflowId}@${version} is already stored with different content; definitions are immutable, publish a new version`, { workflowId, version });
  }
}

export class WorkflowNotFoundError extends EngineError {
  constructor(workflowId: string, version?: number) {
    super('workflow_not_found', `workflow ${workflowId}${version === undefined ? '' : `@${version}`} is not registered`, { workflowId, version });
  }
}

/** An org a case or a step names does not exist in the org tree. */
export class OrgNotFoundError extends EngineError {
  constructor(org: string, what: string) {
    super('org_not_found', `${what} names org ${org}, which does not exist`, { org, what });
  }
}

/** A step names an org outside what its definition's owner org governs (and no hand-over rule allows it). */
export class OrgOutOfJurisdictionError extends EngineError {
  constructor(org: string, owner: string, what: string) {
    super('org_out_of_jurisdiction', `${what} names org ${org}, outside ${owner}, the org the workflow version is registered at`, { org, owner, what });
  }
}

export class CaseNotFoundError extends EngineError {
  constructor(caseId: string) {
    super('case_not_found', `case ${caseId} does not exist`, { caseId });
  }
}

/** The event is not accepted by any active state of the case. */
export class InvalidTransitionError extends EngineError {
  constructor(event: string, state: string, accepted: string[]) {
    super('invalid_transition', `event "${event}" is not accepted in state ${state}; accepted events: ${accepted.length ? accepted.join(', ') : '(none)'}`, { event, state, accepted });
  }
}

/** The actor holds none of the roles the transition allows. */
export class ForbiddenError extends EngineError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('forbidden', message, details);
  }
}

/** A command payload (or case creation data) does not match its schema. */
export class InvalidInputError extends EngineError {
  constructor(message: string, issues: Issue[], details: Record<string, unknown> = {}) {
    super('invalid_input', message, details, issues);
  }
}

/** After applying a transition the case data no longer matches the data schema. */
export class InvalidDataError extends EngineError {
  constructor(message: string, issues: Issue[]) {
    super('invalid_data', message, {}, issues);
  }
}

/** Every transition for the event has a guard that is false. */
export class GuardFailedError extends EngineError {
  /** The definition's own wording of the refused condition (`guardMessage`: a zh-CN string or `{ zh, en }`), for the caller's language. */
  readonly guardMessage: string | { zh: string; en?: string | undefined } | undefined;

  constructor(event: string, state: string, guards: unknown[], guardMessage?: string | { zh: string; en?: string | undefined }) {
    super('guard_failed', `event "${event}" is not allowed in state ${state}: its condition does not hold`, { event, state, guards });
    this.guardMessage = guardMessage;
  }
}

/**
 * An expression ran out of its budget (operations, nesting depth or the size
 * of a value it builds) and was stopped; it counts as failed, never as true.
 */
export class ExpressionBudgetExceededError extends EngineError {
  constructor(limit: 'operations' | 'depth' | 'value_size' | 'total_size', max: number) {
    super('expression_budget_exceeded', `an expression of the workflow exceeded its budget (${limit.replace('_', ' ')} over ${max}) and was stopped`, { limit, max });
  }
}

/** The case changed since the caller read it (stale `expectedVersion`). */
export class VersionConflictError extends EngineError {
  constructor(caseId: string, expected: number, actual: number) {
    super('version_conflict', `case ${caseId} is at version ${actual}, not the expected ${expected}`, { caseId, expected, actual });
  }
}

/** An idempotency key was reused for a different command. */
export class IdempotencyConflictError extends EngineError {
  constructor(key: string) {
    super('idempotency_conflict', `idempotency key "${key}" was already used for a different command`, { key });
  }
}

/** The case is in a final state and accepts no more events. */
export class CaseClosedError extends EngineError {
  constructor(caseId: string, state: string) {
    super('case_closed', `case ${caseId} is closed (final state ${state}) and accepts no events`, { caseId, state });
  }
}

/** Replaying recorded events through the pinned definition does not give the recorded state. */
export class ReplayDivergedError extends EngineError {
  constructor(caseId: string, seq: number, reason: string) {
    super('replay_diverged', `case ${caseId} diverges at seq ${seq}: ${reason}`, { caseId, seq });
  }
}

/** A timer fired for a deadline that has since moved, been paused or ended; nothing is recorded. */
export class TimerStaleError extends EngineError {
  constructor(deadline: string, reason: string) {
    super('timer_stale', `timer for deadline ${deadline} is stale: ${reason}`, { deadline });
  }
}

/** An anchor signing or public key file is not an Ed25519 key in PEM. */
export class InvalidAnchorKeyError extends EngineError {
  constructor(reason: string) {
    super('invalid_anchor_key', `anchor key: ${reason}`);
  }
}

/** The anchor log cannot be extended: a line does not parse, chain or verify. */
export class InvalidAnchorLogError extends EngineError {
  constructor(line: number, reason: string) {
    super('invalid_anchor_log', `anchor log line ${line}: ${reason}`, { line });
  }
}

/**
 * A person sent an event only the engine sends: a timer's `deadline.*`, an
 * escalation, a child's end, or a transition only the role `system` may take.
 */
export class SystemOnlyEventError extends EngineError {
  constructor(event: string, details: Record<string, unknown> = {}) {
    super('system_only_event', `"${event}" is sent by the system only (timers, escalations, child cases), never by a person`, { event, ...details });
  }
}

/** A role that no person may hold (`system`, the engine's own) was to be granted. */
export class RoleNotGrantableError extends EngineError {
  constructor(role: string, reason: string) {
    super('role_not_grantable', `role ${role} cannot be granted: ${reason}`, { role });
  }
}

/** A transition takes a document number (文号) from a series the case's org has given no prefix. */
export class DocNumberNotConfiguredError extends EngineError {
  constructor(org: string, series: string) {
    super('doc_number_not_configured', `org ${org} has set no prefix for the document series ${series}`, { org, series });
  }
}

/**
 * A case of a workflow declared `startedBy: "parent"` was to be opened
 * directly: such a case exists only as the linked child its parent's spawn
 * opens (e.g. the four no-let-go case of an accident).
 */
export class ParentCaseRequiredError extends EngineError {
  constructor(workflowId: string) {
    super('parent_case_required', `a case of ${workflowId} is opened only by its parent case (a spawn), never directly`, { workflowId });
  }
}

/**
 * The database could not be reached or lost the connection mid-request (a
 * restarted server, a dropped connection, a full pool). Retryable: a
 * transaction that lost its connection is rolled back whole, and a retry with
 * the same idempotency key lands the command once.
 */
export class StoreUnavailableError extends EngineError {
  constructor(reason: string) {
    super('store_unavailable', `the database is unavailable just now (${reason}); send the request again, with the same Idempotency-Key if it had one`, { reason });
  }
}

/** Formats a JSON path as `states.a.on.go[0].target`. */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

/** Throws in an exhaustive switch when a union member was not handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled value: ${JSON.stringify(value)}`);
}

/** An archive run met a case that changed after it was archived, or another run that took its cases. */
export class ArchiveConflictError extends EngineError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('archive_conflict', message, details);
  }
}

/** An archive (directory, manifest or case file) is not what its recorded hash says, or cannot be read. */
export class InvalidArchiveError extends EngineError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('invalid_archive', message, details);
  }
}
