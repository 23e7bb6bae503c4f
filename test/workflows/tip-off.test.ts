import { afterEach, describe, expect, it } from 'vitest';
import { setDocNumberPrefix } from '../../server/doc-numbers.js';
import type { Effect } from '../../engine/core/effects.js';
import type { StepResult } from '../../engine/core/step.js';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { recordingHandOver, type OrgFact, type OrgFacts } from '../../engine/core/jurisdiction.js';
import type { CaseState } from '../../engine/core/types.js';
import { createEngine, createManualClock, type Actor } from '../../engine/index.js';
import { createTemplateCatalog } from '../../notifications/templates.js';
import { hazardWorkflow } from '../../workflows/hazard.js';
import { builtinWorkflows, tipOffWorkflow as exported } from '../../workflows/index.js';
import { tipOffWorkflow } from '../../workflows/tip-off.js';
import { notices, notifyEffects } from '../support/notify-effects.js';
import { freshSqliteStore } from '../support/stores.js';
import { as, builtinEnv, createDriver, fails, ORG, tasks } from '../support/workflow-driver.js';

const NOW = new Date('2026-03-02T02:00:00.000Z');
/** A city with three districts; district B has a township and a grid where companies sit. */
const TREE: Record<string, OrgFact[]> = {};
for (const [id, level, parent] of [['city', 'city', null], ['district-a', 'county', 'city'], ['district-b', 'county', 'city'], ['district-c', 'county', 'city'], ['district-b-t1', 'township', 'district-b'], ['district-b-g1', 'grid', 'district-b-t1']] as const) {
  TREE[id] = [{ id, level }, ...(parent ? TREE[parent]! : [])];
}
const FACTS: OrgFacts = { ancestry: (org) => TREE[org] };
// The case sits at district-a (ORG); the runtime records the orgs above it when it opens the case.
const d = createDriver(tipOffWorkflow, { env: { ...builtinEnv(), handOver: recordingHandOver(FACTS, {}) }, now: NOW, caseId: 'T1', orgAncestry: TREE[ORG]!.slice(1).map((o) => o.id) });
const { wf } = d;
const AUTHORISED = ['tipOffOfficer', 'rewardCommittee'];
const SPAWN: Actor = { id: 'system:spawn', roles: ['system'] };
const officer = (r: string) => `${r}@${ORG}`;

const TIPSTER = { tipsterName: '王举报', tipsterContact: 'wang.jubao@example.com' };
const INTAKE = {
  channel: 'hotline12350',
  content: '某机械厂粉尘车间除尘系统未设泄爆装置，夜间违规生产',
  reportedParty: '某机械厂',
  reportedEnterpriseId: 'E-2001',
  reportedPartyOrg: 'district-b',
  location: '开发区纬三路12号',
  sector: '工贸',
  ...TIPSTER,
  anonymous: false,
  realName: true,
  receivedAt: '2026-03-02T01:30:00.000Z',
};
const ANONYMOUS = { ...INTAKE, tipsterName: undefined, tipsterContact: undefined, anonymous: true, realName: false };
const FINDINGS = { findings: '现场核实：2号车间除尘系统未设泄爆装置，属重大事故隐患', evidence: ['files/site.jpg'] };

const received = (data: Record<string, unknown> = INTAKE) => d.start(data, NOW);
const verifying = (data?: Record<string, unknown>) => d.send(received(data).state, 'accept', 'tipOffOfficer');
const substantiated = (data?: Record<string, unknown>) => d.send(verifying(data).state, 'substantiate', 'inspector', FINDINGS);
const unsubstantiated = (data?: Record<string, unknown>) => d.send(verifying(data).state, 'unsubstantiate', 'inspector', { findings: '经核查未发现举报问题' });
const replied = (from: () => StepResult = substantiated) => d.send(from().state, 'reply', 'tipOffOfficer', { replyText: '您举报的问题经核查属实，已立案督促整改。' });
const rewardReview = () => d.send(replied().state, 'conclude', 'tipOffOfficer');
const DECISION_NO = '东应急罚〔2026〕15号';
/** A substantiated tip-off handed to 立案查处, whose enforcement case ended with this fine. */
const enforced = (fine: number, from: CaseState = replied().state): StepResult => {
  const opened = d.send(from, 'openEnforcement', 'tipOffOfficer');
  const child = opened.state.children!.find((c) => c.workflowId === 'enforcement')!;
  return d.direct(opened.state, { type: 'case.childDone', payload: { child: child.caseId, finalState: 'closed', result: { fineAmount: fine, decision: 'penalty', decisionNo: DECISION_NO } }, actor: SPAWN });
};
/** Reward review of a tip-off whose linked enforcement case fined the party `fine`. */
const fined = (fine: number) => d.send(enforced(fine).state, 'conclude', 'tipOffOfficer');
const due = (r: StepResult) => r.state.deadlines.map((x) => `${x.key} ${x.dueDate} ${x.status}`);

