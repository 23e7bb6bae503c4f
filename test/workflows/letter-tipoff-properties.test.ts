import { supervisionAssignmentWorkflow, supervisionLetterWorkflow } from '../../workflows/supervision-letter.js';
import { tipOffWorkflow } from '../../workflows/tip-off.js';
import { runWorkflowProperties } from '../support/workflow-properties.js';

runWorkflowProperties(supervisionLetterWorkflow, { numRuns: 100 });
runWorkflowProperties(supervisionAssignmentWorkflow, {
  numRuns: 100,
  initialData: { letterNo: '安委办督〔2026〕3号', matters: '粉尘涉爆企业专项整治', unitName: '开发区管委会', lead: true, replyDue: '2026-03-16', issuerOrg: 'city' },
});
runWorkflowProperties(tipOffWorkflow, {
  numRuns: 100,
  // Received at a township of district-a, where the suite's commands come from: the higher-level approval of an extension is reachable.
  caseOrg: { org: 'district-a-t1', orgAncestry: ['district-a', 'city'] },
  // The fine a linked enforcement case would have recorded (the graph walk opens no children), so the reward can be granted.
  initialData: { channel: 'hotline12350', content: '某厂粉尘车间未设泄爆装置', reportedParty: '某机械厂', reportedPartyOrg: 'district-a', tipsterName: '王某', tipsterContact: 'tipster@example.com', anonymous: false, realName: true, fineAmount: 10000 },
});
