/**
 * Tip-off intake (举报受理), DOMAIN.md §5.5: a report from the public or an
 * employee is accepted, not accepted or forwarded; an accepted one is verified
 * within 60 days (one extension of up to 30), a substantiated one starts a
 * hazard case; the tipster gets the result within 10 days of the end of
 * verification, may dispute it once, and a real-name tipster's reward is
 * reviewed.
 *
 * Modelling choices ([A] unless DOMAIN tags them):
 * - The case is created in `received` with the intake record as its data
 *   (channel, content, reported party, tipster); no draft state.
 * - The tipster's identity (`tipsterName`, `tipsterContact`) is confidential to
 *   the receiving regulator's `tipOffOfficer` and `rewardCommittee` (the case's
 *   org or above it): everyone else — the reported enterprise's own staff,
 *   inspectors, leaders, auditors — sees 「已隐去」 in the API, history,
 *   exports, pages, search and notifications, and the hash chain holds only a
 *   salted commitment to each value. Leaders are left out on purpose: DOMAIN
 *   §5.5 (S17) keeps the identity undisclosed without consent, and approving
 *   an extension needs none of it. The hazard case gets none of it. The tipster is written to at
 *   `tipsterContact` only; an anonymous tip-off without contact gets no
 *   message (the result is published for the query code instead).
 * - Verification runs 60 calendar days from acceptance; the one extension of
 *   ≤ 30 days is the engine's `deadline.extend` by `regulatorLeader`.
 *   `notifyTipsterOfExtension` then tells the tipster the reason.
 * - `substantiated` is transient: on entry it spawns one `hazard` case (a
 *   one-item list of the reported party's org built by the transition), then
 *   moves on to the reply. The hazard's end is recorded as `hazardOutcome`.
 *   The hazard case goes to the regulator that governs the reported party
 *   (the hand-over rule `regulatorOf`: the nearest county-or-higher office at
 *   or above its org), never to the reported party's own org, where its
 *   people would hold the draft; it may lie in another district, which sees
 *   it as an incoming case. An unknown org is refused (`org_not_found`).
 * - After the reply the tipster may ask for a review once (复核), within 30
 *   days (by analogy with the 30-day request for review of 信访 replies);
 *   when the window closes the case concludes by itself.
 * - Reward (2018 办法, major hazard / illegal production): 15 % of the fine,
 *   at least CNY 3,000 and at most 300,000, checked as a guard; only a
 *   substantiated real-name tip-off reaches the reward review.
 */
import { defineWorkflow, type NotifyDefinition, type TransitionDefinition } from '../engine/index.js';
import { copy, flag, increment, instant, oneOf, text, texts } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';

const AUTHORISED = ['tipOffOfficer', 'rewardCommittee'];
/** Who reads the tipster's identity: the authorised roles of the receiving org or above it. */
const IDENTITY_READERS = { roles: AUTHORISED, org: 'jurisdiction' as const };
const VERIFIERS = ['inspector', 'tipOffOfficer'];
const NOT_ACCEPTED_REASONS = ['sameMatterAccepted', 'noClearTarget', 'outOfScope', 'suggestion', 'disclosureRequest', 'reviewOrLitigation'];
const CHANNELS = ['hotline12350', 'letter', 'email', 'fax', 'visit', 'online', 'miniProgram'];

const hasContact = { '!!': { var: 'data.tipsterContact' } };
const toTipster: NotifyDefinition = { template: 'tipster-reply', kind: 'info', to: [{ field: 'tipsterContact' }] };

/**
 * A transition that writes to the tipster: two branches, one that notifies
 * (a contact is known) and one that does not (anonymous without contact).
 */
function tellingTipster(t: TransitionDefinition): TransitionDefinition[] {
  type Guard = NonNullable<TransitionDefinition['guard']>;
  const guarded = (extra: Guard): Guard => (t.guard === undefined ? extra : { and: [t.guard, extra] });
  return [
    { ...t, guard: guarded(hasContact), notify: [...(t.notify ?? []), toTipster] },
    { ...t, guard: guarded({ '!': hasContact }) },
  ];
}