describe('tip-off workflow definition', () => {
  it('compiles, passes the template check and is registered after hazard', () => {
    expect(wf.ref).toBe('tip-off@2');
    expect(validateDefinition(tipOffWorkflow, { templates: createTemplateCatalog() }).ok).toBe(true);
    expect(exported).toBe(tipOffWorkflow);
    const ids = builtinWorkflows.map((w) => w.id);
    expect(ids.indexOf('hazard')).toBeLessThan(ids.indexOf('tip-off'));
  });

  it('declares the states of DOMAIN §5.5, the roles of §4.1 plus tipOffOfficer, and the confidential identity', () => {
    expect(wf.tree.nodes.map((n) => n.id).sort()).toEqual(
      ['received', 'notAccepted', 'forwarded', 'handling', 'handling.verifying', 'handling.substantiated', 'handling.replying', 'handling.replied', 'handling.reVerifying', 'handling.rewardReview', 'handling.substantiatedAccident', 'handling.rewardNotified', 'closed'].sort(),
    );
    expect(wf.tree.nodes.filter((n) => n.kind === 'final').map((n) => n.id).sort()).toEqual(['closed', 'forwarded', 'notAccepted']);
    expect(tipOffWorkflow.roles).toEqual(expect.arrayContaining(['tipster', 'tipOffOfficer', 'rewardCommittee', 'regulatorLeader', 'system']));
    const props = wf.definition.data.properties;
    expect(props.tipsterName?.confidential).toEqual({ roles: AUTHORISED, org: 'jurisdiction' });
    expect(props.tipsterContact?.confidential).toEqual({ roles: AUTHORISED, org: 'jurisdiction' });
    expect(Object.entries(props).filter(([, f]) => f.confidential).map(([k]) => k)).toEqual(['tipsterName', 'tipsterContact']);
  });
});

describe('intake', () => {
  it('starts in received with the intake record and tells the tip-off officer, with five working days to decide', () => {
    const r = received();
    expect(r.state).toMatchObject({ value: 'received', data: { ...INTAKE, overdue: false, reviewCount: 0 } });
    expect(notices(r.effects)).toEqual([`task-assigned actionRequired ${officer('tipOffOfficer')}`]);
    expect(due(r)).toEqual(['received#acceptance 2026-03-09 running']);
    expect(() => received({ channel: 'hotline12350', content: 'x' })).toThrow(expect.objectContaining({ code: 'invalid_input' }) as Error);
  });

  it('flags a late acceptance decision overdue', () => {
    const r = d.fire(received().state, 'received#acceptance', 'due');
    expect(r.state.data.overdue).toBe(true);
    expect(notices(r.effects)).toEqual([`overdue overdue ${officer('tipOffOfficer')}`]);
  });

  it('does not accept, with a reason code, and tells the tipster at the contact given', () => {
    const r = d.send(received().state, 'notAccept', 'tipOffOfficer', { notAcceptReason: 'sameMatterAccepted', notAcceptComment: '同一事项已于2月受理' });
    expect(r.state).toMatchObject({ value: 'notAccepted', status: 'done', data: { notAcceptReason: 'sameMatterAccepted' } });
    expect(notices(r.effects)).toEqual([`tipster-reply info tipsterContact=${TIPSTER.tipsterContact}`]);
    expect(tasks(r.effects)).toEqual(['-received', 'done:notAccepted']);
    for (const reason of ['noClearTarget', 'outOfScope']) expect(d.send(received().state, 'notAccept', 'tipOffOfficer', { notAcceptReason: reason }).state.value).toBe('notAccepted');
    fails(() => d.direct(received().state, { type: 'notAccept', payload: { notAcceptReason: 'bored' }, actor: as('tipOffOfficer') }), 'invalid_input');
  });

  it('writes to nobody when an anonymous tipster left no contact', () => {
    const r = d.send(received(ANONYMOUS).state, 'notAccept', 'tipOffOfficer', { notAcceptReason: 'noClearTarget' });
    expect(r.state.value).toBe('notAccepted');
    expect(notices(r.effects)).toEqual([]);
  });

  it('forwards a matter outside the remit and tells the tipster', () => {
    const r = d.send(received().state, 'forward', 'tipOffOfficer', { forwardTo: '市市场监管局', forwardReason: '特种设备问题' });
    expect(r.state).toMatchObject({ value: 'forwarded', status: 'done', data: { forwardTo: '市市场监管局' } });
    expect(notices(r.effects)).toEqual([`tipster-reply info tipsterContact=${TIPSTER.tipsterContact}`]);
    expect(notices(d.send(received(ANONYMOUS).state, 'forward', 'tipOffOfficer', { forwardTo: 'x', forwardReason: 'y' }).effects)).toEqual([]);
    fails(() => d.direct(received().state, { type: 'forward', payload: { forwardTo: 'x', forwardReason: 'y' }, actor: as('inspector') }), 'forbidden');
  });
});

/** The superior department's leader, acting from the city above the receiving district. */
const CITY_LEADER: Actor = { id: 'u-city-superiorDepartmentLeader', roles: ['superiorDepartmentLeader'], org: 'city' };

