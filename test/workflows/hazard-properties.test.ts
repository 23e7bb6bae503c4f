import { hazardWorkflow } from '../../workflows/hazard.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

// The rework count only picks which linked case a return for rework opens (the same states either way).
runWorkflowProperties(hazardWorkflow, { numRuns: 100, coverageIgnoredKeys: ['reworkCount'] });
