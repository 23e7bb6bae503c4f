/**
 * 执法 — the administrative penalty case (issue 10): 立案 → 调查取证 → 告知
 * (陈述、申辩; 听证 when the penalty qualifies) → 决定 → 送达 → 执行 → 结案,
 * with the periods of 《中华人民共和国行政处罚法》 (2021) and
 * 《安全生产违法行为行政处罚办法》.
 *
 * The periods, and how they are counted:
 * - 立案 → 决定: 90 days (行政处罚法 第六十条), one extension of up to 30
 *   days granted by the department's head (`deadline.extend` by
 *   `regulatorLeader` — the grant and the move are one event). Calendar days.
 * - 告知 → 听证申请: 5 days (第六十四条), working days as 第八十五条 says
 *   ("二日""三日""五日""七日" are working days); the party may state and
 *   defend (陈述、申辩, 第四十五条) in the same window.
 * - 送达: 7 days after the decision when not handed over on the spot
 *   (第六十一条), working days (第八十五条).
 * - 缴纳罚款: 15 days from service (第六十七条), calendar days; then 加处罚款
 *   of 3% a day and an application for compulsory execution (第七十二条).
 * - 听证 applies (第六十三条; 《安全生产违法行为行政处罚办法》第三十三条) to a
 *   fine of 20,000 yuan or more on a person or 50,000 or more on a unit, and
 *   to suspension, revocation of a licence, closure and bans from the trade.
 * - A heavy penalty passes the legal review (法制审核, 第五十八条) and is
 *   decided collectively by the department's heads (集体讨论, 第五十七条).
 * - At least two enforcement officers investigate (第四十二条).
 *
 * A hazard, an accident or a tip-off opens it as a linked case (`source`,
 * `linkedCaseId`); the fine decided is in the case data (`fineAmount`), where
 * the tip-off reward reads it.
 */
import { defineWorkflow } from '../engine/index.js';
import { copy, count, flag, instant, oneOf, text, texts } from './field-helpers.js';
import { assigned, notice, role } from './notices.js';

const INSPECTOR = ['inspector'];
const REVIEWER = ['regulatorReviewer'];
const LEADER = ['regulatorLeader'];

export const ENFORCEMENT_SOURCES = ['hazard', 'accident', 'tipOff', 'inspection', 'other'] as const;
export const PARTY_TYPES = ['unit', 'person'] as const;
/** 行政处罚法 第九条 kinds, as the safety rules use them. */
export const PENALTY_KINDS = ['fine', 'warning', 'confiscation', 'suspension', 'licenceRevocation', 'closure', 'tradeBan'] as const;
/** Penalties that are heavy by kind (hearing, legal review, collective decision). */
const HEAVY_KINDS = ['suspension', 'licenceRevocation', 'closure', 'tradeBan'];

/** An amount of money in yuan, as recorded (0 when none). */
const money = (title: string) => ({ type: 'number' as const, title, minimum: 0 });
/** An amount a form gives: when given, at least one yuan. */
const amount = (title: string) => ({ type: 'number' as const, title, minimum: 1 });

/**
 * Whether the proposed penalty is heavy: a kind in `HEAVY_KINDS`, or a fine of
 * 50,000 yuan or more on a unit, 20,000 or more on a person.
 */
const heavy = (prefix: 'payload' | 'data') => ({
  or: [
    { some: [{ var: `${prefix}.penaltyKinds` }, { in: [{ var: '' }, HEAVY_KINDS] }] },
    { '>=': [{ var: `${prefix}.fineAmount` }, { if: [{ '==': [{ var: 'data.partyType' }, 'unit'] }, 50000, 20000] }] },
  ],
});

const caseFields = {
  partyName: text('当事人'),
  partyType: oneOf('当事人类型', PARTY_TYPES),
  partyCode: text('统一社会信用代码或身份证号'),
  partyAddress: text('地址'),
  violation: text('违法事实（初步）'),
  source: oneOf('案件来源', ENFORCEMENT_SOURCES),
  linkedCaseId: text('关联案件'),
};