describe('verification', () => {
  it('accepts and gives verification 60 days from acceptance', () => {
    const r = verifying();
    expect(r.state).toMatchObject({ value: { handling: 'verifying' }, data: { acceptedAt: NOW.toISOString(), acceptedBy: 'u-tipOffOfficer', reportedPartyOrg: 'district-b' } });
    expect(notices(r.effects)).toEqual([`task-assigned actionRequired ${officer('inspector')}`]);
    // 2 March + 60 days = 1 May, a public holiday (1–5 May 2026): rolled over to 6 May.
    expect(due(r)).toEqual(['handling.verifying#verification 2026-05-06 running']);
  });

  it('举报奖励办法 2018 / 举报处理规定: the higher-level department extends verification once, by at most 30 days, in one approved step, and the tipster is told why', () => {
    const key = 'handling.verifying#verification';
    const s = verifying().state;
    fails(() => d.extend(s, key, 'P30D', 'inspector'), 'forbidden');
    // The receiving department's own leader cannot extend its own deadline.
    fails(() => d.extend(s, key, 'P30D', 'regulatorLeader'), 'forbidden');
    fails(() => d.extend(s, key, 'P31D', CITY_LEADER), 'invalid_data');
    const ext = d.extend(s, key, 'P30D', CITY_LEADER);
    expect(ext.state.deadlines[0]).toMatchObject({ dueDate: '2026-06-05', extensions: [{ by: 'P30D', actor: CITY_LEADER.id }] });
    expect(ext.state.data).toMatchObject({ extensionApprovedBy: CITY_LEADER.id, extensionApprovedAt: NOW.toISOString() });
    // The approval is never sent alone.
    expect(fails(() => d.send(s, 'approveExtension', CITY_LEADER), 'forbidden').details).toMatchObject({ sendInstead: 'deadline.extend' });
    expect(fails(() => d.extend(ext.state, key, 'P1D', CITY_LEADER), 'invalid_data').issues?.[0]?.code).toBe('extension_limit');
    const told = d.send(ext.state, 'notifyTipsterOfExtension', 'tipOffOfficer', { extensionReason: '涉及多个部门，需联合核查' });
    expect(told.state).toMatchObject({ value: { handling: 'verifying' }, data: { tipsterToldOfExtension: true, extensionReason: '涉及多个部门，需联合核查' } });
    expect(notices(told.effects)).toEqual([`tipster-reply info tipsterContact=${TIPSTER.tipsterContact}`]);
    fails(() => d.direct(told.state, { type: 'notifyTipsterOfExtension', payload: { extensionReason: 'x' }, actor: as('tipOffOfficer') }), 'guard_failed');
    const anonymous = d.send(verifying(ANONYMOUS).state, 'notifyTipsterOfExtension', 'tipOffOfficer', { extensionReason: 'x' });
    expect(notices(anonymous.effects)).toEqual([]);
  });


  it('举报奖励办法 2018 / 信访条例: the extension is approved from an org above the receiving department, never from the same level or a sibling', () => {
    const key = 'handling.verifying#verification';
    const s = verifying().state;
    for (const org of [ORG, 'district-b', 'district-b-t1']) {
      const e = fails(() => d.extend(s, key, 'P30D', { id: `u-${org}`, roles: ['superiorDepartmentLeader'], org }), 'guard_failed');
      expect(e.message).toContain('approveExtension');
      expect((e.details as { message?: { zh?: string } }).message?.zh ?? JSON.stringify(e.details)).toContain('上级机构');
    }
    // Without an org (nothing to place it in the tree) it is refused too.
    fails(() => d.extend(s, key, 'P30D', { id: 'u-nowhere', roles: ['superiorDepartmentLeader'] }), 'guard_failed');
    expect(d.extend(s, key, 'P30D', CITY_LEADER).state.data).toMatchObject({ extensionApprovedBy: CITY_LEADER.id });
  });
  it('flags an overdue verification', () => {
    const r = d.fire(verifying().state, 'handling.verifying#verification', 'due');
    expect(r.state).toMatchObject({ value: { handling: 'verifying' }, data: { overdue: true } });
    expect(notices(r.effects)).toEqual([`overdue overdue ${officer('inspector')}`]);
  });

  it('hands one hazard case over to the regulator of the reported party when substantiated, without the tipster’s identity', () => {
    const r = substantiated();
    expect(r.state).toMatchObject({ value: { handling: 'replying' }, data: { ...FINDINGS, substantiated: true, verifiedAt: NOW.toISOString(), hazardOrgs: ['district-b'] } });
    const spawns = r.effects.filter((e) => e.type === 'spawn-case');
    expect(spawns).toEqual([
      {
        type: 'spawn-case',
        id: expect.any(String),
        parentCaseId: 'T1',
        childCaseId: 'T1-c3-0',
        workflowId: 'hazard',
        org: 'district-b',
        stateId: 'handling.substantiated',
        index: 0,
        data: { source: 'tipOff', tipOffCaseId: 'T1', description: FINDINGS.findings, enterpriseId: 'E-2001', location: INTAKE.location, sector: '工贸', foundAt: NOW.toISOString() },
        handOver: { rule: 'regulatorOf', named: 'district-b' },
      },
    ]);
    expect(JSON.stringify(spawns)).not.toContain(TIPSTER.tipsterName);
    expect(JSON.stringify(spawns)).not.toContain(TIPSTER.tipsterContact);
    expect(r.state.children).toEqual([{ caseId: 'T1-c3-0', workflowId: 'hazard', org: 'district-b', stateId: 'handling.substantiated', index: 0, finalState: null, handOver: 'regulatorOf' }]);
    expect(tasks(r.effects)).toEqual(['-handling.verifying', '+handling.replying@tipOffOfficer']);
    expect(due(r)).toEqual(['handling.replying#reply 2026-03-12 running']);
  });

  it('sends the hazard case of a company in a grid to its district, never to the company’s own org, and refuses an unknown org', () => {
    const inGrid = d.send(verifying({ ...INTAKE, reportedPartyOrg: 'district-b-g1' }).state, 'substantiate', 'inspector', FINDINGS);
    expect(inGrid.effects.find((e) => e.type === 'spawn-case')).toMatchObject({ org: 'district-b', handOver: { rule: 'regulatorOf', named: 'district-b-g1' } });
    fails(() => d.direct(verifying({ ...INTAKE, reportedPartyOrg: 'no-such-org' }).state, { type: 'substantiate', payload: FINDINGS, actor: as('inspector') }), 'org_not_found');
  });

  it('takes the org at substantiation when the intake had none, and refuses without one', () => {
    const noOrg = { ...INTAKE, reportedPartyOrg: undefined };
    fails(() => d.direct(verifying(noOrg).state, { type: 'substantiate', payload: FINDINGS, actor: as('inspector') }), 'guard_failed');
    const r = d.send(verifying(noOrg).state, 'substantiate', 'tipOffOfficer', { ...FINDINGS, reportedPartyOrg: 'district-c' });
    expect(r.effects.find((e) => e.type === 'spawn-case')).toMatchObject({ org: 'district-c' });
  });

  it('goes straight to the reply when not substantiated, with no hazard case', () => {
    const r = unsubstantiated();
    expect(r.state).toMatchObject({ value: { handling: 'replying' }, data: { substantiated: false } });
    expect(r.effects.filter((e) => e.type === 'spawn-case')).toEqual([]);
    expect(r.state.children).toBeUndefined();
  });

  it('records how the hazard case ended', () => {
    let s = substantiated().state;
    s = d.direct(s, { type: 'case.childDone', payload: { child: 'T1-c3-0', finalState: 'closed' }, actor: SPAWN }).state;
    expect(s).toMatchObject({ value: { handling: 'replying' }, data: { hazardOutcome: 'closed' } });
    expect(s.children?.[0]?.finalState).toBe('closed');
    expect(d.send(substantiated().state, 'hazardCaseEnded', 'system').state.data.hazardOutcome).toBeNull();
    fails(() => d.direct(substantiated().state, { type: 'hazardCaseEnded', payload: {}, actor: as('tipOffOfficer') }), 'system_only_event');
  });
});

