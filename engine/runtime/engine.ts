/**
 * The Engine service: the one object callers use to register workflows, open
 * cases, send events and read, replay and verify them.
 */
import { migrateCases, type MigrateCasesOptions, type MigrationReport } from './migrate-cases.js';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../core/types.js';
import { CaseNotFoundError } from '../errors.js';
import { systemClock } from '../adapters/clocks.js';
import type { CaseFilter, CaseRecord, CaseStateCount, Clock, EventRecord, OrgResolver, Store, StoredDefinition, TaskFilter, TaskRecord, TimerRecord } from '../ports.js';
import type { Effect } from '../core/effects.js';
import { withDefinitionText } from '../core/deadlines.js';
import { toCaseView, toDeadlineViews, type CaseView } from './case-view.js';
import type { CompiledCalendar } from '../core/calendar/index.js';
import type { TemplateCatalog } from '../core/validate-definition.js';
import type { EngineDeps } from './deps.js';
import { randomSalt } from './hash.js';
import { openCase, type CreateCaseInput } from './open-case.js';
import { createCalendarService, type CalendarService } from './calendars.js';
import { createWorkflowRegistry, type ResolvedWorkflow, type WorkflowRegistry } from './registry.js';
import { replayCase, type ReplayResult } from './replay.js';
import { fireTimer, type FireOutcome } from './fire-timer.js';
import { sendEvent, type SendCommand } from './send-event.js';
import { verifyCases, type VerifyOptions, type VerifyReport } from './verify.js';
import { rebaselineCalendar, type RebaselineOptions, type RebaselineReport } from './rebaseline.js';

export interface EngineOptions {
  store: Store;
  clock?: Clock;
  /** Definitions (JSON or `defineWorkflow`) registered at start-up. */
  workflows?: unknown[];
  /** Case id generator (random UUIDs by default). */
  newId?: () => string;
  /** Salt generator for confidential values (16 random bytes, hex, by default). */
  newSalt?: () => string;
  /** Notification templates: every template a registered definition names must exist and be renderable. */
  templates?: TemplateCatalog | undefined;
  /**
   * The org tree. With it, a case runs the nearest definition up its org's
   * ancestry, every org a step names is checked at run time, and a calendar
   * owned by an org governs only that org's subtree; without it (tests of
   * single workflows) the ancestry is the case's org alone and no org is checked.
   */
  orgs?: OrgResolver | undefined;
}

export interface CaseResult {
  case: CaseView;
  event: EventRecord;
  duplicate: boolean;
}

export interface Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: WorkflowRegistry;
  /** Working-day calendars: the built-in `cn` and those admins add (versioned). */
  readonly calendars: CalendarService;
  /**
   * Validates and stores a definition version (immutable) at an owner org
   * (`null`, the default: the root). It governs new cases in that org's
   * subtree only; running cases keep theirs.
   */
  registerWorkflow(definition: unknown, opts?: { owner?: string | null }): Promise<{ ref: string; created: boolean }>;
  /** The definition a new case in `org` would run (the nearest owner up its ancestry), with its owner. */
  resolveWorkflow(workflowId: string, org: string, version?: number): Promise<ResolvedWorkflow>;
  createCase(input: CreateCaseInput): Promise<CaseResult>;
  send(caseId: string, cmd: SendCommand, actor: Actor): Promise<CaseResult>;
  /** The case view; with `actor`, also the events that actor may send now. */
  getCase(caseId: string, actor?: Actor): Promise<CaseView>;
  listTasks(filter?: TaskFilter): Promise<TaskRecord[]>;
  /** The stored case row (state, version, status), or undefined: the read behind listings and access checks, without building a view. */
  findCase(caseId: string): Promise<CaseRecord | undefined>;
  /** Cases matching `filter`, newest first (`createdAt` desc, then `id` desc), at most `limit`. */
  listCases(filter: CaseFilter): Promise<CaseRecord[]>;
  countCases(): Promise<number>;
  /** How many cases each workflow has in each state (for metrics). */
  countCasesByState(): Promise<CaseStateCount[]>;
  /** Every stored definition version. */
  listDefinitions(): Promise<StoredDefinition[]>;
  /** One stored definition version (the latest when `version` is omitted). */
  getDefinition(workflowId: string, version?: number): Promise<StoredDefinition | undefined>;
  /** Timer rows pending and being fired (for metrics). */
  countTimers(): Promise<{ pending: number; firing: number }>;
  history(caseId: string): Promise<EventRecord[]>;
  /** `fromStart`: fold every event from event 1 instead of starting at the nearest snapshot (same state; for benchmarks and checks). */
  replay(caseId: string, opts?: { atSeq?: number; fromStart?: boolean }): Promise<ReplayResult>;
  verify(caseId?: string, opts?: VerifyOptions): Promise<VerifyReport>;
  /**
   * Recomputes every open deadline resting on a provisional year of an older version of the calendar on its
   * latest version: one `deadline.rebaselined` event per case. Idempotent and resumable; call it after adding
   * a calendar version (`calendars.add`).
   */
  rebaselineCalendar(calendarId: string, opts?: RebaselineOptions): Promise<RebaselineReport>;
  /**
   * Moves the running cases of one workflow from version `fromVersion` to `toVersion` by a state mapping
   * (one `case.migrated` event per covered case); `dryRun` plans and writes nothing. See {@link migrateCases}.
   */
  migrateCases(opts: MigrateCasesOptions): Promise<MigrationReport>;
  /** Fires a due timer (schedulers call this); at most one event, whatever the number of calls. */
  fireTimer(timer: Pick<TimerRecord, 'timerKey' | 'caseId' | 'kind' | 'deadlineKey' | 'index' | 'generation'>): Promise<FireOutcome>;
  /** Subscribes to committed steps (after the transaction): schedulers arm timers, dispatchers wake. Returns an unsubscribe function. */
  onCommit(listener: CommitListener): () => void;
}

