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
import { campaignReportWorkflow } from './campaign-report.js';
import { addEnumTitles } from './enum-titles.js';

export { hazardWorkflow };
export { accidentWorkflow, fourNoPassWorkflow };
export { supervisionAssignmentWorkflow, supervisionLetterWorkflow, tipOffWorkflow };
export { interviewWorkflow, circularWorkflow, circularReceiptWorkflow, enforcementWorkflow };
export { campaignReportWorkflow };
export { fourNoPassGate, fourNoPassDataProperties, fourNoPassRoles, fourNoPassEvents, fourNoPassComplete } from './four-no-pass.js';

/**
 * Every built-in workflow definition, in registration order: a workflow that
 * spawns children comes after the children's workflow (`supervision-assignment`
 * before `supervision-letter` before `hazard`, which opens letters, before
 * `tip-off`; `circular-receipt` before `circular`; the interview and circular
 * that escalations open before the workflows that open them); `hazard` also
 * opens `hazard` cases (a transfer).
 */
export const builtinWorkflows: WorkflowDefinitionInput[] = [
  interviewWorkflow,
  circularReceiptWorkflow,
  circularWorkflow,
  enforcementWorkflow,
  supervisionAssignmentWorkflow,
  supervisionLetterWorkflow,
  hazardWorkflow,
  accidentWorkflow,
  fourNoPassWorkflow,
  tipOffWorkflow,
  campaignReportWorkflow,
];
// Every enum code a person may see gets its Chinese title (in place: the exported definitions are these same objects).
for (const wf of builtinWorkflows) addEnumTitles(wf);