describe('reply, review, conclusion', () => {
  it('replies to the tipster within 10 days of the end of verification', () => {
    const r = replied();
    expect(r.state).toMatchObject({ value: { handling: 'replied' }, data: { repliedAt: NOW.toISOString() } });
    expect(notices(r.effects)).toEqual([`tipster-reply info tipsterContact=${TIPSTER.tipsterContact}`]);
    expect(due(r)).toEqual(['handling.replied#reviewWindow 2026-04-01 running']);
    expect(notices(replied(() => unsubstantiated(ANONYMOUS)).effects)).toEqual([]);
    const late = d.fire(substantiated().state, 'handling.replying#reply', 'due');
    expect(late.state.data.overdue).toBe(true);
  });

  it('reviews a disputed conclusion once and replies again', () => {
    let r = d.send(replied(unsubstantiated).state, 'requestReview', 'tipster', { reviewReason: '问题仍然存在' });
    expect(r.state).toMatchObject({ value: { handling: 'reVerifying' }, data: { reviewCount: 1, reviewReason: '问题仍然存在' } });
    expect(notices(r.effects)).toEqual([`task-assigned actionRequired ${officer('inspector')}`]);
    expect(due(r)).toEqual(['handling.reVerifying#review 2026-04-01 running']);
    r = d.send(r.state, 'upholdFindings', 'inspector', { reviewFindings: '复核维持原结论' });
    expect(r.state).toMatchObject({ value: { handling: 'replying' }, data: { reviewFindings: '复核维持原结论' } });
    r = d.send(r.state, 'reply', 'tipOffOfficer', { replyText: '复核维持原结论' });
    fails(() => d.direct(r.state, { type: 'requestReview', payload: { reviewReason: '再次' }, actor: as('tipster') }), 'guard_failed');
    r = d.send(r.state, 'conclude', 'tipOffOfficer');
    expect(r.state).toMatchObject({ value: 'closed', status: 'done' });
    expect(notices(r.effects)).toEqual([`case-closed closed ${officer('tipOffOfficer')}`]);
    expect(d.fire(d.send(replied(unsubstantiated).state, 'requestReview', 'tipOffOfficer', { reviewReason: 'x' }).state, 'handling.reVerifying#review', 'due').state.data.overdue).toBe(true);
  });

  it('opens the hazard case when a review overturns an unsubstantiated conclusion, and only then', () => {
    const review = d.send(replied(unsubstantiated).state, 'requestReview', 'tipster', { reviewReason: '问题仍然存在' }).state;
    const r = d.send(review, 'overturnFindings', 'inspector', { ...FINDINGS, reviewFindings: '复核认定举报属实' });
    expect(r.state).toMatchObject({ value: { handling: 'replying' }, data: { substantiated: true, reviewFindings: '复核认定举报属实', hazardOrgs: ['district-b'] } });
    expect(r.effects.filter((e) => e.type === 'spawn-case')).toMatchObject([{ workflowId: 'hazard', org: 'district-b' }]);
    const afterSubstantiated = d.send(replied().state, 'requestReview', 'tipster', { reviewReason: '对处理不满意' }).state;
    fails(() => d.direct(afterSubstantiated, { type: 'overturnFindings', payload: { ...FINDINGS, reviewFindings: 'x' }, actor: as('inspector') }), 'guard_failed');
  });

  it('concludes by itself when the review window closes', () => {
    const r = d.fire(replied(unsubstantiated).state, 'handling.replied#reviewWindow', 'due');
    expect(r.state).toMatchObject({ value: 'closed', status: 'done' });
    expect(d.fire(replied().state, 'handling.replied#reviewWindow', 'due').state.value).toEqual({ handling: 'rewardReview' });
  });

  it('sends only a substantiated real-name tip-off to reward review', () => {
    expect(rewardReview().state.value).toEqual({ handling: 'rewardReview' });
    expect(notices(rewardReview().effects)).toEqual([`task-assigned actionRequired ${officer('rewardCommittee')}`]);
    expect(d.send(replied(unsubstantiated).state, 'conclude', 'tipOffOfficer').state.value).toBe('closed');
    const notRealName = { ...INTAKE, realName: false };
    expect(d.send(replied(() => substantiated(notRealName)).state, 'conclude', 'tipOffOfficer').state.value).toBe('closed');
    expect(d.send(replied(() => substantiated(ANONYMOUS)).state, 'conclude', 'system').state.value).toBe('closed');
  });
});

