/**
 * The case data of the accident workflow (DOMAIN §3, §7): the Art. 12 report,
 * the Art. 30 report sections, listing, team, approval, handling, closure and
 * evaluation fields, each with its Chinese title. Pure data.
 */
// Type-only: the definition is plain data and loads without the engine.
import type { FieldSchema } from '../engine/index.js';
import { ACCIDENT_GRADES, INVESTIGATING_LEVELS } from './accident-grade.js';
import { count, date, flag, instant, oneOf, record, records, text, texts } from './field-helpers.js';
import { FOUR_NO_PASS_CONDITIONS, fourNoPassDataProperties } from './four-no-pass.js';

export const ACCIDENT_TYPES = ['industrial', 'mining', 'construction', 'hazardousChemicals', 'road', 'fire', 'waterway', 'railway', 'aviation', 'other'] as const;
export const REPORT_LEVELS = ['county', 'city', 'province', 'ministry', 'stateCouncil'] as const;
export const LISTING_TRIGGERS = ['grade', 'typicalGeneral', 'concealment', 'repeatAccident', 'highImpact', 'leadershipInstruction'] as const;
export const TEAM_UNITS = ['government', 'emergencyMgmt', 'sectorRegulator', 'supervisoryOrgan', 'publicSecurity', 'tradeUnion', 'procuratorate'] as const;
export const DISMISS_REASONS = ['notWorkSafetyAccident', 'naturalDisaster', 'criminalCase', 'duplicateReport'] as const;

/** Art. 36: 瞒报 (the accident hidden) and 谎报 (false facts reported). */
export const CONCEALMENT_KINDS = ['concealed', 'falsified'] as const;
export const DISCOVERY_CHANNELS = ['tipOff', 'inspection', 'media', 'hospitalOrPolice', 'other'] as const;

export const uri = (title: string): FieldSchema => ({ type: 'string', title, format: 'uri' });

/** Art. 12: what the first report must say. */
export const reportFields = {
  enterpriseName: text('事故发生单位'),
  enterpriseId: text('统一社会信用代码'),
  sector: text('行业领域'),
  unitProfile: text('事故发生单位概况'),
  occurredAt: instant('事故发生时间'),
  location: text('事故发生地点'),
  sceneDescription: text('事故现场情况'),
  briefCourse: text('事故简要经过'),
  accidentType: oneOf('事故类型（道路交通事故、火灾事故的补报期限为7日）', ACCIDENT_TYPES),
  deaths: count('死亡人数'),
  seriousInjuries: count('重伤人数（含急性工业中毒）'),
  missingPersons: count('下落不明人数'),
  directLossCny: { type: 'number', title: '直接经济损失（元，初步估计）', minimum: 0 },
  measuresTaken: text('已经采取的措施'),
  otherInfo: text('其他应当报告的情况'),
} satisfies Record<string, FieldSchema>;

export const casualtyFields = {
  deaths: reportFields.deaths,
  seriousInjuries: reportFields.seriousInjuries,
  missingPersons: reportFields.missingPersons,
  directLossCny: reportFields.directLossCny,
  casualtyUpdateNote: text('补报说明'),
} satisfies Record<string, FieldSchema>;

/** Art. 30: the six sections of the investigation report. */
export const reportSections = record('事故调查报告', {
  unitProfile: text('事故发生单位概况'),
  courseAndRescue: text('事故发生经过和事故救援情况'),
  casualtiesAndLoss: text('事故造成的人员伤亡和直接经济损失'),
  causeAndNature: text('事故发生的原因和事故性质'),
  responsibility: text('事故责任的认定以及对事故责任者的处理建议'),
  preventionMeasures: text('事故防范和整改措施'),
});

export const responsiblePerson = record('责任人员', { name: text('姓名/单位'), position: text('职务'), proposedHandling: text('处理意见') }, ['name', 'proposedHandling']);

