/**
 * Workflow 4 — the "four no-let-go" closure gate (四不放过), DOMAIN.md §8, as
 * ONE reusable fragment plus a small standalone workflow for an accident that
 * is not listed.
 *
 * The gate is a parallel state with one region per condition (§8.2):
 * `open → evidenceSubmitted → confirmed` (final); rejected evidence goes back
 * to `open` with the reason in the data. Each region has its own events, input,
 * submitting and confirming roles and tasks. The whole gate is done (its
 * `onDone`, or the enclosing parallel state's) once all four are confirmed.
 *
 * Modelling choices ([A]):
 * - Each condition's status is also kept in the data (`<condition>Status`), so
 *   a delist/close guard can check the gate (§8.2: "the gate is also a guard on
 *   delist and closeCase"). With `restoreConfirmed`, re-entering the gate (e.g.
 *   after a rejected delisting) keeps confirmed conditions: `open` moves
 *   straight on to `confirmed` when the data says so, and reopening a condition
 *   sets its status to `reopened` (see {@link reopenFourNoPassConditions}). A
 *   workflow that restores must clear the statuses before the gate is first
 *   entered (case data given at creation is not trusted to confirm anything).
 * - Refusals name the open conditions: every event listed in `blockedEvents`
 *   (e.g. `closeCase`, `requestDelisting`) is declared, with a guard that is
 *   always false and a guard message naming the condition, on the non-final
 *   states of each region. While the gate runs, such an event fails with
 *   `guard_failed` and `details.guards` lists exactly the conditions still open
 *   (confirmed regions sit in their final state and declare nothing).
 */
// Type-only: the definitions are plain data and load without the engine.
import type { FieldSchema, LocalizedText, StateDefinition, TransitionDefinition, WorkflowDefinitionInput } from '../engine/index.js';
import { copy, date, instant, oneOf, record, records, text, texts } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';

/** The four conditions, in the canonical order of the 2007 wording. */
export const FOUR_NO_PASS_CONDITIONS = ['causeIdentified', 'responsiblePersonsHandled', 'measuresImplemented', 'personnelEducated'] as const;
export type FourNoPassCondition = (typeof FOUR_NO_PASS_CONDITIONS)[number];

/** Status of a condition as recorded in the case data. */
export const CONDITION_STATUSES = ['evidenceSubmitted', 'confirmed', 'rejected', 'reopened'] as const;

export const DISPOSITION_KINDS = ['administrativePenalty', 'partyDiscipline', 'governmentSanction', 'internalDiscipline', 'criminalReferral'] as const;
export const EDUCATION_TARGET_GROUPS = ['responsiblePersons', 'workers', 'sectorEnterprises'] as const;
export const ACCIDENT_NATURES = ['liabilityAccident', 'nonLiabilityAccident'] as const;

/** A JSON Logic rule, as guards and assignments take it. */
type Expression = NonNullable<TransitionDefinition['guard']>;

const ENTERPRISE = ['enterprisePrincipal', 'enterpriseSafetyOfficer'];

/** The data field holding a condition's status. */
export const statusField = (c: FourNoPassCondition) => `${c}Status`;

type Text = { zh: string; en: string };

interface ConditionSpec {
  title: Text;
  /** Names the condition when an event is refused while it is open. */
  open: LocalizedText;
  submit: { event: string; title: LocalizedText; roles: string[]; task: LocalizedText; input: Record<string, FieldSchema>; required: string[]; guard?: Expression; guardMessage?: LocalizedText };
  confirm: { event: string; title: LocalizedText; roles: string[]; task: LocalizedText; input?: Record<string, FieldSchema>; required?: string[]; guard?: Expression; guardMessage?: LocalizedText };
  reject: { event: string; title: LocalizedText };
}

const disposition = record(
  '处理记录',
  {
    subject: text('责任人员/单位'),
    subjectType: oneOf('对象类型（个人或者单位）', ['person', 'organisation']),
    kind: oneOf('处理方式（行政处罚/党纪处分/政务处分/内部处理/移送司法）', DISPOSITION_KINDS),
    decisionNo: text('决定文书编号'),
    status: oneOf('执行情况（已执行，或者已移送司法机关待判决）', ['executed', 'pendingJudicial']),
    judicialCaseNo: text('司法机关案号'),
  },
  ['subject', 'subjectType', 'kind', 'decisionNo', 'status'],
);

