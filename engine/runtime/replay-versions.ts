/**
 * Replay across definition versions (issue 15): a case migrated to another
 * version replays the events before `case.migrated` through the old version
 * and those after it through the new one. The migration itself replays by
 * running the recorded mapping again (its hash checked), so the state after
 * it is recomputed, not trusted.
 */
import type { CompiledWorkflow } from '../core/compile.js';
import type { StepEnv } from '../core/deadlines.js';
import { CASE_MIGRATED, decideMigration, MigratedPayloadSchema } from '../core/migrate.js';
import type { CaseState } from '../core/types.js';
import { ReplayDivergedError } from '../errors.js';
import type { CaseRecord, EventRecord } from '../ports.js';
import type { EngineDeps } from './deps.js';
import { canonicalJson, sha256Hex } from './hash.js';

type Registry = Pick<EngineDeps, 'registry'>;

/** The recorded migration, checked: the version it left must be the one replayed, and the mapping must match its hash. */
function recordedMigration(wf: CompiledWorkflow, event: EventRecord) {
  const r = MigratedPayloadSchema.safeParse(event.payload);
  if (!r.success) throw new ReplayDivergedError(event.caseId, event.seq, 'the recorded migration payload is malformed');
  const p = r.data;
  if (p.fromVersion !== wf.definition.version) throw new ReplayDivergedError(event.caseId, event.seq, `the migration left version ${p.fromVersion}, but replay is on ${wf.ref}`);
  if (sha256Hex(canonicalJson(p.map)) !== p.mapHash) throw new ReplayDivergedError(event.caseId, event.seq, 'the recorded mapping does not match its hash');
  return p;
}

/** Applies a recorded `case.migrated`: the mapping run again from `wf` to the version it names. */
export async function replayMigration(deps: Partial<Registry>, wf: CompiledWorkflow, before: CaseState, event: EventRecord, env: StepEnv): Promise<CaseState> {
  const p = recordedMigration(wf, event);
  if (!deps.registry) throw new ReplayDivergedError(event.caseId, event.seq, 'replaying a migration needs the definition registry');
  const to = await deps.registry.get(wf.definition.id, p.toVersion);
  return decideMigration(wf, to, before, p.map, p.mapHash, new Date(event.at), env).state;
}

/** The definition in force after `event`: the new version after a migration, else `wf`. */
export async function workflowAfter(deps: Registry, wf: CompiledWorkflow, event: EventRecord): Promise<CompiledWorkflow> {
  if (event.type !== CASE_MIGRATED) return wf;
  return deps.registry.get(wf.definition.id, recordedMigration(wf, event).toVersion);
}

/**
 * The definition in force right after event `seq`: the version the first
 * later migration left, else the case's current one. `known` are events
 * already read (in order); only those after them are read when needed.
 */
export async function workflowAfterSeq(deps: Registry & Pick<EngineDeps, 'store'>, record: CaseRecord, seq: number, known: readonly EventRecord[] = []): Promise<CompiledWorkflow> {
  const firstIn = (events: readonly EventRecord[]) => events.find((e) => e.seq > seq && e.type === CASE_MIGRATED);
  let migration = firstIn(known);
  const readTo = Math.max(seq, known[known.length - 1]?.seq ?? 0);
  if (!migration && readTo < record.version) migration = firstIn(await deps.store.listEvents(record.id, { fromSeq: readTo + 1 }));
  const version = migration ? Number((migration.payload as { fromVersion?: unknown }).fromVersion) : record.workflowVersion;
  return deps.registry.get(record.workflowId, version);
}

/**
 * The definition in force after each of `events` (the case's history from
 * seq 1, in order): up to a `case.migrated`, the version it left; after the
 * last, the case's current one. What a page titles an event's state with.
 * Reads the registry only.
 *
 * @example
 * const defs = await workflowsAlong(engine, record, await engine.history(record.id));
 * stateTitle(defs[i].definition, events[i].state.value);
 */
export async function workflowsAlong(deps: Registry, record: Pick<CaseRecord, 'workflowId' | 'workflowVersion'>, events: readonly Pick<EventRecord, 'type' | 'payload'>[]): Promise<CompiledWorkflow[]> {
  const versions: number[] = new Array<number>(events.length);
  let version = record.workflowVersion;
  for (let i = events.length - 1; i >= 0; i--) {
    versions[i] = version;
    const e = events[i]!;
    if (e.type === CASE_MIGRATED) {
      const from = (e.payload as { fromVersion?: unknown }).fromVersion;
      if (typeof from === 'number') version = from;
    }
  }
  const byVersion = new Map<number, Promise<CompiledWorkflow>>();
  const get = (v: number) => {
    if (!byVersion.has(v)) byVersion.set(v, deps.registry.get(record.workflowId, v));
    return byVersion.get(v)!;
  };
  return Promise.all(versions.map(get));
}