/** Every field of the case record. */
export const accidentDataProperties: Record<string, FieldSchema> = {
  ...reportFields,
  reportedAt: instant('报告时间'),
  reportDelayHours: { type: 'number', title: '事故发生至报告的小时数' },
  lateReport: flag('迟报（超过1小时）'),
  concealment: oneOf('瞒报或谎报', CONCEALMENT_KINDS),
  concealmentFindings: text('瞒报谎报查实情况'),
  concealmentDiscoveredVia: oneOf('瞒报谎报发现途径', DISCOVERY_CHANNELS),
  concealmentRecordedAt: instant('瞒报谎报认定时间'),
  tipOffCaseId: text('举报件编号'),
  initialReportRef: text('书面初报文号'),
  initialReportSubmittedAt: instant('书面初报时间'),
  initialReportOverdue: flag('书面初报逾期'),
  teamFormationOverdue: flag('调查组成立逾期'),
  listingDecisionOverdue: flag('挂牌督办审批逾期'),
  escalatedToOrg: text('接收调查的上级机构'),
  escalationReason: text('提级调查理由'),
  escalationTargets: texts('提级调查接收机构', 0),
  escalatedAt: instant('提级调查时间'),
  escalatedFromCaseId: text('原事故案件编号（提级调查前）'),
  extensionApprovedAt: instant('延期批准时间'),
  extensionApprovedBy: text('延期批准人'),
  penaltyReferralTo: text('行政处罚移送的执法部门'),
  penaltyReferredAt: instant('行政处罚移送时间'),
  disciplineReferralTo: text('党纪政务处分移送的纪检监察机关'),
  disciplineReferredAt: instant('党纪政务处分移送时间'),
  measureHazards: texts('整改措施立案隐患', 0),
  penaltyCaseOrgs: texts('移送立案查处的机构', 0),
  circularOpenedAt: instant('事故警示通报拟稿时间'),
  interviewOpenedAt: instant('事故约谈立项时间'),
  fourNoPassOrg: text('承接“四不放过”落实的属地机构'),
  fourNoPassOrgs: texts('承接“四不放过”落实的属地机构', 0),
  fourNoPassHandedOverAt: instant('“四不放过”交属地落实时间'),
  reportedBy: text('报告人'),
  reportLevels: { type: 'array', title: '已逐级上报至', items: oneOf('层级', REPORT_LEVELS) },
  notifiedAgencies: texts('已通知的部门（公安、人社、工会、检察）', 0),
  escalationLate: flag('逐级上报逾期'),
  reportLevelReached: flag('已上报至事故等级要求的层级'),
  grade: oneOf('事故等级', ACCIDENT_GRADES),
  investigatingLevel: oneOf('负责调查的人民政府层级', INVESTIGATING_LEVELS),
  gradeHistory: { type: 'array', title: '等级变化记录', items: oneOf('等级', ACCIDENT_GRADES) },
  previousGrade: oneOf('补报前等级', ACCIDENT_GRADES),
  gradeRaised: flag('补报后等级升高'),
  gradedAt: instant('定级时间'),
  casualtyUpdateCount: count('补报次数'),
  casualtyUpdateNote: text('补报说明'),
  lastCasualtyUpdateAt: instant('最近补报时间'),
  casualtyWindowClosed: flag('补报期已届满'),
  casualtyWindowClosedAt: instant('补报期届满时间'),
  dismissReason: oneOf('不予认定原因', DISMISS_REASONS),
  dismissNote: text('不予认定说明'),
  listingTrigger: oneOf('挂牌督办事由', LISTING_TRIGGERS),
  listingProposalNote: text('挂牌督办建议'),
  listingProposedAt: instant('提出挂牌督办时间'),
  listingDeclinedReason: text('不予挂牌理由'),
  listed: flag('挂牌督办'),
  accidentName: text('挂牌督办事故名称'),
  supervisedMatters: texts('督办事项'),
  listingDeadline: date('督办期限'),
  delistingMethod: text('解除挂牌督办的方式和程序'),
  publicationUrls: { type: 'array', title: '挂牌信息公开地址', items: uri('地址') },
  listedAt: instant('挂牌时间'),
  teamLead: text('调查组组长'),
  teamMemberUnits: { type: 'array', title: '调查组成员单位', items: oneOf('成员单位', TEAM_UNITS) },
  teamExperts: texts('聘请的专家', 0),
  teamFormedOn: date('调查组成立日期'),
  appraisalAgency: text('技术鉴定机构'),
  appraisalSubject: text('鉴定事项'),
  appraisalReportRef: text('技术鉴定报告'),
  appraisalCount: count('技术鉴定次数'),
  extensionReason: text('延期理由'),
  extensionDays: { type: 'integer', title: '申请延长天数', minimum: 1, maximum: 60 },
  extensionGranted: flag('已批准延期'),
  extensionDecisionNo: text('延期批准文号'),
  extensionDenyReason: text('不予延期理由'),
  draftReport: reportSections,
  evidenceList: texts('证据材料'),
  draftReturnCount: count('未定稿退回次数'),
  draftReviewComments: text('审查意见'),
  draftApprovedAt: instant('未定稿审查同意时间'),
  investigationReport: reportSections,
  signedByAllMembers: flag('调查组成员均已签名'),
  reportSubmittedAt: instant('调查报告提交时间'),
  reportOverdue: flag('调查报告逾期'),
  approvalDocNo: text('批复文号'),
  approvedAt: date('批复日期'),
  responsiblePersons: records('责任人员及处理意见', responsiblePerson, 0),
  correctiveMeasures: texts('防范和整改措施'),
  approvalOverdue: flag('批复逾期'),
  ...fourNoPassDataProperties,
  handlingPublicationUrl: uri('处理结果公开地址'),
  handlingPublishedOn: date('处理结果公布日期'),
  closurePackage: texts('摘牌申请材料'),
  delistingRequestedAt: instant('申请摘牌时间'),
  delistingRejectReason: text('不同意摘牌理由'),
  delistingRejectCount: count('摘牌申请退回次数'),
  delistedAt: instant('摘牌时间'),
  delistingPublicationUrl: uri('摘牌公告地址'),
  filingRef: text('结案归档编号'),
  closedAt: instant('结案时间'),
  closedBy: text('结案人'),
  evaluationReportRef: text('整改措施落实情况评估报告'),
  measuresFoundImplemented: flag('整改措施已落实'),
  evaluationFindings: text('评估发现的问题'),
  reopenedConditions: { type: 'array', title: '评估后需重新落实的条件', items: oneOf('条件', FOUR_NO_PASS_CONDITIONS) },
  accountabilityReferred: flag('已移交问责'),
  evaluationReturnComment: text('评估报告退回意见'),
  evaluationPublicationUrl: uri('评估结果公开地址'),
  evaluationPublishedOn: date('评估结果公布日期'),
  evaluationOverdue: flag('评估逾期'),
};