describe('reward (2018 rules: 15 % of the fine, at least 3,000, at most 300,000)', () => {
  const grant = (fineAmount: number, rewardAmount: number) => d.send(fined(fineAmount).state, 'grantReward', 'rewardCommittee', { rewardAmount, firstValidRealNameTipster: true });
  const cases: [fine: number, reward: number][] = [
    [0.01, 3000],
    [10000, 3000],
    [20000, 3000],
    [20001, 3000.15],
    [100000, 15000],
    [1999999.99, 299999.9985],
    [2000000, 300000],
    [2000001, 300000],
    [50000000, 300000],
  ];
  it.each(cases)('a fine of %d gives %d', (fine, reward) => {
    const r = grant(fine, Math.round(reward * 100) / 100);
    expect(r.state).toMatchObject({ value: { handling: 'rewardNotified' }, data: { fineAmount: fine, rewardAmount: Math.round(reward * 100) / 100 } });
    expect(notices(r.effects)).toEqual([`tipster-reply info tipsterContact=${TIPSTER.tipsterContact}`]);
  });

  it('refuses any other amount, and a fine of zero', () => {
    fails(() => grant(20001, 3000), 'guard_failed');
    fails(() => grant(20001, 3000.16), 'guard_failed');
    fails(() => grant(100000, 15000.01), 'guard_failed');
    fails(() => grant(10000, 1500), 'invalid_input');
    fails(() => grant(5000000, 750000), 'invalid_input');
    // No fine (a 不予处罚 decision): no reward from a fine.
    fails(() => grant(0, 3000), 'guard_failed');
    // The fine is the enforcement case's: without one ended there is none, and a typed one is refused.
    fails(() => d.send(rewardReview().state, 'grantReward', 'rewardCommittee', { rewardAmount: 15000, firstValidRealNameTipster: true }), 'guard_failed');
    fails(() => d.send(fined(100000).state, 'grantReward', 'rewardCommittee', { fineAmount: 1000000, rewardAmount: 150000, firstValidRealNameTipster: true }), 'invalid_input');
    fails(() => d.direct(fined(100000).state, { type: 'grantReward', payload: { rewardAmount: 15000, firstValidRealNameTipster: true }, actor: as('tipOffOfficer') }), 'forbidden');
  });

  it('grants a reward without a message when a real-name tipster left no contact (notice served in person)', () => {
    const walkIn = { ...INTAKE, channel: 'visit', tipsterContact: undefined };
    const review = d.send(enforced(100000, replied(() => substantiated(walkIn)).state).state, 'conclude', 'tipOffOfficer').state;
    const r = d.send(review, 'grantReward', 'rewardCommittee', { rewardAmount: 15000, firstValidRealNameTipster: true });
    expect(r.state).toMatchObject({ value: { handling: 'rewardNotified' }, data: { rewardAmount: 15000 } });
    expect(notices(r.effects)).toEqual([]);
  });

  it('举报奖励办法 2018: only the first valid real-name tipster is rewarded', () => {
    const e = fails(() => d.send(fined(100000).state, 'grantReward', 'rewardCommittee', { rewardAmount: 15000, firstValidRealNameTipster: false }), 'guard_failed');
    expect((e as unknown as { guardMessage: { zh: string } }).guardMessage.zh).toContain('首位有效实名举报人');
  });

  it('举报奖励办法 2018: an employee reporting the employer gets 20 % more, still at most 300,000', () => {
    const r = d.send(fined(100000).state, 'grantReward', 'rewardCommittee', { rewardAmount: 18000, employeeOfReportedParty: true, firstValidRealNameTipster: true });
    expect(r.state.data).toMatchObject({ rewardAmount: 18000, employeeOfReportedParty: true });
    fails(() => d.send(fined(100000).state, 'grantReward', 'rewardCommittee', { rewardAmount: 15000, employeeOfReportedParty: true, firstValidRealNameTipster: true }), 'guard_failed');
    expect(d.send(fined(2000000).state, 'grantReward', 'rewardCommittee', { rewardAmount: 300000, employeeOfReportedParty: true, firstValidRealNameTipster: true }).state.data.rewardAmount).toBe(300000);
  });

  it('举报奖励办法 2018: the reward is collected within 60 days of the notice, or forfeited', () => {
    const notified = d.send(fined(100000).state, 'grantReward', 'rewardCommittee', { rewardAmount: 15000, firstValidRealNameTipster: true });
    // 60 days from 2026-03-02 end on 2026-05-01 (劳动节), rolled over to 2026-05-06.
    expect(due(notified)).toEqual(['handling.rewardNotified#rewardClaim 2026-05-06 running']);
    const claimed = d.send(notified.state, 'claimReward', 'tipOffOfficer');
    expect(claimed.state).toMatchObject({ value: 'closed', data: { rewardClaimedAt: NOW.toISOString() } });
    expect(notices(claimed.effects)).toEqual([`case-closed closed ${officer('tipOffOfficer')}`]);
    const forfeited = d.fire(notified.state, 'handling.rewardNotified#rewardClaim', 'due', new Date('2026-05-06T16:00:00.000Z'));
    expect(forfeited.state).toMatchObject({ value: 'closed', data: { rewardForfeited: true } });
    fails(() => d.send(notified.state, 'forfeitReward', 'tipOffOfficer'), 'system_only_event');
  });

  it('举报奖励办法 2018: the fine is the one the linked enforcement case decided, recorded when it ended', () => {
    const opened = d.send(replied().state, 'openEnforcement', 'tipOffOfficer');
    // Handed to the reported party's regulator as a case of its own, linked back to the tip-off.
    expect(opened.effects.filter((e) => e.type === 'spawn-case')).toMatchObject([{ workflowId: 'enforcement', org: 'district-b', data: { source: 'tipOff', linkedCaseId: 'T1', partyName: INTAKE.reportedParty } }]);
    expect(opened.state.data.enforcementOpenedAt).toBe(NOW.toISOString());
    // Once per tip-off, and only a substantiated one.
    fails(() => d.send(opened.state, 'openEnforcement', 'tipOffOfficer'), 'guard_failed');
    fails(() => d.send(replied(unsubstantiated).state, 'openEnforcement', 'tipOffOfficer'), 'guard_failed');
    const ended = enforced(60000);
    expect(ended.state.data).toMatchObject({ fineAmount: 60000, enforcementOutcome: 'closed', penaltyDecisionNo: DECISION_NO });
    // Fields the spawn does not collect are not recorded, whatever the signal carries.
    const child = opened.state.children!.find((c) => c.workflowId === 'enforcement')!;
    const extra = d.direct(opened.state, { type: 'case.childDone', payload: { child: child.caseId, finalState: 'closed', result: { fineAmount: 1000, partyName: 'x' } }, actor: SPAWN });
    expect(extra.state.children!.find((c) => c.caseId === child.caseId)!.result).toEqual({ fineAmount: 1000 });
    // The record of enforcementCaseEnded itself, for the coverage check: nothing ended, no fine.
    expect(d.send(opened.state, 'enforcementCaseEnded', 'system').state.data.fineAmount).toBe(0);
  });

  it('denies a reward with a reason', () => {
    const r = d.send(rewardReview().state, 'denyReward', 'rewardCommittee', { rewardDenyReason: '非首位有效举报人' });
    expect(r.state).toMatchObject({ value: 'closed', data: { rewardDenyReason: '非首位有效举报人', closedAt: NOW.toISOString() } });
  });
});

