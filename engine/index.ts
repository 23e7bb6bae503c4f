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
export { validateDefinition, type ValidationResult, type ValidateOptions, type TemplateCatalog } from './core/validate-definition.js';
export { workflowJsonSchema } from './core/json-schema.js';
export { definitionReference } from './core/definition-reference.js';
export { compileWorkflow, isSystemActor, SYSTEM_ROLE, type CompiledWorkflow } from './core/compile.js';
export { step, initialStep, acceptedEvents, availableEvents, type StepResult, type NewCase } from './core/step.js';
export { decide, decideStart, type Decision, type DecideOptions, type TaskDue } from './core/decide.js';
export { AUDITOR_ROLE, isAuditor, mayTake, jurisdictionReaches, transferRefusal } from './core/access.js';
export { EffectSchema, NotifyEffectSchema, ResolvedRecipientSchema, type Effect, type NotifyEffect, type ResolvedRecipient } from './core/effects.js';
export { NotifySchema, RecipientSchema, SpawnSchema, NOTIFICATION_KINDS, CHANNELS, type NotifyDefinition, type Recipient, type SpawnDefinition } from './core/definition-schema.js';
export { ObjectSchemaSchema, FieldSchemaSchema, toZod, type FieldSchema, type ObjectSchema } from './core/field-schema.js';
export { ActorSchema, CaseStateSchema, TIMER_ACTOR, formatStateValue, type Actor, type CaseState, type Responsible, type Command, type StateValue, type CaseId, type UserId, type OrgId } from './core/types.js';
export { stateTitleOf } from './core/step-effects.js';
export { buildStateTree, type StateTree, type StateNodeInfo } from './core/state-tree.js';
export * from './errors.js';
export type { Clock, Store, StoreTx, CaseRecord, EventRecord, EventEnv, TaskRecord, TaskFilter, StoredDefinition, CommitRequest, TimerRecord, TimerStore, CalendarStore, StoredCalendar } from './ports.js';
export { createEngine, type Engine, type EngineOptions, type CaseResult, type CommitListener } from './runtime/engine.js';
export type { FireOutcome } from './runtime/fire-timer.js';
export type { CalendarService, CalendarVersions } from './runtime/calendars.js';
export { CALENDAR_ACTOR, type RebaselineOptions, type RebaselineReport, type RebaselinedCase } from './runtime/rebaseline.js';
export type { CaseView } from './runtime/case-view.js';
export type { CreateCaseInput } from './runtime/open-case.js';
export { CASE_CREATED } from './runtime/open-case.js';
export type { SendCommand } from './runtime/send-event.js';
export type { ReplayResult } from './runtime/replay.js';
/** The definition version in force after each event of a case's history (a migrated case ran on several). */
export { workflowsAlong } from './runtime/replay-versions.js';
export type { VerifyReport, VerifyFailure, VerifyOptions } from './runtime/verify.js';
export { hashEvent, canonicalJson, GENESIS_HASH, commitmentOf, redactEvent } from './runtime/hash.js';
export {
  confidentialFields,
  confidentialPaths,
  fieldOfPath,
  isRedacted,
  mayRead,
  normaliseConfidential,
  redactData,
  valueAtPath,
  REDACTED,
  REDACTED_TEXT,
  ConfidentialSchema,
  ORG_LEVEL_NAMES,
  type ConfidentialDeclaration,
  type ConfidentialFields,
  type ConfidentialRule,
  type ConfidentialScope,
  type OrgStep,
  type Reader,
  type RedactedValue,
} from './core/confidential.js';
export { systemClock, createManualClock, createOffsetClock, isManualClock, type ManualClock } from './adapters/clocks.js';
export { createKnexStore, defaultSqliteFile, type KnexStore, type KnexStoreOptions } from './adapters/knex-store.js';
export { type CommitProjection } from './adapters/knex-tx.js';
export { factsOf, foldFacts, belongsAt, isOverdueAt, isRectified, rectifiedOnTime, isOpenMajorHazardAt, countsAsAccident, type CaseFacts, type FactsDefinition } from './runtime/facts.js';
export {
  addDuration,
  builtinCalendars,
  cnCalendar,
  CalendarError,
  CalendarSchema,
  compileCalendar,
  countWorkdaysBetween,
  createCalendarRegistry,
  nextYearStillProvisional,
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
export type { Scheduler, SchedulerStats } from './ports.js';
export { createPoller, inLanes, atClockTime, defaultPollerBackoffMs, type Poller, type PollerLane, type PollerOptions, type PollerLogger, type DrainSignal } from './adapters/poller.js';
export { createPollingScheduler, type PollingScheduler, type PollingSchedulerOptions } from './adapters/polling-scheduler.js';
export { createBullmqScheduler, timerJobId, TimerJobDataSchema, type BullmqScheduler, type BullmqSchedulerOptions, type TimerJobData } from './adapters/bullmq-scheduler.js';
export { defaultRetryBackoffMs, TimerHeldError, type TimerEngine, type SchedulerLogger, type TimerFiringOptions } from './adapters/timer-firing.js';
export type { CaseFilter, CaseStateCount, EngineStore, CaseQueries, SnapshotRecord, TransactionOptions } from './ports.js';
export { resolveTarget, type StateKind, type TransitionInfo } from './core/state-tree.js';
export type { DeadlineView } from './runtime/case-view.js';
export type { AvailableEvent } from './core/step.js';
export { TASK_EVENTS, isTaskEvent, ClaimPayloadSchema, TransferPayloadSchema, WithdrawPayloadSchema, TaskConflictError, type HistoryView } from './core/task-events.js';
export type { Assignment } from './core/task-assignment.js';
export type { AnchorStore, CheckpointClaim } from './anchor-ports.js';
export { createKnexAnchorStore } from './adapters/knex-anchors.js';
export type { ArchiveReader, ArchiveRecord, ArchiveRunStore, ArchiveState, ArchivedCase, ArchivedCaseState, ClosedCase } from './archive-ports.js';
export { createKnexArchiveStore } from './adapters/knex-archive.js';
export { makeCheckpoint, verifyAnchors, type MakeCheckpointOptions, type CheckpointOutcome, type AnchorVerifyReport } from './runtime/anchor.js';
export { anchorKeyId, anchorPublicKey, anchorSigningKey, generateAnchorKey, type AnchorPublicKey, type AnchorSigningKey } from './runtime/anchor-keys.js';
export {
  AnchorLineSchema,
  AnchorLogState,
  buildCheckpointLine,
  readAnchorLog,
  type AnchorLine,
  type AnchorLogFailure,
  type AnchorLogReading,
  type AnchorContradiction,
  type AnchoredHead,
} from './runtime/anchor-log.js';
export { merkleRoot, inclusionProof, verifyInclusion, type CaseHead } from './runtime/merkle.js';
export type { OrgResolver, DefinitionOwner } from './ports.js';
export { regulatorOf, isWithin, checkStepOrgs, REGULATOR_LEVELS, HAND_OVER_RULES, type OrgFacts, type OrgFact, type HandOverRule } from './core/jurisdiction.js';
export type { ResolvedWorkflow, WorkflowRegistry } from './runtime/registry.js';
export { ADMIN_MOVES, ADMIN_ROLE, isAdminMove, sendBackSources, availableMoves, type AvailableMoves, placeValue, TerminatePayloadSchema, JumpPayloadSchema, SendBackPayloadSchema, TakeBackPayloadSchema, type AdminMove } from './core/admin-moves.js';
export { CASE_MIGRATED, MigrationMapSchema, MigratedPayloadSchema, validateMigrationMap, planMigration, decideMigration, type MigrationMap, type MigrationPlan, type MigratedPayload } from './core/migrate.js';
export { migrateCases, migrationMapHash, type MigrateCasesOptions, type MigrationReport, type MigrationCaseLine } from './runtime/migrate-cases.js';
export { SignSchema, SignRuleSchema, CopySchema, type SignDefinition, type SignRule, type CopyDefinition } from './core/definition-schema.js';
export { signOutcome, approvalsNeeded, slotMatches, copyReaches, type SignState, type SignSlot, type Signature, type CopyState, type CopyRecipient } from './core/sign-state.js';
export { SIGN_EVENTS, SignPayloadSchema, AddSignersPayloadSchema, RemoveSignerPayloadSchema, slotTaskKey } from './core/signatures.js';
export { DELEGATION_EVENTS, DelegatePayloadSchema, ResolvePayloadSchema, delegatedTasks } from './core/delegation.js';
export { COPY_READ, CopyReadPayloadSchema } from './core/copies.js';
export { TASK_OP_EVENTS, isTaskOpEvent } from './core/task-ops.js';
export { signingProgress, delegations, copiesOf, taskOpsFor, takesPart, type SigningView, type SlotView, type DelegationView, type TaskOpsAllowed } from './core/task-ops-view.js';
/** Document numbers (文号): which event takes one, its year and its written form. */
export { docNumberFor, docNumberYear, formatDocNumber, MAX_DOC_NUMBER_LENGTH } from './core/doc-number.js';
export { isStoreUnavailable, asStoreUnavailable } from './adapters/store-errors.js';
