/**
 * @module duban/engine
 * The public API of the Duban engine: the workflow definition format and its
 * validation, the pure step, the Engine service, the store and clocks.
 * Named exports only.
 */
export {
  defineWorkflow,
  WorkflowDefinitionSchema,
  StateSchema,
  TransitionSchema,
  DeadlineSchema,
  LocalizedTextSchema,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
  type StateDefinition,
  type TransitionDefinition,
  type DeadlineDefinition,
  type LocalizedText,
} from './core/definition-schema.js';
export { validateDefinition, type ValidationResult } from './core/validate-definition.js';
export { workflowJsonSchema } from './core/json-schema.js';
export { compileWorkflow, type CompiledWorkflow } from './core/compile.js';
export { step, initialStep, acceptedEvents, availableEvents, type StepResult, type NewCase } from './core/step.js';
export { EffectSchema, type Effect } from './core/effects.js';
export { ObjectSchemaSchema, FieldSchemaSchema, toZod, type FieldSchema, type ObjectSchema } from './core/field-schema.js';
export { ActorSchema, CaseStateSchema, TIMER_ACTOR, formatStateValue, type Actor, type CaseState, type Command, type StateValue, type CaseId, type UserId, type OrgId } from './core/types.js';
export { buildStateTree, type StateTree, type StateNodeInfo } from './core/state-tree.js';
export * from './errors.js';
export type { Clock, Store, StoreTx, CaseRecord, EventRecord, EventEnv, TaskRecord, TaskFilter, StoredDefinition, CommitRequest, TimerRecord, TimerStore, CalendarStore, StoredCalendar } from './ports.js';
export { createEngine, type Engine, type EngineOptions, type CaseResult, type CommitListener } from './runtime/engine.js';
export type { FireOutcome } from './runtime/fire-timer.js';
export type { CalendarService, CalendarVersions } from './runtime/calendars.js';
export type { CaseView } from './runtime/case-view.js';
export type { CreateCaseInput } from './runtime/open-case.js';
export { CASE_CREATED } from './runtime/open-case.js';
export type { SendCommand } from './runtime/send-event.js';
export type { ReplayResult } from './runtime/replay.js';
export type { VerifyReport, VerifyFailure, VerifyOptions } from './runtime/verify.js';
export { hashEvent, canonicalJson, GENESIS_HASH } from './runtime/hash.js';
export { systemClock, createManualClock, createOffsetClock, type ManualClock } from './adapters/clocks.js';
export { createKnexStore, defaultSqliteFile, type KnexStore, type KnexStoreOptions } from './adapters/knex-store.js';
export {
  addDuration,
  builtinCalendars,
  cnCalendar,
  CalendarError,
  CalendarSchema,
  compileCalendar,
  countWorkdaysBetween,
  createCalendarRegistry,
  offsetFromDue,
  parseCalendar,
  parseDuration,
  subtractForReminder,
  type Calendar,
  type CalendarInput,
  type CompiledCalendar,
  type Deadline,
  type ParsedDuration,
} from './core/calendar/index.js';
export { DeadlineStateSchema, type DeadlineState } from './core/deadline-state.js';
export { timersOf, type StepEnv, type TimerSpec, type CalendarLookup } from './core/deadlines.js';
export { BUILTIN_EVENTS, isBuiltinEvent } from './core/builtin-events.js';