export const enforcementWorkflow = defineWorkflow({
  id: 'enforcement',
  version: 1,
  title: { zh: '安全生产行政处罚', en: 'Administrative penalty case' },
  description: {
    zh: '立案、调查取证、告知（陈述申辩、听证）、法制审核、决定、送达、执行、结案，期限依《行政处罚法》',
    en: 'File, investigate, inform (statement, hearing), legal review, decide, serve, execute, close — periods per the Administrative Penalty Law',
  },
  roles: ['inspector', 'regulatorReviewer', 'regulatorLeader', 'system'],
  data: {
    type: 'object',
    properties: {
      ...caseFields,
      filingNo: text('立案编号'),
      filedAt: instant('立案时间'),
      filedBy: text('立案批准人'),
      officers: texts('执法人员', 0),
      evidence: { ...texts('证据材料', 0), default: [] },
      evidenceCount: { ...count('证据材料份数'), default: 0 },
      findings: text('调查终结报告'),
      penaltyKinds: { type: 'array', title: '拟处罚种类', items: { type: 'string', enum: [...PENALTY_KINDS] }, default: [] },
      fineAmount: { ...money('罚款金额（元）'), default: 0 },
      confiscatedAmount: { ...money('没收违法所得（元）'), default: 0 },
      legalBasis: text('处罚依据'),
      noticeNo: text('告知书文号'),
      informedAt: instant('告知时间'),
      heavyPenalty: { ...flag('较重处罚（须听证告知、法制审核、集体讨论）'), default: false },
      statement: text('陈述申辩意见'),
      statementAdopted: flag('陈述申辩意见是否采纳'),
      hearingRequested: { ...flag('当事人申请听证'), default: false },
      hearingAt: instant('听证时间'),
      hearingRecord: text('听证笔录'),
      legalReview: text('法制审核意见'),
      collectiveDiscussion: text('集体讨论记录'),
      decisionNo: text('处罚决定书文号'),
      decidedAt: instant('决定时间'),
      decision: oneOf('处理决定', ['penalty', 'noPenalty', 'transfer']),
      decisionReason: text('决定理由'),
      servedAt: instant('送达时间'),
      serviceMethod: oneOf('送达方式', ['inPerson', 'post', 'publication', 'electronic']),
      paidAt: instant('缴纳时间'),
      paymentOverdue: { ...flag('逾期未缴纳'), default: false },
      enforcementApplied: { ...flag('已申请强制执行'), default: false },
      closedAt: instant('结案时间'),
      closingReport: text('结案报告'),
      dropReason: text('撤销立案理由'),
    },
  },
  events: {
    file: { title: { zh: '批准立案', en: 'File the case' } },
    declineFiling: { title: { zh: '不予立案', en: 'Decline to file' } },
    addEvidence: { title: { zh: '补充证据', en: 'Add evidence' } },
    finishInvestigation: { title: { zh: '调查终结', en: 'Finish the investigation' } },
    inform: { title: { zh: '送达告知书', en: 'Serve the prior notice' } },
    recordStatement: { title: { zh: '记录陈述申辩', en: 'Record a statement' } },
    requestHearing: { title: { zh: '当事人申请听证', en: 'Hearing requested' } },
    waiveRights: { title: { zh: '当事人放弃陈述申辩和听证', en: 'Rights waived' } },
    windowClosed: { title: { zh: '告知期限届满', en: 'Notice period ended' } },
    holdHearing: { title: { zh: '举行听证', en: 'Hold the hearing' } },
    reviewLegality: { title: { zh: '法制审核', en: 'Legal review' } },
    decide: { title: { zh: '作出处理决定', en: 'Decide' } },
    serve: { title: { zh: '送达决定书', en: 'Serve the decision' } },
    recordPayment: { title: { zh: '登记缴纳罚款', en: 'Record the payment' } },
    markPaymentOverdue: { title: { zh: '标记逾期未缴纳', en: 'Mark the payment overdue' } },
    applyEnforcement: { title: { zh: '申请强制执行', en: 'Apply for compulsory execution' } },
    close: { title: { zh: '结案', en: 'Close' } },
  },
  initial: 'filing',
  states: {
    filing: {
      title: { zh: '立案审批', en: 'Filing' },
      task: { title: { zh: '审批立案', en: 'Approve filing' }, role: 'regulatorLeader' },
      notify: [assigned(role('regulatorLeader'))],
      on: {
        file: {
          target: 'open',
          roles: LEADER,
          input: {
            type: 'object',
            properties: { ...caseFields, filingNo: text('立案编号'), officers: texts('执法人员（不少于两人）', 2) },
            required: ['partyName', 'partyType', 'violation', 'source', 'filingNo', 'officers'],
          },
          assign: { ...copy(...Object.keys(caseFields), 'filingNo', 'officers'), filedAt: { var: 'now' }, filedBy: { var: 'actor.id' } },
        },
        declineFiling: {
          target: 'dropped',
          roles: LEADER,
          input: { type: 'object', properties: { dropReason: text('不予立案理由') }, required: ['dropReason'] },
          assign: ['dropReason'],
        },
      },
    },
    open: {
      title: { zh: '办理中', en: 'Open' },
      tags: ['overdue-tracked'],
      initial: 'investigating',
      deadlines: [
        {
          id: 'decision',
          title: { zh: '作出处罚决定期限', en: 'Decision' },
          duration: 'P90D',
          rollover: true,
          legalBasis: { zh: '《中华人民共和国行政处罚法》第六十条：自立案之日起九十日内作出行政处罚决定', en: 'Administrative Penalty Law Art. 60: decide within 90 days of filing' },
          extension: { roles: ['regulatorLeader'], max: 'P30D', times: 1 },
          remind: [{ before: '-P10D', notify: notice('due-soon', 'dueSoon', role('inspector'), role('regulatorLeader')) }],
          notify: notice('overdue', 'overdue', role('inspector'), role('regulatorLeader')),
        },
      ],
      states: {
        investigating: {
          title: { zh: '调查取证', en: 'Investigating' },
          task: { title: { zh: '调查取证', en: 'Investigate' }, role: 'inspector' },
          notify: [assigned(role('inspector'))],
          on: {
            addEvidence: {
              roles: INSPECTOR,
              input: { type: 'object', properties: { evidence: texts('证据材料（询问笔录、勘验笔录、照片、鉴定意见等）') }, required: ['evidence'] },
              assign: {
                evidence: { merge: [{ or: [{ var: 'data.evidence' }, []] }, { var: 'payload.evidence' }] },
                evidenceCount: { '+': [{ or: [{ var: 'data.evidenceCount' }, 0] }, { reduce: [{ var: 'payload.evidence' }, { '+': [{ var: 'accumulator' }, 1] }, 0] }] },
              },
            },
            finishInvestigation: {
              target: 'proposing',
              roles: INSPECTOR,
              input: { type: 'object', properties: { findings: text('调查终结报告') }, required: ['findings'] },
              guard: { '>': [{ var: 'data.evidenceCount' }, 0] },
              guardMessage: { zh: '尚无证据材料，不能调查终结', en: 'No evidence recorded yet' },
              assign: ['findings'],
            },
          },
        },
        proposing: {
          title: { zh: '拟定处罚并告知', en: 'Proposing the penalty' },
          task: { title: { zh: '拟定处罚意见并送达告知书', en: 'Propose the penalty and serve the prior notice' }, role: 'inspector' },
          on: {
            inform: {
              target: 'informed',
              roles: INSPECTOR,
              input: {
                type: 'object',
                properties: {
                  penaltyKinds: { type: 'array', title: '拟处罚种类', items: { type: 'string', enum: [...PENALTY_KINDS] }, minItems: 1 },
                  fineAmount: amount('拟罚款金额（元）'),
                  confiscatedAmount: amount('拟没收违法所得（元）'),
                  legalBasis: text('处罚依据'),
                  noticeNo: text('告知书文号'),
                },
                required: ['penaltyKinds', 'legalBasis', 'noticeNo'],
              },
              // A fine is named with its amount; an amount without a fine is a slip.
              guard: { '==': [{ in: ['fine', { var: 'payload.penaltyKinds' }] }, { '>': [{ var: 'payload.fineAmount' }, 0] }] },
              guardMessage: { zh: '拟处罚种类含罚款时须填写罚款金额，未含罚款时不得填写金额', en: 'A fine needs its amount, and an amount needs a fine' },
              assign: {
                ...copy('penaltyKinds', 'legalBasis', 'noticeNo'),
                fineAmount: { or: [{ var: 'payload.fineAmount' }, 0] },
                confiscatedAmount: { or: [{ var: 'payload.confiscatedAmount' }, 0] },
                heavyPenalty: heavy('payload'),
                informedAt: { var: 'now' },
              },
            },
          },
        },
        informed: {
          title: { zh: '告知期（陈述申辩、听证）', en: 'Notice period' },
          task: { title: { zh: '受理陈述申辩或听证申请', en: 'Receive statements or a hearing request' }, role: 'inspector' },
          deadlines: [
            {
              id: 'hearingRequest',
              title: { zh: '陈述申辩和听证申请期限', en: 'Statement and hearing request' },
              duration: '5 workdays',
              legalBasis: {
                zh: '《中华人民共和国行政处罚法》第六十四条：当事人要求听证的，应当在行政机关告知后五日内提出；第八十五条：五日指工作日',
                en: 'Administrative Penalty Law Art. 64: a hearing is requested within 5 days of the notice; Art. 85: working days',
              },
              onExpire: 'windowClosed',
            },
          ],
          on: {
            recordStatement: {
              roles: INSPECTOR,
              input: { type: 'object', properties: { statement: text('陈述申辩意见'), statementAdopted: flag('是否采纳') }, required: ['statement', 'statementAdopted'] },
              assign: ['statement', 'statementAdopted'],
            },
            requestHearing: {
              target: 'hearing',
              roles: INSPECTOR,
              guard: { '==': [{ var: 'data.heavyPenalty' }, true] },
              guardMessage: { zh: '拟作出的处罚不属于听证范围（较大数额罚款或责令停产停业、吊销许可证等）', en: 'The proposed penalty does not qualify for a hearing' },
              assign: { hearingRequested: true },
            },
            waiveRights: { target: 'reviewing', roles: INSPECTOR },
            windowClosed: { target: 'reviewing', roles: ['system'] },
          },
        },
        hearing: {
          title: { zh: '听证', en: 'Hearing' },
          task: { title: { zh: '组织听证', en: 'Hold the hearing' }, role: 'regulatorReviewer' },
          notify: [assigned(role('regulatorReviewer'))],
          on: {
            holdHearing: {
              target: 'reviewing',
              roles: REVIEWER,
              input: {
                type: 'object',
                properties: { hearingAt: instant('听证时间（听证七个工作日前通知当事人）'), hearingRecord: text('听证笔录') },
                required: ['hearingAt', 'hearingRecord'],
              },
              assign: ['hearingAt', 'hearingRecord'],
            },
          },
        },
        reviewing: {
          title: { zh: '法制审核', en: 'Legal review' },
          task: { title: { zh: '法制审核', en: 'Review legality' }, role: 'regulatorReviewer' },
          notify: [assigned(role('regulatorReviewer'))],
          on: {
            reviewLegality: {
              target: 'deciding',
              roles: REVIEWER,
              input: { type: 'object', properties: { legalReview: text('法制审核意见') }, required: ['legalReview'] },
              assign: ['legalReview'],
            },
          },
        },
        deciding: {
          title: { zh: '待决定', en: 'Deciding' },
          task: { title: { zh: '作出处理决定', en: 'Decide' }, role: 'regulatorLeader' },
          notify: [assigned(role('regulatorLeader'))],
          on: {
            decide: {
              target: '#serving',
              roles: LEADER,
              input: {
                type: 'object',
                properties: {
                  decision: oneOf('处理决定', ['penalty', 'noPenalty', 'transfer']),
                  decisionNo: text('决定书文号'),
                  fineAmount: amount('决定罚款金额（元）'),
                  decisionReason: text('决定理由'),
                  collectiveDiscussion: text('集体讨论记录（较重处罚）'),
                },
                required: ['decision', 'decisionNo', 'decisionReason'],
              },
              // 第五十七条: a heavy penalty is decided collectively; a decided fine may not exceed the one the party was told of.
              guard: {
                and: [
                  { or: [{ '!': { var: 'data.heavyPenalty' } }, { '!=': [{ var: 'payload.decision' }, 'penalty'] }, { '!!': { var: 'payload.collectiveDiscussion' } }] },
                  { '<=': [{ or: [{ var: 'payload.fineAmount' }, 0] }, { var: 'data.fineAmount' }] },
                ],
              },
              guardMessage: {
                zh: '较重的行政处罚须经负责人集体讨论决定；决定的罚款不得高于告知的金额',
                en: 'A heavy penalty is decided collectively; the fine may not exceed the one notified',
              },
              assign: {
                ...copy('decision', 'decisionNo', 'decisionReason', 'collectiveDiscussion'),
                fineAmount: { if: [{ '==': [{ var: 'payload.decision' }, 'penalty'] }, { or: [{ var: 'payload.fineAmount' }, { var: 'data.fineAmount' }] }, 0] },
                decidedAt: { var: 'now' },
              },
            },
          },
        },
      },
    },
    serving: {
      title: { zh: '送达', en: 'Serving' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '送达处理决定书', en: 'Serve the decision' }, role: 'inspector' },
      deadlines: [
        {
          id: 'service',
          title: { zh: '送达期限', en: 'Service' },
          duration: '7 workdays',
          legalBasis: { zh: '《中华人民共和国行政处罚法》第六十一条：当事人不在场的，行政机关应当在七日内送达；第八十五条：七日指工作日', en: 'Art. 61: serve within 7 days; Art. 85: working days' },
          notify: notice('overdue', 'overdue', role('inspector'), role('regulatorLeader')),
        },
      ],
      on: {
        serve: [
          {
            target: 'executing',
            roles: INSPECTOR,
            input: { type: 'object', properties: { serviceMethod: oneOf('送达方式', ['inPerson', 'post', 'publication', 'electronic']) }, required: ['serviceMethod'] },
            guard: { '>': [{ var: 'data.fineAmount' }, 0] },
            assign: { ...copy('serviceMethod'), servedAt: { var: 'now' } },
          },
          {
            target: 'closing',
            roles: INSPECTOR,
            input: { type: 'object', properties: { serviceMethod: oneOf('送达方式', ['inPerson', 'post', 'publication', 'electronic']) }, required: ['serviceMethod'] },
            assign: { ...copy('serviceMethod'), servedAt: { var: 'now' } },
          },
        ],
      },
    },
    executing: {
      title: { zh: '执行', en: 'Executing' },
      tags: ['overdue-tracked'],
      task: { title: { zh: '督促缴纳罚款', en: 'See the fine paid' }, role: 'inspector' },
      deadlines: [
        {
          id: 'payment',
          title: { zh: '缴纳罚款期限', en: 'Payment' },
          duration: 'P15D',
          rollover: true,
          legalBasis: {
            zh: '《中华人民共和国行政处罚法》第六十七条：自收到行政处罚决定书之日起十五日内缴纳罚款；第七十二条：逾期每日按罚款数额的百分之三加处罚款，并可申请人民法院强制执行',
            en: 'Art. 67: pay within 15 days of service; Art. 72: 3% a day surcharge, compulsory execution',
          },
          onExpire: 'markPaymentOverdue',
          notify: notice('overdue', 'overdue', role('inspector'), role('regulatorLeader')),
        },
      ],
      on: {
        recordPayment: {
          target: 'closing',
          roles: INSPECTOR,
          input: { type: 'object', properties: { paidAt: instant('缴纳时间') }, required: ['paidAt'] },
          assign: ['paidAt'],
        },
        markPaymentOverdue: { roles: ['system'], assign: { paymentOverdue: true } },
        applyEnforcement: {
          roles: LEADER,
          guard: { '==': [{ var: 'data.paymentOverdue' }, true] },
          guardMessage: { zh: '缴纳期限尚未届满，不能申请强制执行', en: 'The payment period has not ended' },
          assign: { enforcementApplied: true },
        },
      },
    },
    closing: {
      title: { zh: '待结案', en: 'Closing' },
      task: { title: { zh: '审批结案', en: 'Approve closing' }, role: 'regulatorLeader' },
      notify: [assigned(role('regulatorLeader'))],
      on: {
        close: {
          target: 'closed',
          roles: LEADER,
          input: { type: 'object', properties: { closingReport: text('结案报告') }, required: ['closingReport'] },
          assign: { ...copy('closingReport'), closedAt: { var: 'now' } },
        },
      },
    },
    closed: { type: 'final', title: { zh: '已结案', en: 'Closed' }, tags: ['closed'] },
    dropped: { type: 'final', title: { zh: '不予立案', en: 'Not filed' }, tags: ['terminated'] },
  },
});