/** The onExpire handler of every deadline: flags the case, stays put. */
const markOverdue = { roles: ['system'], assign: { overdue: true } };
/** Where verification goes: the department or township a routing rule made responsible (管行业必须管安全), else the receiving org. */
const routed = { var: 'case.routedOrg' };

type Expression = NonNullable<TransitionDefinition['guard']>;

/** 《安全生产领域举报奖励办法》（安监总财〔2018〕19号）, cited wherever its rules apply. */
const REWARD_RULES_2018 = '《安全生产领域举报奖励办法》（安监总财〔2018〕19号）';
/** What the matter was: a hazard or illegal production (reward from the fine), or a concealed or falsified accident (reward per concealed death). */
const MATTER_KINDS = ['hazardOrIllegalProduction', 'concealedAccident'];
/** 2018 办法: per concealed death, by the accident's grade (CNY). */
export const REWARD_PER_DEATH = { general: 30000, serious: 40000, major: 50000, extraordinary: 60000 } as const;
const ACCIDENT_GRADES = Object.keys(REWARD_PER_DEATH);
export const REWARD_CAP = 300000;
/** An employee reporting their own employer may get 20 % more. */
export const EMPLOYEE_BONUS = 1.2;

/** 15 % of the fine, at least 3,000 and at most 300,000 (2018 办法). */
const rewardFor = (fine: { var: string }) => ({ min: [REWARD_CAP, { max: [3000, { '*': [0.15, fine] }] }] });
const perDeath: Expression = {
  if: [...(['extraordinary', 'major', 'serious'] as const).flatMap((g) => [{ '==': [{ var: 'payload.concealedAccidentGrade' }, g] }, REWARD_PER_DEATH[g]]), REWARD_PER_DEATH.general],
};
/** The reward the 2018 rules give for what the payload says, the employee bonus included, capped at 300,000 ([A]: the cap applies after the bonus). */
const computedReward: Expression = {
  min: [
    REWARD_CAP,
    {
      '*': [
        { if: [{ '==': [{ var: 'data.matterKind' }, 'concealedAccident'] }, { '*': [perDeath, { var: 'payload.concealedDeaths' }] }, rewardFor({ var: 'data.fineAmount' })] },
        { if: [{ '==': [{ var: 'payload.employeeOfReportedParty' }, true] }, EMPLOYEE_BONUS, 1] },
      ],
    },
  ],
};

/** The enforcement cases this tip-off opened (at most one, see `openEnforcement`). */
const enforcementChildren: Expression = { filter: [{ var: 'children' }, { '==': [{ var: 'workflowId' }, 'enforcement'] }] };
/** The fine the linked enforcement case decided, as it recorded it when it ended. */
const enforcementFine: Expression = { reduce: [enforcementChildren, { '+': [{ var: 'accumulator' }, { or: [{ var: 'current.result.fineAmount' }, 0] }] }, 0] };
const enforcementOutcome: Expression = { reduce: [enforcementChildren, { var: 'current.finalState' }, null] };
const enforcementDecisionNo: Expression = { reduce: [enforcementChildren, { var: 'current.result.decisionNo' }, null] };

const substantiateProperties = {
  findings: text('核查结论'),
  evidence: texts('核查材料', 0),
  reportedPartyOrg: text('被举报单位所属机构（默认为受理时登记的）'),
  matterKind: oneOf('举报事项类别（隐患或非法生产、瞒报谎报事故）', MATTER_KINDS),
};
const isConcealedAccident = { '==': [{ var: 'payload.matterKind' }, 'concealedAccident'] };
const reportedOrg = { or: [{ var: 'payload.reportedPartyOrg' }, { var: 'data.reportedPartyOrg' }] };
const substantiateAssign = {
  findings: { var: 'payload.findings' },
  evidence: { var: 'payload.evidence' },
  reportedPartyOrg: reportedOrg,
  substantiated: true,
  verifiedAt: { var: 'now' },
  matterKind: { if: [isConcealedAccident, 'concealedAccident', 'hazardOrIllegalProduction'] },
  // JSON Logic cannot build objects: the spawn list is the one org, and the child's fields come from the data.
  // A concealed accident opens an accident case, anything else a hazard case.
  hazardOrgs: { if: [isConcealedAccident, [], { merge: [reportedOrg] }] },
  accidentOrgs: { if: [isConcealedAccident, { merge: [reportedOrg] }, []] },
};
/** Where a substantiated tip-off goes: the accident case for a concealed accident, else the hazard case. */
const substantiatedTarget = (t: TransitionDefinition): TransitionDefinition[] => [
  { ...t, target: 'substantiatedAccident', guard: t.guard === undefined ? isConcealedAccident : { and: [t.guard, isConcealedAccident] } },
  { ...t, target: 'substantiated' },
];

