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
export type { Clock, Store, StoreTx, CaseRecord, EventRecord, TaskRecord, TaskFilter, StoredDefinition, CommitRequest } from './ports.js';
export { createEngine, type Engine, type EngineOptions, type CaseResult } from './runtime/engine.js';
export type { CaseView } from './runtime/case-view.js';
export type { CreateCaseInput } from './runtime/open-case.js';
export { CASE_CREATED } from './runtime/open-case.js';
export type { SendCommand } from './runtime/send-event.js';
export type { ReplayResult } from './runtime/replay.js';
export type { VerifyReport, VerifyFailure, VerifyOptions } from './runtime/verify.js';
export { hashEvent, canonicalJson, GENESIS_HASH } from './runtime/hash.js';
export { systemClock, createManualClock, createOffsetClock, type ManualClock } from './adapters/clocks.js';
export { createKnexStore, defaultSqliteFile, type KnexStore, type KnexStoreOptions } from './adapters/knex-store.js';
