/**
 * Migrating running cases from one definition version to another (issue 15).
 * The mapping is validated against both versions before anything runs; a dry
 * run plans every case and writes nothing; a real run appends one
 * `case.migrated` event per covered case, each in its own transaction (the
 * case row then names the new version; tasks, deadlines and timers are
 * recomputed). Cases the mapping does not cover stay where they are and are
 * listed. Re-running the same migration skips the cases already moved.
 */
import { CASE_MIGRATED, decideMigration, planMigration, validateMigrationMap, type MigrationMap } from '../core/migrate.js';
import { confidentialFields } from '../core/confidential.js';
import { taskDueTimes } from '../core/deadlines.js';
import type { Issue } from '../errors.js';
import { CaseClosedError, CaseNotFoundError, EngineError, VersionConflictError } from '../errors.js';
import type { Actor, StateValue } from '../core/types.js';
import type { CaseFilter, CaseQueries, CaseRecord } from '../ports.js';
import type { CompiledWorkflow } from '../core/compile.js';
import type { EngineDeps } from './deps.js';
import { canonicalJson, sha256Hex, signEvent } from './hash.js';
import { stepEnvRecord } from './open-case.js';
import { changedTaskDue } from './send-event.js';

export interface MigrateCasesOptions {
  workflowId: string;
  fromVersion: number;
  toVersion: number;
  /** The mapping (JSON): `{ states: { old: new }, data?: { field: JSON Logic }, drop?: [field] }`. */
  map: unknown;
  /** Plan only: list every case with its old and new state, write nothing. */
  dryRun?: boolean | undefined;
  /** Only the cases of these orgs (an admin's subtree); all when omitted. */
  orgs?: readonly string[] | undefined;
  /** Who migrates (recorded with each event). */
  actor: Actor;
  batchSize?: number | undefined;
}

/** One case of a migration: where it is and where it goes (`to` null when not covered). */
export interface MigrationCaseLine {
  caseId: string;
  org: string;
  from: StateValue;
  to: StateValue | null;
  /** Why the mapping does not cover it, with the states concerned. */
  uncovered?: { reason: string; states: string[]; issues?: Issue[] } | undefined;
  /** The event appended (real runs). */
  seq?: number | undefined;
}

export interface MigrationReport {
  workflowId: string;
  fromVersion: number;
  toVersion: number;
  /** sha256 of the mapping's canonical JSON: the same value each event records. */
  mapHash: string;
  dryRun: boolean;
  /** Every running case of `fromVersion` in scope, covered or not. */
  cases: MigrationCaseLine[];
  migrated: number;
  uncovered: number;
  /** Cases that failed while migrating (moved on, closed meanwhile); the run goes on. */
  failed: { caseId: string; code: string; message: string }[];
}

/** The hash a mapping is known by. */
export function migrationMapHash(map: MigrationMap): string {
  return sha256Hex(canonicalJson(map));
}

/** Every running case of one workflow in scope, in listing order, a batch at a time. */
async function* runningCases(cases: CaseQueries, opts: MigrateCasesOptions): AsyncGenerator<CaseRecord> {
  let after: CaseFilter['after'];
  const limit = opts.batchSize ?? 500;
  for (;;) {
    const rows = await cases.listCases({ workflowId: opts.workflowId, status: 'active', ...(opts.orgs ? { orgs: [...opts.orgs] } : {}), after, limit });
    for (const r of rows) yield r;
    if (rows.length < limit) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/**
 * Migrates (or, dry, plans) every running case of `fromVersion` in scope.
 * Throws `workflow_not_found` for a missing version and `invalid_input` with
 * every problem of the mapping before touching any case.
 * @example
 * const report = await migrateCases(deps, store, { workflowId: 'hazard', fromVersion: 1, toVersion: 2, map, actor, dryRun: true });
 */
export async function migrateCases(deps: EngineDeps, cases: CaseQueries, opts: MigrateCasesOptions): Promise<MigrationReport> {
  const from = await deps.registry.get(opts.workflowId, opts.fromVersion);
  const to = await deps.registry.get(opts.workflowId, opts.toVersion);
  const map = validateMigrationMap(from, to, opts.map);
  const mapHash = migrationMapHash(map);
  const report: MigrationReport = { workflowId: opts.workflowId, fromVersion: opts.fromVersion, toVersion: opts.toVersion, mapHash, dryRun: opts.dryRun === true, cases: [], migrated: 0, uncovered: 0, failed: [] };
  await deps.calendars.prepare();
  // The listing is read in pages while cases move off the old version; collect the ids first.
  const pending: CaseRecord[] = [];
  for await (const r of runningCases(cases, opts)) if (r.workflowVersion === opts.fromVersion) pending.push(r);
  for (const r of pending) {
    const plan = planMigration(from, to, r.state, map);
    const line: MigrationCaseLine = { caseId: r.id, org: r.org, from: r.state.value, to: plan.covered ? plan.value : null };
    if (!plan.covered) {
      line.uncovered = { reason: plan.reason, states: plan.states, ...(plan.issues ? { issues: plan.issues } : {}) };
      report.uncovered++;
    } else if (!report.dryRun) {
      try {
        line.seq = await migrateOne(deps, r.id, from, to, map, mapHash, opts.actor);
        report.migrated++;
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        report.failed.push({ caseId: r.id, code: err.code, message: err.message });
      }
    }
    report.cases.push(line);
  }
  return report;
}

/** One case's migration in one transaction; returns the seq of its `case.migrated` event. */
async function migrateOne(deps: EngineDeps, caseId: string, from: CompiledWorkflow, to: CompiledWorkflow, map: MigrationMap, mapHash: string, actor: Actor): Promise<number> {
  const result = await deps.store.transaction(async (tx) => {
    const current = await tx.lockCase(caseId);
    if (!current) throw new CaseNotFoundError(caseId);
    if (current.status !== 'active') throw new CaseClosedError(caseId, 'closed meanwhile');
    if (current.workflowVersion !== from.definition.version) throw new VersionConflictError(caseId, from.definition.version, current.workflowVersion);
    const now = deps.clock.now();
    const cals = deps.calendars.forStep(current.org);
    const { state, effects, payload } = decideMigration(from, to, current.state, map, mapHash, now, { calendar: cals.lookup, compactDeadlines: true });
    const at = now.toISOString();
    const event = signEvent({
      caseId, seq: state.seq, type: CASE_MIGRATED, payload: payload as unknown as Record<string, unknown>, actor, at, idempotencyKey: null, state, env: stepEnvRecord(cals.used, {}, state), prevHash: current.lastHash,
    }, confidentialFields(to.definition), deps.newSalt);
    const record: CaseRecord = { ...current, workflowVersion: to.definition.version, status: state.status, state, version: state.seq, lastHash: event.hash, updatedAt: at };
    const taskDue = changedTaskDue(taskDueTimes(from, caseId, current.state.value, current.state.deadlines, current.state.signs), taskDueTimes(to, caseId, state.value, state.deadlines, state.signs), effects);
    // No previousState: the row's workflow_version changes, so the whole row is written.
    await tx.commit({ record, expectedVersion: current.version, event, effects, taskDue });
    return { event, effects };
  }, { caseId });
  deps.pins.delete(caseId);
  deps.afterCommit?.(result);
  return result.event.seq;
}