// The company reports what it did; whether it holds is the regulator's finding (confirmMeasures), never the company's.
const measureRecord = record(
  '整改措施落实记录',
  {
    measure: text('整改措施'),
    implementationNote: text('落实情况'),
  },
  ['measure', 'implementationNote'],
);

/** 党纪处分 and 政务处分 are decided by the 纪检监察机关 (监察法 第十一条、第四十五条), not by the safety regulator. */
export const SUPERVISORY_KINDS = ['partyDiscipline', 'governmentSanction'] as const;
export const SUPERVISORY_ROLE = 'supervisoryCommission';

/**
 * A hazard case a corrective measure opened (a child of the case) that has not
 * ended as closed: the measure is not implemented until it is (§8.2).
 */
export const openMeasureHazards: Expression = { some: [{ var: 'children' }, { and: [{ '==': [{ var: 'workflowId' }, 'hazard'] }, { '!=': [{ var: 'finalState' }, 'closed'] }] }] };

const educationSession = record(
  '警示教育记录',
  {
    date: date('日期'),
    attendees: { type: 'integer', title: '参加人数', minimum: 1 },
    targetGroups: { type: 'array', title: '教育对象（责任人员/职工/同行业企业）', items: oneOf('教育对象', EDUCATION_TARGET_GROUPS), minItems: 1 },
    materials: text('教育材料'),
  },
  ['date', 'attendees', 'targetGroups'],
);

const SPECS: Record<FourNoPassCondition, ConditionSpec> = {
  causeIdentified: {
    title: { zh: '事故原因未查清不放过', en: 'Cause identified' },
    open: { zh: '事故原因未查清不放过：事故原因尚未确认', en: 'causeIdentified is open: the causes are not confirmed' },
    submit: {
      event: 'submitCauseEvidence',
      title: { zh: '提交事故原因认定', en: 'Submit the cause findings' },
      roles: ['investigationTeamLead'],
      task: { zh: '提交经批复的事故原因与性质认定', en: 'Submit the approved causes and nature of the accident' },
      input: {
        causeApprovalDocNo: text('批复文号'),
        directCauses: texts('直接原因'),
        indirectCauses: texts('间接原因'),
        accidentNature: oneOf('事故性质', ACCIDENT_NATURES),
        causeReportRef: text('调查报告（附件）'),
      },
      required: ['causeApprovalDocNo', 'directCauses', 'indirectCauses', 'accidentNature'],
    },
    confirm: { event: 'confirmCause', title: { zh: '确认事故原因已查清', en: 'Confirm the causes' }, roles: ['governmentLeader'], task: { zh: '确认事故原因已查清', en: 'Confirm the causes are identified' } },
    reject: { event: 'rejectCauseEvidence', title: { zh: '退回事故原因认定', en: 'Reject the cause findings' } },
  },
  responsiblePersonsHandled: {
    title: { zh: '责任人员未处理不放过', en: 'Responsible persons handled' },
    open: { zh: '责任人员未处理不放过：责任追究尚未确认', en: 'responsiblePersonsHandled is open: the dispositions are not confirmed' },
    submit: {
      event: 'submitDispositions',
      title: { zh: '报送责任追究落实情况', en: 'Submit the dispositions' },
      roles: ['regulatorReviewer', 'enterprisePrincipal', SUPERVISORY_ROLE],
      task: { zh: '报送责任人员处理情况（处罚、处分、内部处理、移送司法）', en: 'Report how each responsible person or entity was dealt with' },
      input: { dispositions: records('责任人员处理情况', disposition) },
      required: ['dispositions'],
      guard: {
        and: [
          // pendingJudicial is an accepted end state only with the judicial case number (§8.2).
          { all: [{ var: 'payload.dispositions' }, { or: [{ '==': [{ var: 'status' }, 'executed'] }, { '!!': { var: 'judicialCaseNo' } }] }] },
          // 党纪/政务处分 are reported by the 监察机关 itself.
          { or: [{ in: [SUPERVISORY_ROLE, { var: 'actor.roles' }] }, { none: [{ var: 'payload.dispositions' }, { in: [{ var: 'kind' }, [...SUPERVISORY_KINDS]] }] }] },
        ],
      },
      guardMessage: { zh: '移送司法待判决的，须写明司法机关案号；党纪处分、政务处分由纪检监察机关报送', en: 'A disposition pending in the courts needs the judicial case number; party and government sanctions are reported by the supervisory commission' },
    },
    confirm: { event: 'confirmDispositions', title: { zh: '确认责任人员已处理', en: 'Confirm the dispositions' }, roles: ['regulatorLeader'], task: { zh: '审核确认责任人员处理情况', en: 'Confirm the responsible persons were dealt with' } },
    reject: { event: 'rejectDispositions', title: { zh: '退回责任追究材料', en: 'Reject the dispositions' } },
  },
  measuresImplemented: {
    title: { zh: '整改措施未落实不放过', en: 'Measures implemented' },
    open: { zh: '整改措施未落实不放过：整改措施尚未确认落实', en: 'measuresImplemented is open: the corrective measures are not confirmed' },
    submit: {
      event: 'submitMeasuresEvidence',
      title: { zh: '报送整改措施落实情况', en: 'Submit the corrective measures' },
      roles: ENTERPRISE,
      task: { zh: '落实并报送整改措施（逐项核查）', en: 'Implement and report every corrective measure' },
      input: { measureRecords: records('整改措施落实情况', measureRecord) },
      required: ['measureRecords'],
    },
    // 条例第三十三条: the regulator checks the implementation; its inspection record goes with the confirmation.
    confirm: {
      event: 'confirmMeasures',
      title: { zh: '确认整改措施已落实', en: 'Confirm the measures' },
      roles: ['inspector'],
      task: { zh: '现场核查并确认整改措施落实', en: 'Inspect and confirm the corrective measures' },
      input: { measuresInspectionRecordNo: text('现场核查记录编号（条例第三十三条）') },
      required: ['measuresInspectionRecordNo'],
      guard: { '!': openMeasureHazards },
      guardMessage: { zh: '整改措施对应的隐患案件尚未全部销号', en: 'A hazard case opened for a corrective measure is not closed yet' },
    },
    reject: { event: 'rejectMeasuresEvidence', title: { zh: '退回整改措施材料', en: 'Reject the measures evidence' } },
  },
  personnelEducated: {
    title: { zh: '有关人员未受到教育不放过', en: 'Personnel educated' },
    open: { zh: '有关人员未受到教育不放过：警示教育尚未确认', en: 'personnelEducated is open: the education is not confirmed' },
    submit: {
      event: 'submitEducationEvidence',
      title: { zh: '报送警示教育情况', en: 'Submit the education records' },
      roles: ENTERPRISE,
      task: { zh: '组织警示教育并报送记录（举一反三）', en: 'Hold the warning education and report it' },
      input: { educationSessions: records('警示教育记录', educationSession), educationLessonsApplied: text('举一反三排查情况') },
      required: ['educationSessions'],
    },
    confirm: { event: 'confirmEducation', title: { zh: '确认有关人员已受到教育', en: 'Confirm the education' }, roles: ['regulatorReviewer'], task: { zh: '审核确认警示教育', en: 'Confirm the personnel were educated' } },
    reject: { event: 'rejectEducationEvidence', title: { zh: '退回警示教育材料', en: 'Reject the education records' } },
  },
};

