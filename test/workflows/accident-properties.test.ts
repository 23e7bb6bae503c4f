import { accidentWorkflow } from '../../workflows/accident.js';
import { fourNoPassWorkflow } from '../../workflows/four-no-pass.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

// Commands start after the sample accident date (2026-06-30), since a report cannot precede the accident.
runWorkflowProperties(accidentWorkflow, { numRuns: 100, startAt: new Date('2026-07-01T01:00:00.000Z'), coverageDataKeys: ['listed', 'grade', 'reportLevelReached', 'gradeRaised'], testTimeoutMs: 180_000 });
runWorkflowProperties(fourNoPassWorkflow, { numRuns: 150, maxCommands: 80, testTimeoutMs: 180_000 });
