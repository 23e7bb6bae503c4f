/**
 * The built-in workflow definitions, as data. The engine registers them at
 * start-up, in the order of `builtinWorkflows`.
 */
import type { WorkflowDefinitionInput } from '../engine/index.js';
import { hazardWorkflow } from './hazard.js';
import { accidentWorkflow } from './accident.js';
import { fourNoPassWorkflow } from './four-no-pass.js';
import { supervisionAssignmentWorkflow, supervisionLetterWorkflow } from './supervision-letter.js';
import { tipOffWorkflow } from './tip-off.js';
import { interviewWorkflow } from './interview.js';
import { circularReceiptWorkflow, circularWorkflow } from './circular.js';
import { enforcementWorkflow } from './enforcement.js';

export { hazardWorkflow };
export { accidentWorkflow, fourNoPassWorkflow };
export { supervisionAssignmentWorkflow, supervisionLetterWorkflow, tipOffWorkflow };
export { interviewWorkflow, circularWorkflow, circularReceiptWorkflow, enforcementWorkflow };
export { fourNoPassGate, fourNoPassDataProperties, fourNoPassRoles, fourNoPassEvents, fourNoPassComplete } from './four-no-pass.js';

/**
 * Every built-in workflow definition, in registration order: a workflow that
 * spawns children comes after the children's workflow (`hazard` before
 * `tip-off`, `supervision-assignment` before `supervision-letter`, `circular-receipt`
 * before `circular`, and the interview and circular that escalations open
 * before the workflows that open them).
 */
export const builtinWorkflows: WorkflowDefinitionInput[] = [
  interviewWorkflow,
  circularReceiptWorkflow,
  circularWorkflow,
  enforcementWorkflow,
  hazardWorkflow,
  accidentWorkflow,
  fourNoPassWorkflow,
  supervisionAssignmentWorkflow,
  supervisionLetterWorkflow,
  tipOffWorkflow,
];
