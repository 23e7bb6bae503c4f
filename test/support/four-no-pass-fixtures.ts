/**
 * Evidence payloads for the four no-let-go gate (DOMAIN §8.2) and the command
 * sequences that submit and confirm each condition, shared by the tests of
 * every workflow that includes the gate.
 */
import type { Cmd } from './workflow-driver.js';

export const EVIDENCE = {
  cause: {
    causeApprovalDocNo: '某市政府批复〔2026〕12号',
    directCauses: ['作业人员违章进入有限空间'],
    indirectCauses: ['企业未落实有限空间作业审批制度', '属地监管不到位'],
    accidentNature: 'liabilityAccident',
  },
  dispositions: {
    dispositions: [
      { subject: '某化工有限公司', subjectType: 'organisation', kind: 'administrativePenalty', decisionNo: '（某）应急罚〔2026〕31号', status: 'executed' },
      { subject: '张某（生产副总）', subjectType: 'person', kind: 'criminalReferral', decisionNo: '移送书〔2026〕5号', status: 'pendingJudicial', judicialCaseNo: '（2026）某刑初88号' },
      { subject: '李某（镇安监办主任）', subjectType: 'person', kind: 'governmentSanction', decisionNo: '某监委处〔2026〕9号', status: 'executed' },
    ],
  },
  measures: {
    measureRecords: [
      { measure: '建立有限空间作业审批制度', implementationNote: '制度已印发并组织培训' },
      { measure: '更换气体检测报警装置', implementationNote: '12台报警装置已更换并检定' },
    ],
  },
  education: {
    educationSessions: [
      { date: '2026-06-10', attendees: 180, targetGroups: ['workers', 'responsiblePersons'] },
      { date: '2026-06-18', attendees: 45, targetGroups: ['sectorEnterprises'], materials: '事故警示片' },
    ],
    educationLessonsApplied: '全区化工企业有限空间作业专项检查',
  },
};

/** Submits then confirms one condition. */
export const CONFIRM = {
  causeIdentified: [
    ['submitCauseEvidence', 'investigationTeamLead', EVIDENCE.cause],
    ['confirmCause', 'governmentLeader', { comment: '原因清楚' }],
  ],
  responsiblePersonsHandled: [
    // The list holds a 政务处分, so the 监察机关 reports it.
    ['submitDispositions', 'supervisoryCommission', EVIDENCE.dispositions],
    ['confirmDispositions', 'regulatorLeader'],
  ],
  measuresImplemented: [
    ['submitMeasuresEvidence', 'enterpriseSafetyOfficer', EVIDENCE.measures],
    ['confirmMeasures', 'inspector', { comment: '现场核查已落实', measuresInspectionRecordNo: '某应急检〔2026〕77号' }],
  ],
  personnelEducated: [
    ['submitEducationEvidence', 'enterprisePrincipal', EVIDENCE.education],
    ['confirmEducation', 'regulatorReviewer'],
  ],
} satisfies Record<string, Cmd[]>;

/** Every condition, submitted and confirmed. */
export const CONFIRM_ALL: Cmd[] = [...CONFIRM.causeIdentified, ...CONFIRM.responsiblePersonsHandled, ...CONFIRM.measuresImplemented, ...CONFIRM.personnelEducated];

/** English refusal text naming each open condition, as the gate's guard messages say it. */
export const OPEN = {
  causeIdentified: 'causeIdentified is open: the causes are not confirmed',
  responsiblePersonsHandled: 'responsiblePersonsHandled is open: the dispositions are not confirmed',
  measuresImplemented: 'measuresImplemented is open: the corrective measures are not confirmed',
  personnelEducated: 'personnelEducated is open: the education is not confirmed',
};