/** Called after a step committed, with its event and effects. Errors are the listener's own business. */
export type CommitListener = (committed: { event: EventRecord; effects: Effect[] }) => void;

/**
 * Creates the engine and registers the given workflows.
 * @example
 * const engine = await createEngine({ store: createKnexStore({ sqliteFile: './data/duban.sqlite' }), workflows: builtinWorkflows });
 * const { case: c } = await engine.createCase({ workflowId: 'hazard', org: 'district-a', actor });
 * await engine.send(c.id, { type: 'submit', payload: { ... } }, actor);
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  const registry = createWorkflowRegistry(options.store, clock, options.templates);
  const calendars = createCalendarService(options.store, clock, options.orgs);
  const deps: EngineDeps = { store: options.store, clock, registry, calendars, orgs: options.orgs, newId: options.newId ?? randomUUID, newSalt: options.newSalt ?? randomSalt, pins: new Map() };
  for (const wf of options.workflows ?? []) await registry.register(wf);

  const listeners = new Set<CommitListener>();
  deps.afterCommit = (committed) => {
    for (const l of listeners) {
      try {
        l(committed);
      } catch {
        // A listener's failure must not turn a committed step into an error for the caller.
      }
    }
  };

  const view = async (caseId: string, actor?: Actor, known?: CaseRecord): Promise<CaseView> => {
    const record = known ?? (await deps.store.getCase(caseId));
    if (!record) throw new CaseNotFoundError(caseId);
    const tasks = await deps.store.listTasks({ caseId });
    const wf = actor ? await registry.get(record.workflowId, record.workflowVersion) : undefined;
    const now = clock.now();
    const cals = new Map<string, CompiledCalendar>();
    for (const d of record.state.deadlines ?? []) {
      const k = `${d.calendar.id}@${d.calendar.version}`;
      if (!cals.has(k)) cals.set(k, await calendars.get(d.calendar.id).catch(() => calendars.get(d.calendar.id, d.calendar.version)));
    }
    // Remaining days use the latest version of the deadline's calendar: a year added later counts.
    // A deadline in compact form shows the title and legal basis its definition gives.
    const def = wf ?? (await registry.get(record.workflowId, record.workflowVersion));
    const deadlines = toDeadlineViews((record.state.deadlines ?? []).map((d) => withDefinitionText(def, d)), now, (d) => cals.get(`${d.calendar.id}@${d.calendar.version}`));
    const owner = await registry.ownerOf(record.workflowId, record.workflowVersion);
    // The definition is loaded either way: signing progress shows without an actor too.
    return toCaseView(record, tasks, deadlines, def, actor, now, owner);
  };

  return {
    store: options.store,
    clock,
    registry,
    calendars,
    async registerWorkflow(definition, opts) {
      const { ref, created } = await registry.register(definition, opts);
      return { ref, created };
    },
    async resolveWorkflow(workflowId, org, version) {
      return registry.resolve(workflowId, org, { version, facts: deps.orgs ? await deps.orgs.facts() : undefined });
    },
    async createCase(input) {
      const r = await openCase(deps, input);
      return { case: await view(r.record.id, undefined, r.record), event: r.event, duplicate: r.duplicate };
    },
    async send(caseId, cmd, actor) {
      const r = await sendEvent(deps, caseId, cmd, actor);
      // The transaction returned the case row as committed: no need to read it again.
      return { case: await view(caseId, undefined, r.record), event: r.event, duplicate: r.duplicate };
    },
    getCase: (caseId, actor) => view(caseId, actor),
    listTasks: (filter = {}) => deps.store.listTasks(filter),
    findCase: (caseId) => deps.store.getCase(caseId),
    listCases: (filter) => options.store.listCases(filter),
    countCases: () => deps.store.countCases(),
    countCasesByState: () => options.store.countCasesByState(),
    listDefinitions: () => options.store.listDefinitions(),
    getDefinition: (workflowId, version) => deps.store.getDefinition(workflowId, version),
    countTimers: () => deps.store.timers.count(),
    async history(caseId) {
      if (!(await deps.store.getCase(caseId))) throw new CaseNotFoundError(caseId);
      return deps.store.listEvents(caseId);
    },
    replay: (caseId, opts) => replayCase(deps, caseId, opts),
    verify: (caseId, opts) => verifyCases(deps, caseId, opts),
    fireTimer: (timer) => fireTimer(deps, timer),
    rebaselineCalendar: (calendarId, opts) => rebaselineCalendar(deps, calendarId, opts),
    migrateCases: (opts) => migrateCases(deps, options.store, opts),
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