describe('confidentiality of the tipster', () => {
  /** Every effect of a run through every path that writes to someone. */
  const allEffects = (): Effect[] => {
    const runs: StepResult[] = [];
    const keep = (r: StepResult) => (runs.push(r), r);
    keep(received());
    keep(d.send(received().state, 'notAccept', 'tipOffOfficer', { notAcceptReason: 'outOfScope' }));
    keep(d.send(received().state, 'forward', 'tipOffOfficer', { forwardTo: 'x', forwardReason: 'y' }));
    keep(d.fire(received().state, 'received#acceptance', 'due'));
    const v = keep(verifying()).state;
    keep(d.send(v, 'notifyTipsterOfExtension', 'tipOffOfficer', { extensionReason: '复杂' }));
    keep(d.fire(v, 'handling.verifying#verification', 'due'));
    keep(d.fire(v, 'handling.verifying#verification', 'remind'));
    const s = keep(d.send(v, 'substantiate', 'inspector', FINDINGS)).state;
    const rep = keep(d.send(s, 'reply', 'tipOffOfficer', { replyText: '已立案' })).state;
    const rev = keep(d.send(rep, 'requestReview', 'tipster', { reviewReason: 'x' })).state;
    const again = keep(d.send(rev, 'upholdFindings', 'inspector', { reviewFindings: '维持' })).state;
    const rr = keep(d.send(keep(enforced(100000, keep(d.send(again, 'reply', 'tipOffOfficer', { replyText: 'y' })).state)).state, 'conclude', 'tipOffOfficer')).state;
    keep(d.send(keep(d.send(rr, 'grantReward', 'rewardCommittee', { rewardAmount: 15000, firstValidRealNameTipster: true })).state, 'claimReward', 'tipOffOfficer'));
    return runs.flatMap((r) => r.effects);
  };

  it('never addresses the identity to a role outside tipOffOfficer and rewardCommittee without marking it confidential', () => {
    const effects = allEffects();
    const sent = notifyEffects(effects);
    expect(sent.length).toBeGreaterThan(10);
    for (const n of sent) {
      // Every notification carries the field → authorised roles map, so the dispatcher strips the identity for anyone else.
      expect(n.confidential).toEqual({ tipsterName: AUTHORISED, tipsterContact: AUTHORISED });
      const roles = n.to.flatMap((r) => ('role' in r ? [r.role] : []));
      const fields = n.to.flatMap((r) => ('field' in r ? [r.field] : []));
      // The tipster is written to alone, never on a message that also goes to officials.
      if (fields.length > 0) expect({ roles, fields, users: n.to.filter((r) => 'user' in r) }).toEqual({ roles: [], fields: ['tipsterContact'], users: [] });
      // The identity appears in recipients only where the tipster is the recipient.
      if (roles.length > 0) expect(JSON.stringify(n.to)).not.toContain(TIPSTER.tipsterContact);
      // An official outside the authorised roles sees the identity only through a confidential-marked field.
      for (const role of roles.filter((r) => !AUTHORISED.includes(r))) {
        for (const [field, allowed] of Object.entries(n.confidential)) expect(allowed, `${n.template} → ${role}: ${field}`).not.toContain(role);
        const shown = Object.entries(n.vars.data).filter(([k]) => !(k in n.confidential));
        expect(JSON.stringify(shown), `${n.template} → ${role}`).not.toContain(TIPSTER.tipsterName);
        expect(JSON.stringify(shown), `${n.template} → ${role}`).not.toContain(TIPSTER.tipsterContact);
      }
    }
    const templates = new Set(sent.map((n) => n.template));
    expect([...templates].sort()).toEqual(['case-closed', 'due-soon', 'overdue', 'task-assigned', 'tipster-reply']);
  });

  it('keeps the identity out of the hazard case it opens', () => {
    const spawn = substantiated().effects.find((e) => e.type === 'spawn-case');
    expect(spawn && JSON.stringify(spawn)).not.toMatch(/王举报|wang\.jubao/);
  });
});

