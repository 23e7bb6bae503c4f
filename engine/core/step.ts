/**
 * The step functions the runtime and tests have always called, as thin
 * wrappers over {@link decide}: the next state, the effects to run and the
 * validated payload of one command. Nothing is executed here. Pure.
 */
import type { CompiledWorkflow } from './compile.js';
import { decide, decideStart, type NewCase, type StepEnv, type StepResult } from './decide.js';
import type { CaseState, Command } from './types.js';

export { acceptedEvents, availableEvents, decide, decideStart, type AvailableEvent, type DecideOptions, type Decision, type NewCase, type StepEnv, type StepResult, type TaskDue } from './decide.js';

/**
 * Starts a case: validates the initial data, enters the initial states and
 * starts their deadlines. Pure.
 * @example
 * const { state, effects } = initialStep(wf, { caseId: 'c1', org: 'district-a', data: {}, actor }, now, { calendar });
 */
export function initialStep(wf: CompiledWorkflow, init: NewCase, now: Date, env: StepEnv = {}): StepResult {
  const { state, effects, payload } = decideStart(wf, init, now, env);
  return { state, effects, payload };
}

/**
 * Applies one command to a case (see {@link decide} for the refusals). Pure.
 * @example
 * const { state, effects } = step(wf, current, { type: 'accept', payload: {}, actor }, now, { calendar });
 */
export function step(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, env: StepEnv = {}): StepResult {
  const { state, effects, payload } = decide(wf, current, cmd, now, env);
  return { state, effects, payload };
}
