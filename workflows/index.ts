/**
 * The built-in workflow definitions, as data. The engine registers them at
 * start-up; later issues add the supervision-letter, listed-supervision and
 * four-no-let-go workflows to `builtinWorkflows`.
 */
import type { WorkflowDefinitionInput } from '../engine/index.js';
import { hazardWorkflow } from './hazard.js';

export { hazardWorkflow };

/** Every built-in workflow definition, in registration order. */
export const builtinWorkflows: WorkflowDefinitionInput[] = [hazardWorkflow];