describe('final states', () => {
  const finals: [string, () => CaseState][] = [
    ['notAccepted', () => d.send(received().state, 'notAccept', 'tipOffOfficer', { notAcceptReason: 'outOfScope' }).state],
    ['forwarded', () => d.send(received().state, 'forward', 'tipOffOfficer', { forwardTo: 'x', forwardReason: 'y' }).state],
    ['closed', () => d.send(replied(unsubstantiated).state, 'conclude', 'tipOffOfficer').state],
  ];
  it.each(finals)('%s absorbs every event with case_closed', (name, reach) => {
    const s = reach();
    expect(s).toMatchObject({ value: name, status: 'done' });
    for (const type of [...Object.keys(tipOffWorkflow.events), 'bogus']) fails(() => d.direct(s, { type, payload: {}, actor: as(...tipOffWorkflow.roles) }), 'case_closed');
  });
});

describe('a concealed accident (举报奖励办法 2018; 493号令 第三十六条)', () => {
  const CONCEALED = { findings: '经核查，该厂3月1日发生机械伤害事故致2人死亡，未报告', matterKind: 'concealedAccident' };

  it('opens an accident case at the regulator of the reported party, linked as a child, instead of a hazard case', () => {
    const r = d.send(verifying().state, 'substantiate', 'inspector', CONCEALED);
    expect(r.state).toMatchObject({ value: { handling: 'replying' }, data: { matterKind: 'concealedAccident', accidentOrgs: ['district-b'], hazardOrgs: [] } });
    const spawns = r.effects.filter((e) => e.type === 'spawn-case');
    expect(spawns).toHaveLength(1);
    expect(spawns[0]).toMatchObject({ workflowId: 'accident', org: 'district-b', stateId: 'handling.substantiatedAccident', data: { tipOffCaseId: 'T1', enterpriseName: '某机械厂', concealment: 'concealed', concealmentDiscoveredVia: 'tipOff' } });
    expect(JSON.stringify(spawns)).not.toContain(TIPSTER.tipsterName);
    expect(r.state.children).toEqual([expect.objectContaining({ workflowId: 'accident', finalState: null })]);
    const child = r.state.children![0]!.caseId;
    const ended = d.direct(r.state, { type: 'case.childDone', payload: { child, finalState: 'closed' }, actor: SPAWN });
    expect(ended.state.data.accidentOutcome).toBe('closed');
    // The record of accidentCaseEnded itself, for the coverage check.
    expect(d.send(r.state, 'accidentCaseEnded', 'system').state.data.accidentOutcome).toBeNull();
  });

  it('a review that overturns an unsubstantiated conclusion can open the accident case', () => {
    const rev = d.send(d.send(replied(unsubstantiated).state, 'requestReview', 'tipster', { reviewReason: '确有瞒报' }).state, 'overturnFindings', 'inspector', { ...CONCEALED, reviewFindings: '复核认定属实' });
    expect(rev.effects.find((e) => e.type === 'spawn-case')).toMatchObject({ workflowId: 'accident' });
  });

  it('pays per concealed death by grade (30k/40k/50k/60k), +20 % for an employee, at most 300,000', () => {
    const review = d.send(d.send(d.send(verifying().state, 'substantiate', 'inspector', CONCEALED).state, 'reply', 'tipOffOfficer', { replyText: '经核查属实，已移交事故调查' }).state, 'conclude', 'tipOffOfficer').state;
    const grant = (p: Record<string, unknown>) => d.send(review, 'grantReward', 'rewardCommittee', { firstValidRealNameTipster: true, ...p });
    expect(grant({ concealedDeaths: 2, concealedAccidentGrade: 'general', rewardAmount: 60000 }).state.data.rewardAmount).toBe(60000);
    expect(grant({ concealedDeaths: 3, concealedAccidentGrade: 'serious', rewardAmount: 120000 }).state.data.rewardAmount).toBe(120000);
    expect(grant({ concealedDeaths: 3, concealedAccidentGrade: 'serious', employeeOfReportedParty: true, rewardAmount: 144000 }).state.data.rewardAmount).toBe(144000);
    expect(grant({ concealedDeaths: 10, concealedAccidentGrade: 'major', rewardAmount: 300000 }).state.data.rewardAmount).toBe(300000);
    fails(() => grant({ concealedDeaths: 2, concealedAccidentGrade: 'general', rewardAmount: 3000 }), 'guard_failed');
    // The fine-based formula does not apply to a concealed accident.
    fails(() => grant({ rewardAmount: 15000 }), 'guard_failed');
  });
});

