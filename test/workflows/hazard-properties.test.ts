import { hazardWorkflow } from '../../workflows/hazard.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

runWorkflowProperties(hazardWorkflow, { numRuns: 100 });