/** Every role the gate's transitions and tasks name (merge into the including workflow's `roles`). */
export const fourNoPassRoles: string[] = [
  ...new Set(Object.values(SPECS).flatMap((s) => [...s.submit.roles, ...s.confirm.roles])),
];

/** The case data the gate assigns (merge into the including workflow's `data.properties`). */
export const fourNoPassDataProperties: Record<string, FieldSchema> = {
  ...Object.fromEntries(
    FOUR_NO_PASS_CONDITIONS.flatMap((c) => [
      [statusField(c), oneOf(`${SPECS[c].title.zh}：状态`, CONDITION_STATUSES)],
      [`${c}ReviewComment`, text(`${SPECS[c].title.zh}：审核意见`)],
      [`${c}ConfirmedAt`, instant(`${SPECS[c].title.zh}：确认时间`)],
      [`${c}ConfirmedBy`, text(`${SPECS[c].title.zh}：确认人`)],
    ]),
  ),
  ...Object.assign({}, ...FOUR_NO_PASS_CONDITIONS.flatMap((c) => [SPECS[c].submit.input, SPECS[c].confirm.input ?? {}])),
};

/** Labels of the gate's events (merge into the including workflow's `events`). */
export const fourNoPassEvents: Record<string, { title: LocalizedText }> = Object.fromEntries(
  FOUR_NO_PASS_CONDITIONS.flatMap((c) => [SPECS[c].submit, SPECS[c].confirm, SPECS[c].reject].map((e) => [e.event, { title: e.title }])),
);