export const tipOffWorkflow = defineWorkflow({
  id: 'tip-off',
  version: 2,
  title: { zh: '安全生产举报', en: 'Work-safety tip-off' },
  caseTitle: '{{reportedParty}} {{location}}：{{content}}',
  description: { zh: '举报受理、核查（60日，可延长30日）、立案隐患、答复举报人、复核、奖励审查', en: 'Accept, verify (60 days, +30), open a hazard case, reply to the tipster, review on dispute, reward' },
  roles: ['tipster', 'tipOffOfficer', 'inspector', 'regulatorReviewer', 'regulatorLeader', 'superiorDepartmentLeader', 'rewardCommittee', 'system'],
  data: {
    type: 'object',
    properties: {
      channel: oneOf('举报渠道', CHANNELS),
      content: text('举报内容'),
      reportedParty: text('被举报单位/人'),
      reportedEnterpriseId: text('被举报生产经营单位编号'),
      reportedPartyOrg: text('被举报单位所属机构'),
      location: text('地点'),
      sector: text('行业领域'),
      tipsterName: { ...text('举报人姓名'), confidential: IDENTITY_READERS },
      tipsterContact: { ...text('举报人联系方式（用户编号或电子邮箱）'), confidential: IDENTITY_READERS },
      anonymous: flag('匿名举报'),
      realName: flag('实名举报'),
      receivedAt: instant('收到时间'),
      acceptedAt: instant('受理时间'),
      acceptedBy: text('受理人'),
      notAcceptReason: oneOf('不予受理原因', NOT_ACCEPTED_REASONS),
      notAcceptComment: text('不予受理说明（告知举报人的途径）'),
      forwardTo: text('移送部门'),
      forwardReason: text('移送理由'),
      findings: text('核查结论'),
      evidence: texts('核查材料', 0),
      substantiated: flag('举报属实'),
      verifiedAt: instant('核查完成时间'),
      hazardOrgs: { ...texts('立案隐患的机构', 0), default: [] },
      hazardOutcome: text('隐患案件结果'),
      extensionReason: text('延期理由'),
      tipsterToldOfExtension: { ...flag('已告知举报人延期'), default: false },
      replyText: text('答复内容'),
      repliedAt: instant('答复时间'),
      reviewReason: text('复核请求理由'),
      reviewCount: { type: 'integer', title: '复核次数', minimum: 0, default: 0 },
      reviewFindings: text('复核结论'),
      // Only the linked enforcement case sets it (enforcementCaseEnded): a caller opening a case may not type a fine.
      fineAmount: { type: 'number', title: '罚款金额（元，取自移送立案的行政处罚案件）', minimum: 0, readOnly: true },
      enforcementOpenedAt: instant('移送立案查处时间'),
      enforcementOutcome: text('行政处罚案件结果'),
      penaltyDecisionNo: text('行政处罚决定书文号'),
      rewardAmount: { type: 'number', title: '奖励金额（元）', minimum: 0 },
      rewardDenyReason: text('不予奖励理由'),
      matterKind: { ...oneOf('举报事项类别', MATTER_KINDS), default: 'hazardOrIllegalProduction' },
      accidentOrgs: { ...texts('立案事故的机构', 0), default: [] },
      accidentOutcome: text('事故案件结果'),
      concealedDeaths: { type: 'integer', title: '瞒报死亡人数', minimum: 1 },
      concealedAccidentGrade: oneOf('瞒报事故等级', ACCIDENT_GRADES),
      employeeOfReportedParty: flag('举报人系被举报单位职工'),
      rewardNotifiedAt: instant('奖励通知时间'),
      rewardClaimedAt: instant('奖励领取时间'),
      rewardForfeited: flag('逾期未领取奖励'),
      extensionApprovedAt: instant('延期批准时间'),
      extensionApprovedBy: text('延期批准人'),
      // Only the tip-off intake (POST /api/v1/tipoffs) sets it: a caller opening a case may not choose a code's hash.
      queryCodeHash: { ...text('查询码摘要'), readOnly: true },
      overdue: { ...flag('已逾期'), default: false },
      closedAt: instant('办结时间'),
    },
    required: ['channel', 'content', 'reportedParty', 'anonymous', 'realName'],
  },
  events: {
    accept: { title: { zh: '受理', en: 'Accept' } },
    notAccept: { title: { zh: '不予受理', en: 'Do not accept' } },
    forward: { title: { zh: '移送', en: 'Forward' } },
    substantiate: { title: { zh: '核查属实', en: 'Substantiated' } },
    unsubstantiate: { title: { zh: '核查不属实', en: 'Not substantiated' } },
    notifyTipsterOfExtension: { title: { zh: '告知举报人延期理由', en: 'Tell the tipster about the extension' } },
    reply: { title: { zh: '答复举报人', en: 'Reply to the tipster' } },
    requestReview: { title: { zh: '申请复核', en: 'Request a review' } },
    conclude: { title: { zh: '办结', en: 'Conclude' } },
    upholdFindings: { title: { zh: '维持核查结论', en: 'Uphold the findings' } },
    overturnFindings: { title: { zh: '复核认定属实', en: 'Overturn: substantiated' } },
    grantReward: { title: { zh: '给予奖励', en: 'Grant the reward' } },
    denyReward: { title: { zh: '不予奖励', en: 'Deny the reward' } },
    hazardCaseEnded: { title: { zh: '隐患案件办结', en: 'The hazard case ended' } },
    accidentCaseEnded: { title: { zh: '事故案件办结', en: 'The accident case ended' } },
    approveExtension: { title: { zh: '批准延期（上级部门）', en: 'Approve the extension (higher department)' } },
    openEnforcement: { title: { zh: '移送立案查处', en: 'Open an enforcement case' } },
    enforcementCaseEnded: { title: { zh: '行政处罚案件办结', en: 'The enforcement case ended' } },
    claimReward: { title: { zh: '领取奖励', en: 'Collect the reward' } },
    forfeitReward: { title: { zh: '逾期未领取奖励', en: 'Reward forfeited' } },
    markOverdue: { title: { zh: '标记逾期', en: 'Mark overdue' } },
  },
  initial: 'received',
  states: {
    received: {
      title: { zh: '已收到', en: 'Received' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '受理审查', en: 'Decide on acceptance' }, role: 'tipOffOfficer' },
      notify: [assigned(role('tipOffOfficer'))],
      deadlines: [
        {
          id: 'acceptance',
          title: { zh: '受理期限', en: 'Acceptance decision' },
          duration: '5 workdays',
          legalBasis: { zh: '本地举报受理工作规范：收到举报后5个工作日内作出是否受理的决定', en: 'Decide on acceptance within 5 working days (design assumption, configurable)' },
          onExpire: 'markOverdue',
          notify: 'overdue',
        },
      ],
      on: {
        accept: {
          target: 'handling',
          roles: ['tipOffOfficer'],
          input: { type: 'object', properties: { reportedPartyOrg: text('被举报单位所属机构') } },
          assign: { reportedPartyOrg: reportedOrg, acceptedAt: { var: 'now' }, acceptedBy: { var: 'actor.id' } },
        },
        notAccept: tellingTipster({
          target: 'notAccepted',
          roles: ['tipOffOfficer'],
          input: { type: 'object', properties: { notAcceptReason: oneOf('不予受理原因', NOT_ACCEPTED_REASONS), notAcceptComment: text('说明') }, required: ['notAcceptReason'] },
          assign: ['notAcceptReason', 'notAcceptComment'],
        }),
        forward: tellingTipster({
          target: 'forwarded',
          roles: ['tipOffOfficer'],
          input: { type: 'object', properties: { forwardTo: text('移送部门'), forwardReason: text('移送理由') }, required: ['forwardTo', 'forwardReason'] },
          assign: ['forwardTo', 'forwardReason'],
        }),
        markOverdue,
      },
    },
    handling: {
      title: { zh: '办理中', en: 'Handling' },
      initial: 'verifying',
      on: {
        hazardCaseEnded: { roles: ['system'], assign: { hazardOutcome: { reduce: [{ var: 'children' }, { var: 'current.finalState' }, null] } } },
        accidentCaseEnded: { roles: ['system'], assign: { accidentOutcome: { reduce: [{ var: 'children' }, { var: 'current.finalState' }, null] } } },
        // A substantiated tip-off is handed to the reported party's regulator for 立案查处; its fine is the reward's base.
        openEnforcement: {
          roles: ['tipOffOfficer'],
          guard: { and: [{ '==': [{ var: 'data.substantiated' }, true] }, { '!': { var: 'data.enforcementOpenedAt' } }, { '!!': { var: 'data.reportedPartyOrg' } }] },
          guardMessage: { zh: '举报经核查属实后方可移送立案查处，每件举报只移送一次，且须登记被举报单位所属机构', en: 'Only a substantiated tip-off, once, with the reported party’s org' },
          assign: { enforcementOpenedAt: { var: 'now' } },
          spawn: {
            workflow: 'enforcement',
            handOver: { to: 'regulatorOf', org: { var: 'data.reportedPartyOrg' } },
            input: {
              partyName: { var: 'data.reportedParty' },
              violation: { var: 'data.findings' },
              source: 'tipOff',
              linkedCaseId: { var: 'case.id' },
            },
            onChildDone: 'enforcementCaseEnded',
            // The fine as decided (and not changed before 结案) comes back with the case's end.
            collect: ['fineAmount', 'decision', 'decisionNo'],
          },
        },
        enforcementCaseEnded: { roles: ['system'], assign: { fineAmount: enforcementFine, enforcementOutcome: enforcementOutcome, penaltyDecisionNo: enforcementDecisionNo } },
      },
      states: {
        verifying: {
          title: { zh: '核查中', en: 'Verifying' },
          tags: ['overdue-tracked'],
          task: { title: { zh: '核查举报事项', en: 'Verify the tip-off' }, role: 'inspector', org: routed },
          notify: [assigned(role('inspector', routed))],
          deadlines: [
            {
              id: 'verification',
              title: { zh: '核查办结期限', en: 'Verification' },
              duration: 'P60D',
              rollover: true,
              legalBasis: {
                zh: `${REWARD_RULES_2018}及《安全生产举报处理规定》：自受理之日起60日内办结；情况复杂的，经上一级安全生产监督管理部门批准可延长不超过30日，并告知举报人延期理由；期间最后一日是法定休假日的，以休假日结束的次日为最后一日（《民法典》第二百零三条）`,
                en: 'Close within 60 days of acceptance; if complex, the next higher department may extend by at most 30 days and the tipster is told why (2018 reward rules; Civil Code Art. 203 rollover)',
              },
              remind: [{ before: '-5 workdays', notify: 'due-soon' }],
              onExpire: 'markOverdue',
              notify: 'overdue',
              // The higher-level department approves; its approval is the same step as the move (deadline.extend).
              extension: { roles: ['superiorDepartmentLeader'], max: 'P30D', times: 1, event: 'approveExtension' },
            },
          ],
          on: {
            substantiate: substantiatedTarget({
              target: 'substantiated',
              roles: VERIFIERS,
              input: { type: 'object', properties: substantiateProperties, required: ['findings'] },
              guard: { '!!': reportedOrg },
              guardMessage: { zh: '须登记被举报单位所属机构，以便立案', en: 'The reported party’s org is needed to open the case' },
              assign: substantiateAssign,
            }),
            unsubstantiate: {
              target: 'replying',
              roles: VERIFIERS,
              input: { type: 'object', properties: { findings: text('核查结论'), evidence: texts('核查材料', 0) }, required: ['findings'] },
              assign: { ...copy('findings', 'evidence'), substantiated: false, verifiedAt: { var: 'now' } },
            },
            approveExtension: {
              roles: ['superiorDepartmentLeader'],
              // 上一级: the approver acts from an org above the receiving department's, not from the same level.
              guard: { in: [{ var: 'actor.org' }, { var: 'case.orgAncestors' }] },
              guardMessage: { zh: `延期须经上一级安全生产监督管理部门批准（${REWARD_RULES_2018}）：批准人须属于受理部门的上级机构`, en: 'The extension is approved by the next higher department (2018 reward rules): the approver must belong to an org above the receiving department' },
              assign: { extensionApprovedAt: { var: 'now' }, extensionApprovedBy: { var: 'actor.id' } },
              notify: [assigned(role('tipOffOfficer'))],
            },
            notifyTipsterOfExtension: tellingTipster({
              roles: ['tipOffOfficer'],
              input: { type: 'object', properties: { extensionReason: text('延期理由') }, required: ['extensionReason'] },
              guard: { '!': { var: 'data.tipsterToldOfExtension' } },
              guardMessage: { zh: '已告知举报人延期理由', en: 'The tipster was already told' },
              assign: { ...copy('extensionReason'), tipsterToldOfExtension: true },
            }),
            markOverdue,
          },
        },
        substantiated: {
          title: { zh: '举报属实，立案隐患', en: 'Substantiated' },
          description: { zh: '瞬时状态：向被举报单位所在地的监管部门移交一件隐患案件后转入答复', en: 'Transient: hands one hazard case to the regulator of the reported party, then moves on to the reply' },
          spawn: {
            workflow: 'hazard',
            forEach: 'hazardOrgs',
            handOver: { to: 'regulatorOf', org: { var: 'data.reportedPartyOrg' } },
            input: {
              source: 'tipOff',
              tipOffCaseId: { var: 'case.id' },
              description: { var: 'data.findings' },
              enterpriseId: { or: [{ var: 'data.reportedEnterpriseId' }, { var: 'data.reportedParty' }] },
              location: { var: 'data.location' },
              sector: { var: 'data.sector' },
              foundAt: { var: 'data.verifiedAt' },
            },
            onChildDone: 'hazardCaseEnded',
          },
          always: { target: 'replying' },
        },
        substantiatedAccident: {
          title: { zh: '举报属实，移交事故调查', en: 'Substantiated: concealed accident' },
          description: { zh: '瞬时状态：向被举报单位所在地的监管部门移交一件事故案件后转入答复', en: 'Transient: hands one accident case to the regulator of the reported party, then moves on to the reply' },
          spawn: {
            workflow: 'accident',
            forEach: 'accidentOrgs',
            handOver: { to: 'regulatorOf', org: { var: 'data.reportedPartyOrg' } },
            input: {
              tipOffCaseId: { var: 'case.id' },
              enterpriseName: { var: 'data.reportedParty' },
              enterpriseId: { var: 'data.reportedEnterpriseId' },
              location: { var: 'data.location' },
              sector: { var: 'data.sector' },
              briefCourse: { var: 'data.findings' },
              concealment: 'concealed',
              concealmentFindings: { var: 'data.findings' },
              concealmentDiscoveredVia: 'tipOff',
            },
            onChildDone: 'accidentCaseEnded',
          },
          always: { target: 'replying' },
        },
        replying: {
          title: { zh: '答复举报人', en: 'Replying' },
          tags: ['overdue-tracked'],
          task: { title: { zh: '答复举报人', en: 'Reply to the tipster' }, role: 'tipOffOfficer' },
          notify: [assigned(role('tipOffOfficer'))],
          deadlines: [
            {
              id: 'reply',
              title: { zh: '答复期限', en: 'Reply' },
              duration: 'P10D',
              rollover: true,
              legalBasis: { zh: '核查结束后10日内将结果告知举报人（2012年文本）', en: 'Tell the tipster the result within 10 days of the end of verification (2012 text)' },
              onExpire: 'markOverdue',
              notify: 'overdue',
            },
          ],
          on: {
            reply: tellingTipster({
              target: 'replied',
              roles: ['tipOffOfficer'],
              input: { type: 'object', properties: { replyText: text('答复内容（不含被举报方不应知悉的信息）') }, required: ['replyText'] },
              assign: { ...copy('replyText'), repliedAt: { var: 'now' } },
            }),
            markOverdue,
          },
        },
        replied: {
          title: { zh: '已答复', en: 'Replied' },
          task: { title: { zh: '办结（或受理复核请求）', en: 'Conclude, or take a review request' }, role: 'tipOffOfficer' },
          deadlines: [
            {
              id: 'reviewWindow',
              title: { zh: '复核申请期', en: 'Review window' },
              duration: 'P30D',
              rollover: true,
              legalBasis: { zh: '《应急管理部关于进一步加强安全生产举报工作的指导意见》（应急〔2023〕106号）：举报人对核查结论有异议的，可以申请复核；本地规范：收到答复之日起30日内提出', en: 'A tipster may dispute the conclusion; 30 days by analogy with requests to review 信访 replies (design assumption)' },
              onExpire: 'conclude',
            },
          ],
          on: {
            requestReview: {
              target: 'reVerifying',
              roles: ['tipster', 'tipOffOfficer'],
              input: { type: 'object', properties: { reviewReason: text('复核理由') }, required: ['reviewReason'] },
              guard: { '<': [{ var: 'data.reviewCount' }, 1] },
              guardMessage: { zh: '已复核过一次', en: 'The conclusion was already reviewed once' },
              assign: { ...copy('reviewReason'), reviewCount: increment('reviewCount') },
            },
            conclude: [
              { target: 'rewardReview', roles: ['tipOffOfficer', 'system'], guard: { and: [{ '==': [{ var: 'data.substantiated' }, true] }, { '==': [{ var: 'data.realName' }, true] }] } },
              { target: '#closed', roles: ['tipOffOfficer', 'system'], assign: { closedAt: { var: 'now' } } },
            ],
          },
        },
        reVerifying: {
          title: { zh: '复核中', en: 'Re-verifying' },
          tags: ['overdue-tracked'],
          task: { title: { zh: '复核举报事项', en: 'Review the conclusion' }, role: 'inspector', org: routed },
          notify: [assigned(role('inspector', routed))],
          deadlines: [
            {
              id: 'review',
              title: { zh: '复核期限', en: 'Review' },
              duration: 'P30D',
              rollover: true,
              legalBasis: { zh: '本地举报复核工作规范：受理复核申请之日起30日内办结', en: 'Review within 30 days (design assumption mirroring 信访 reviews)' },
              onExpire: 'markOverdue',
              notify: 'overdue',
            },
          ],
          on: {
            upholdFindings: {
              target: 'replying',
              roles: VERIFIERS,
              input: { type: 'object', properties: { reviewFindings: text('复核结论') }, required: ['reviewFindings'] },
              assign: ['reviewFindings'],
            },
            overturnFindings: substantiatedTarget({
              target: 'substantiated',
              roles: VERIFIERS,
              input: { type: 'object', properties: { ...substantiateProperties, reviewFindings: text('复核结论') }, required: ['findings', 'reviewFindings'] },
              // Only an unsubstantiated conclusion is overturned, so a tip-off opens at most one hazard case.
              guard: { and: [{ '!': { var: 'data.substantiated' } }, { '!!': reportedOrg }] },
              guardMessage: { zh: '复核认定属实仅适用于原核查不属实的结论，且须登记被举报单位所属机构', en: 'Only an unsubstantiated conclusion can be overturned, and the reported party’s org is needed' },
              assign: { ...substantiateAssign, reviewFindings: { var: 'payload.reviewFindings' } },
            }),
            markOverdue,
          },
        },
        rewardNotified: {
          title: { zh: '待领取奖励', en: 'Reward notified' },
          task: { title: { zh: '登记举报人领取奖励', en: 'Record the reward collection' }, role: 'tipOffOfficer' },
          deadlines: [
            {
              id: 'rewardClaim',
              title: { zh: '奖励领取期限', en: 'Reward claim window' },
              duration: 'P60D',
              rollover: true,
              legalBasis: { zh: `${REWARD_RULES_2018}：举报人应当自接到奖励通知之日起60日内领取奖金，逾期未领取的视为放弃`, en: '2018 reward rules: collect within 60 days of the notice, else it is forfeited' },
              onExpire: 'forfeitReward',
            },
          ],
          on: {
            claimReward: {
              target: '#closed',
              roles: ['tipOffOfficer', 'rewardCommittee'],
              assign: { rewardClaimedAt: { var: 'now' }, closedAt: { var: 'now' } },
            },
            forfeitReward: { target: '#closed', roles: ['system'], assign: { rewardForfeited: true, closedAt: { var: 'now' } } },
          },
        },
        rewardReview: {
          title: { zh: '奖励审查', en: 'Reward review' },
          task: { title: { zh: '审查举报奖励', en: 'Review the reward' }, role: 'rewardCommittee' },
          notify: [assigned(role('rewardCommittee'))],
          on: {
            grantReward: tellingTipster({
              target: 'rewardNotified',
              roles: ['rewardCommittee'],
              input: {
                type: 'object',
                properties: {
                  concealedDeaths: { type: 'integer', title: '瞒报死亡人数', minimum: 1 },
                  concealedAccidentGrade: oneOf('瞒报事故等级', ACCIDENT_GRADES),
                  employeeOfReportedParty: flag('举报人系被举报单位职工'),
                  firstValidRealNameTipster: flag('系首位有效实名举报人'),
                  rewardAmount: { type: 'number', title: '奖励金额（元）', minimum: 3000, maximum: REWARD_CAP },
                },
                required: ['rewardAmount', 'firstValidRealNameTipster'],
              },
              // 2018 办法: only the first valid real-name tipster; the amount within half a fen of what the rules give.
              guard: {
                and: [
                  { '==': [{ var: 'payload.firstValidRealNameTipster' }, true] },
                  {
                    if: [
                      { '==': [{ var: 'data.matterKind' }, 'concealedAccident'] },
                      { and: [{ '!!': { var: 'payload.concealedDeaths' } }, { '!!': { var: 'payload.concealedAccidentGrade' } }] },
                      // The fine is the linked enforcement case's, never typed here.
                      { '>': [{ var: 'data.fineAmount' }, 0] },
                    ],
                  },
                  { '<=': [{ '-': [computedReward, 0.005] }, { var: 'payload.rewardAmount' }, { '+': [computedReward, 0.005] }] },
                ],
              },
              guardMessage: {
                zh: `奖励仅给予首位有效实名举报人；金额按${REWARD_RULES_2018}计算：隐患或非法生产按移送立案的行政处罚案件结案时的罚款金额的15%（最低3000元，尚无罚款的不能给予），瞒报谎报事故按每瞒报死亡1人一般3万元、较大4万元、重大5万元、特别重大6万元，职工举报本单位的增加20%，最高30万元`,
                en: 'Only the first valid real-name tipster; the amount follows the 2018 rules (15 % of the fine, at least 3,000; or per concealed death by grade), +20 % for an employee, at most 300,000',
              },
              assign: { ...copy('concealedDeaths', 'concealedAccidentGrade', 'employeeOfReportedParty', 'rewardAmount'), rewardNotifiedAt: { var: 'now' } },
            }),
            denyReward: {
              target: '#closed',
              roles: ['rewardCommittee'],
              input: { type: 'object', properties: { rewardDenyReason: text('不予奖励理由') }, required: ['rewardDenyReason'] },
              assign: { ...copy('rewardDenyReason'), closedAt: { var: 'now' } },
            },
          },
        },
      },
    },
    notAccepted: { type: 'final', title: { zh: '不予受理', en: 'Not accepted' }, tags: ['terminated'] },
    forwarded: { type: 'final', title: { zh: '已移送', en: 'Forwarded' }, tags: ['terminated'] },
    closed: {
      type: 'final',
      title: { zh: '已办结', en: 'Closed' },
      tags: ['closed'],
      notify: [notice('case-closed', 'closed', role('tipOffOfficer'))],
    },
  },
});
