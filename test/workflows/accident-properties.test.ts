import { accidentWorkflow } from '../../workflows/accident.js';
import { fourNoPassWorkflow } from '../../workflows/four-no-pass.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

runWorkflowProperties(accidentWorkflow, { numRuns: 100, coverageDataKeys: ['listed', 'grade'] });
runWorkflowProperties(fourNoPassWorkflow, { numRuns: 150, maxCommands: 80 });