/** JSON Logic: every condition is confirmed in the data (a guard for delist / close). */
export const fourNoPassComplete = { and: FOUR_NO_PASS_CONDITIONS.map((c) => ({ '==': [{ var: `data.${statusField(c)}` }, 'confirmed'] })) };

/** Guard message of {@link fourNoPassComplete}. */
export const fourNoPassCompleteMessage: LocalizedText = {
  zh: '“四不放过”未全部确认：事故原因查清、责任人员处理、整改措施落实、有关人员受到教育',
  en: 'The four no-let-go conditions are not all confirmed: causeIdentified, responsiblePersonsHandled, measuresImplemented, personnelEducated',
};

/** Input field naming conditions to reopen (e.g. on a rejected delisting). */
export const reopenConditionsField: FieldSchema = { type: 'array', title: '需重新落实的“四不放过”条件', items: oneOf('条件', FOUR_NO_PASS_CONDITIONS) };

/** Assignments that clear every condition's status (before a restoring gate is first entered). */
export const clearFourNoPassStatuses: Record<string, null> = Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [statusField(c), null]));

/**
 * Assignments that mark the conditions listed in `payload.<field>` as
 * `reopened` and keep the others, so re-entering the gate reopens exactly
 * those regions.
 */
export function reopenFourNoPassConditions(field = 'reopenConditions'): Record<string, Expression> {
  return Object.fromEntries(
    FOUR_NO_PASS_CONDITIONS.map((c): [string, Expression] => [statusField(c), { if: [{ in: [c, { var: `payload.${field}` }] }, 'reopened', { var: `data.${statusField(c)}` }] }]),
  );
}

/**
 * A transition that is never taken: declared on a state that blocks `roles`'
 * event, its guard message names what is still open. It takes any payload, so
 * the refusal is `guard_failed` whatever the form sent.
 */
export function refusal(roles: string[], message: LocalizedText): TransitionDefinition {
  return { roles: [...roles], input: { type: 'object', properties: {}, additionalProperties: true }, guard: false, guardMessage: message };
}

export interface FourNoPassGateOptions {
  title?: LocalizedText;
  /** Where the including workflow goes once all four are confirmed (omit when the gate is a region of a parallel state). */
  onDone?: TransitionDefinition;
  /** Events refused while a condition is open, each with the roles that may send it; the refusal names the open conditions. */
  blockedEvents?: Record<string, string[]>;
  /** Re-entering the gate keeps the conditions whose data status is `confirmed` (default false). */
  restoreConfirmed?: boolean;
}

/**
 * Builds the four no-let-go gate: a parallel state with one region per
 * condition. Pure; each call returns a fresh object.
 * @example
 * states: { gate: fourNoPassGate({ onDone: { target: 'allConfirmed' }, blockedEvents: { closeCase: ['governmentLeader'] } }), ... }
 */
export function fourNoPassGate(options: FourNoPassGateOptions = {}): StateDefinition {
  const blocked = (c: FourNoPassCondition): Record<string, TransitionDefinition> =>
    Object.fromEntries(Object.entries(options.blockedEvents ?? {}).map(([event, roles]) => [event, refusal(roles, SPECS[c].open)]));
  const region = (c: FourNoPassCondition): StateDefinition => {
    const s: ConditionSpec = SPECS[c];
    const status = statusField(c);
    return {
      title: s.title,
      initial: 'open',
      states: {
        open: {
          title: { zh: '待提交证明材料', en: 'Open' },
          task: { title: s.submit.task, role: s.submit.roles[0]! },
          ...(options.restoreConfirmed ? { always: { target: 'confirmed', guard: { '==': [{ var: `data.${status}` }, 'confirmed'] } } } : {}),
          on: {
            [s.submit.event]: {
              target: 'evidenceSubmitted',
              roles: s.submit.roles,
              input: { type: 'object', properties: s.submit.input, required: s.submit.required },
              ...(s.submit.guard === undefined ? {} : { guard: s.submit.guard, guardMessage: s.submit.guardMessage }),
              assign: { ...copy(...Object.keys(s.submit.input)), [status]: 'evidenceSubmitted' },
              // §8.3: evidence submitted → the confirming role.
              notify: [assigned(...s.confirm.roles.map((r) => role(r)))],
            },
            ...blocked(c),
          },
        },
        evidenceSubmitted: {
          title: { zh: '证明材料待确认', en: 'Evidence submitted' },
          task: { title: s.confirm.task, role: s.confirm.roles[0]! },
          on: {
            [s.confirm.event]: {
              target: 'confirmed',
              roles: s.confirm.roles,
              input: { type: 'object', properties: { comment: text('审核意见'), ...s.confirm.input }, ...(s.confirm.required ? { required: s.confirm.required } : {}) },
              ...(s.confirm.guard === undefined ? {} : { guard: s.confirm.guard, guardMessage: s.confirm.guardMessage }),
              assign: {
                [status]: 'confirmed', [`${c}ReviewComment`]: { var: 'payload.comment' }, [`${c}ConfirmedAt`]: { var: 'now' }, [`${c}ConfirmedBy`]: { var: 'actor.id' },
                ...copy(...Object.keys(s.confirm.input ?? {})),
              },
            },
            [s.reject.event]: {
              target: 'open',
              roles: s.confirm.roles,
              input: { type: 'object', properties: { reason: text('退回理由') }, required: ['reason'] },
              assign: { [status]: 'rejected', [`${c}ReviewComment`]: { var: 'payload.reason' } },
              // §8.3: rejected evidence → the owner, with the reason in the case.
              notify: [notice('evidence-rejected', 'actionRequired', ...s.submit.roles.map((r) => role(r)))],
            },
            ...blocked(c),
          },
        },
        confirmed: { type: 'final', title: { zh: '已确认', en: 'Confirmed' } },
      },
    };
  };
  return {
    type: 'parallel',
    title: options.title ?? { zh: '“四不放过”把关', en: 'Four no-let-go gate' },
    description: { zh: '事故原因查清、责任人员处理、整改措施落实、有关人员受到教育，四项均确认后方可摘牌、结案', en: 'All four conditions must be confirmed before delisting or closing' },
    states: Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [c, region(c)])),
    ...(options.onDone ? { onDone: options.onDone } : {}),
  };
}