describe('transition coverage of the pure tests', () => {
  it('took every declared transition', () => {
    expect(d.untaken()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

describe('a substantiated tip-off through the engine', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  it('spawns a hazard case in the reported party’s org, linked both ways, and records its write-off', async () => {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    const clock = createManualClock(NOW);
    const engine = await createEngine({ store, clock, workflows: [hazardWorkflow, tipOffWorkflow] });
    const intake: Actor = { id: 'hotline', roles: ['tipOffOfficer'], org: 'city' };
    const inspectorCity: Actor = { id: 'inspector-chen', roles: ['inspector'], org: 'city' };
    const { case: tip } = await engine.createCase({ workflowId: 'tip-off', org: 'city', data: INTAKE, actor: intake, caseId: 'T-2026-0042' });
    await engine.send(tip.id, { type: 'accept', payload: {} }, intake);
    await engine.send(tip.id, { type: 'substantiate', payload: FINDINGS }, inspectorCity);

    const parent = (await store.getCase(tip.id))!;
    expect(parent.state.value).toEqual({ handling: 'replying' });
    const [child] = parent.state.children!;
    expect(child).toMatchObject({ workflowId: 'hazard', org: 'district-b', stateId: 'handling.substantiated', finalState: null });
    const hazard = (await store.getCase(child!.caseId))!;
    expect(hazard).toMatchObject({ workflowId: 'hazard', org: 'district-b', state: { value: 'draft', parent: { caseId: tip.id, stateId: 'handling.substantiated', index: 0 } } });
    expect(hazard.state.data).toMatchObject({ source: 'tipOff', tipOffCaseId: tip.id, description: FINDINGS.findings, enterpriseId: 'E-2001', location: INTAKE.location, sector: '工贸' });
    expect(JSON.stringify(hazard.state.data)).not.toMatch(/王举报|wang\.jubao/);
    expect((await engine.history(hazard.id))[0]?.payload).toMatchObject({ parent: { caseId: tip.id } });
    expect((await engine.listTasks({ orgs: ['district-b'] })).map((t) => [t.caseId, t.stateId])).toEqual([[hazard.id, 'draft']]);

    // The hazard runs its own course in district-b; its write-off reaches the tip-off.
    const inspectorB: Actor = { id: 'inspector-b', roles: ['inspector'], org: 'district-b' };
    await setDocNumberPrefix(store, { org: 'district-b', series: 'rectificationOrder', prefix: '责改', setBy: 'admin', at: NOW.toISOString() });
    const hazardSteps: [string, Actor, Record<string, unknown>][] = [
      ['submit', inspectorB, { source: 'tipOff', tipOffCaseId: tip.id, location: INTAKE.location, enterpriseId: 'E-2001', sector: '工贸', description: FINDINGS.findings, photos: ['files/site.jpg'], foundAt: NOW.toISOString(), hazardCategory: '粉尘防爆' }],
      ['accept', { id: 'township-b', roles: ['townshipSafetyOffice'], org: 'district-b' }, { jurisdictionConfirmed: true, dedupeKey: 'E-2001/粉尘防爆' }],
      ['grade', inspectorB, { grade: 'general', responsibleUnit: 'E-2001', rectificationDeadline: '2026-03-16' }],
      ['issueOrder', inspectorB, { orderDeadline: '2026-03-16', measures: '加装泄爆装置' }],
      ['submitRectification', { id: 'e-2001-safety', roles: ['enterpriseSafetyOfficer'], org: 'district-b' }, { rectificationEvidence: ['files/after.jpg'], rectificationCost: 8000, completedOn: '2026-03-10' }],
      ['pass', inspectorB, { reinspectionOpinion: '整改到位', signatures: ['陈'] }],
    ];
    for (const [type, actor, payload] of hazardSteps) await engine.send(hazard.id, { type, payload }, actor);
    expect((await engine.getCase(hazard.id)).stateLabel).toBe('closed');
    const signals = (await store.timers.listDue('2099-01-01T00:00:00.000Z', 10)).filter((t) => t.kind === 'signal');
    expect(signals.map((t) => [t.caseId, t.deadlineKey])).toEqual([[tip.id, hazard.id]]);
    await engine.fireTimer(signals[0]!);
    const after = (await store.getCase(tip.id))!;
    expect(after.state).toMatchObject({ value: { handling: 'replying' }, data: { hazardOutcome: 'closed' } });
    expect(after.state.children?.[0]?.finalState).toBe('closed');

    // Nothing the hazard case sent carries the tipster's identity; the tip-off's own rows mark it confidential.
    const rows = (await store.knex('outbox').select('case_id', 'template', 'vars', 'confidential')) as { case_id: string; template: string; vars: string; confidential: string }[];
    for (const row of rows.filter((r) => r.case_id === hazard.id)) expect(row.vars).not.toMatch(/王举报|wang\.jubao/);
    for (const row of rows.filter((r) => r.case_id === tip.id)) expect(JSON.parse(row.confidential)).toEqual({ tipsterName: AUTHORISED, tipsterContact: AUTHORISED });
    expect(rows.filter((r) => r.case_id === hazard.id).map((r) => r.template)).toContain('case-closed');
    expect((await engine.verify()).ok).toBe(true);
  });
});