const CLOSERS = ['governmentLeader', 'safetyCommitteeOffice'];

/**
 * The gate on its own, as the local government's follow-up of an accident:
 * opened only by the accident case (`startedBy: 'parent'`, its transition
 * `handOverFourNoPass`), never directly, so `accidentCaseId` is always the
 * parent case. The four conditions run in parallel; once all are confirmed the
 * local government closes the case (结案), and the accident case counts them.
 * Closing inside the gate is refused naming the open conditions.
 */
export const fourNoPassWorkflow = {
  id: 'four-no-pass',
  version: 2,
  startedBy: 'parent',
  title: { zh: '“四不放过”结案把关', en: 'Four no-let-go closure gate' },
  caseTitle: '{{accidentName}}',
  description: {
    zh: '事故调查的人民政府将“四不放过”交事故发生地的属地政府落实：由事故案件启动（不能单独新建），四项确认后结案，事故案件据此确认',
    en: 'The investigating government hands the four no-let-go follow-up to the local government: opened from the accident case only, closed once all four are confirmed, which the accident case then counts',
  },
  roles: [...fourNoPassRoles, 'safetyCommitteeOffice'],
  data: {
    type: 'object',
    properties: {
      // Set by the accident case that starts this one (spawn input `case.id`); the case's parent is the same case.
      accidentCaseId: text('事故案件编号'),
      accidentName: text('事故名称'),
      ...fourNoPassDataProperties,
      filingRef: text('结案归档编号'),
      closedAt: instant('结案时间'),
      closedBy: text('结案人'),
    },
  },
  events: {
    ...fourNoPassEvents,
    closeCase: { title: { zh: '结案', en: 'Close the case' } },
  },
  initial: 'gate',
  states: {
    gate: fourNoPassGate({ onDone: { target: 'allConfirmed' }, blockedEvents: { closeCase: CLOSERS } }),
    allConfirmed: {
      title: { zh: '四项均已确认', en: 'All confirmed' },
      task: { title: { zh: '结案归档', en: 'Close and file the case' }, role: 'governmentLeader' },
      notify: [notice('gate-complete', 'info', role('governmentLeader'), role('safetyCommitteeOffice'))],
      on: {
        closeCase: {
          target: 'closed',
          roles: CLOSERS,
          input: { type: 'object', properties: { filingRef: text('结案归档编号') }, required: ['filingRef'] },
          guard: fourNoPassComplete,
          guardMessage: fourNoPassCompleteMessage,
          assign: { ...copy('filingRef'), closedAt: { var: 'now' }, closedBy: { var: 'actor.id' } },
        },
      },
    },
    closed: { type: 'final', title: { zh: '已结案', en: 'Closed' }, tags: ['closed'] },
  },
} satisfies WorkflowDefinitionInput;
