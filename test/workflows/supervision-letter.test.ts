import { afterEach, describe, expect, it } from 'vitest';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { TIMER_ACTOR, type CaseState } from '../../engine/core/types.js';
import type { StepResult } from '../../engine/core/step.js';
import { createEngine, createManualClock, type Actor, type Engine, type KnexStore, type ManualClock } from '../../engine/index.js';
import { createTemplateCatalog } from '../../notifications/templates.js';
import { builtinWorkflows, circularReceiptWorkflow, circularWorkflow, hazardWorkflow, interviewWorkflow, supervisionAssignmentWorkflow as exportedAssignment, supervisionLetterWorkflow as exportedLetter, tipOffWorkflow } from '../../workflows/index.js';
import { supervisionAssignmentWorkflow, supervisionLetterWorkflow } from '../../workflows/supervision-letter.js';
import { notices, notifyEffects } from '../support/notify-effects.js';
import { freshSqliteStore } from '../support/stores.js';
import { setDocNumberPrefix } from '../../server/doc-numbers.js';
import { as, builtinEnv, createDriver, fails, fireDueTimers, ORG, tasks, timers } from '../support/workflow-driver.js';

const NOW = new Date('2026-03-02T02:00:00.000Z'); // Monday 10:00 in Shanghai
const env = builtinEnv();
const letter = createDriver(supervisionLetterWorkflow, { env, now: NOW, caseId: 'L1' });
const assignment = createDriver(supervisionAssignmentWorkflow, { env, now: NOW, caseId: 'L1-c4-0' });
const SPAWN: Actor = { id: 'system:spawn', roles: ['system'] };
const at = (...roles: string[]) => roles.map((r) => `${r}@${ORG}`).join(',');

const UNITS = [
  { org: 'district-a', name: 'A区应急管理局', lead: true },
  { org: 'district-b', name: 'B区应急管理局', lead: false },
  { org: 'district-c', name: 'C区应急管理局', lead: false },
];
/** The 文号 the counter gives the city office's first letter of 2026 (prefix 江安委办督): never typed. */
const LETTER_NO = '江安委办督〔2026〕1号';
const DRAFT = {
  title: '关于督促整改粉尘涉爆重大事故隐患的函',
  basis: '《中华人民共和国安全生产法》第六十五条',
  matters: '对辖区粉尘涉爆企业除尘系统逐一排查，3月16日前书面报送整改情况',
  deadline: '2026-03-16',
  units: UNITS,
  replyFormat: '书面回复，加盖公章，一事一报',
  contact: '安委办 李督 0791-88880000',
  urgency: 'urgent',
  linkedCaseIds: ['hazard-1001'],
};
const SIGN = { signatory: '张副市长', issueDate: '2026-03-02' };
/** The signing as the pure step receives it: the runtime has written the number into the payload. */
const SIGNED = { ...SIGN, letterNo: LETTER_NO };

// ---------------------------------------------------------------------------
// The letter, step by step (pure).

const drafting = () => letter.start({}, NOW);
const underReview = (draft: Record<string, unknown> = DRAFT) => letter.send(drafting().state, 'submitDraft', 'safetyCommitteeOffice', draft);
const signing = () => letter.send(underReview().state, 'approveDraft', 'regulatorReviewer', { reviewComments: '同意' });
const issued = (draft: Record<string, unknown> = DRAFT) =>
  letter.run(letter.send(underReview(draft).state, 'approveDraft', 'regulatorReviewer').state, [['sign', 'safetyCommitteeLeader', SIGNED]]);
const childDone = (state: CaseState, index: number, finalState = 'accepted') =>
  letter.direct(state, { type: 'case.childDone', payload: { child: state.children![index]!.caseId, finalState }, actor: SPAWN });

describe('supervision-letter definitions', () => {
  it('compile, pass the template check and are registered after the workflows they spawn', () => {
    const templates = createTemplateCatalog();
    for (const wf of [supervisionLetterWorkflow, supervisionAssignmentWorkflow]) expect(validateDefinition(wf, { templates }).ok).toBe(true);
    expect(exportedLetter).toBe(supervisionLetterWorkflow);
    expect(exportedAssignment).toBe(supervisionAssignmentWorkflow);
    const order = builtinWorkflows.map((w) => w.id);
    expect(order.indexOf('supervision-assignment')).toBeLessThan(order.indexOf('supervision-letter'));
    expect(order.indexOf('hazard')).toBeLessThan(order.indexOf('tip-off'));
    expect(builtinWorkflows).toEqual(expect.arrayContaining([hazardWorkflow, tipOffWorkflow]));
  });

  it('declares the states of DOMAIN §6.2', () => {
    expect(letter.wf.tree.nodes.map((n) => n.id).sort()).toEqual(['archived', 'completed', 'drafting', 'issued', 'reviewing', 'signing', 'underReview', 'withdrawn']);
    expect(assignment.wf.tree.nodes.map((n) => n.id).sort()).toEqual(['accepted', 'acknowledged', 'dispatched', 'inProgress', 'replied']);
    expect(supervisionLetterWorkflow.states.issued.spawn).toMatchObject({ workflow: 'supervision-assignment', forEach: 'units', onChildDone: 'assignmentEnded' });
  });
});

describe('the letter: drafting, review, signing', () => {
  it('records the draft, computes the lead unit and hands it to review', () => {
    const r = underReview();
    expect(r.state.value).toBe('underReview');
    expect(r.state.data).toMatchObject({ ...DRAFT, leadOrg: 'district-a', leadReplyConsolidates: false, draftedBy: 'u-safetyCommitteeOffice', reminderCount: 0, acceptedUnits: 0 });
    expect(tasks(r.effects)).toEqual(['-drafting', '+underReview@regulatorReviewer']);
    expect(notices(r.effects)).toEqual([`task-assigned actionRequired ${at('regulatorReviewer')}`]);
  });

  it('refuses two lead units, a consolidated reply without a lead and a deadline in the past', () => {
    const noLead = UNITS.map((u) => ({ ...u, lead: false }));
    fails(() => letter.direct(drafting().state, { type: 'submitDraft', payload: { ...DRAFT, units: UNITS.map((u) => ({ ...u, lead: true })) }, actor: as('safetyCommitteeOffice') }), 'guard_failed');
    fails(() => letter.direct(drafting().state, { type: 'submitDraft', payload: { ...DRAFT, units: noLead, leadReplyConsolidates: true }, actor: as('safetyCommitteeOffice') }), 'guard_failed');
    fails(() => letter.direct(drafting().state, { type: 'submitDraft', payload: { ...DRAFT, deadline: '2026-03-02' }, actor: as('safetyCommitteeOffice') }), 'guard_failed');
    fails(() => letter.direct(drafting().state, { type: 'submitDraft', payload: { ...DRAFT, units: [] }, actor: as('safetyCommitteeOffice') }), 'invalid_input');
    fails(() => letter.direct(drafting().state, { type: 'submitDraft', payload: { ...DRAFT, urgency: 'whenever' }, actor: as('safetyCommitteeOffice') }), 'invalid_input');
    expect(underReview({ ...DRAFT, units: noLead }).state.data.leadOrg).toBeNull();
  });

  it('returns a draft with comments, and tells the office', () => {
    const r = letter.send(underReview().state, 'returnDraft', 'regulatorReviewer', { reviewComments: '补充督办依据' });
    expect(r.state).toMatchObject({ value: 'drafting', data: { reviewComments: '补充督办依据' } });
    expect(notices(r.effects)).toEqual([`task-assigned actionRequired ${at('safetyCommitteeOffice')}`]);
    fails(() => letter.direct(underReview().state, { type: 'returnDraft', payload: {}, actor: as('regulatorReviewer') }), 'invalid_input');
    fails(() => letter.direct(underReview().state, { type: 'approveDraft', payload: {}, actor: as('safetyCommitteeOffice') }), 'forbidden');
  });

  it('withdraws a letter from drafting or review, not after signing', () => {
    expect(letter.send(drafting().state, 'withdraw', 'safetyCommitteeOffice', { withdrawReason: '事项已办结' }).state).toMatchObject({ value: 'withdrawn', status: 'done' });
    expect(letter.send(underReview().state, 'withdraw', 'safetyCommitteeOffice', { withdrawReason: '重复立项' }).state).toMatchObject({ value: 'withdrawn', status: 'done' });
    fails(() => letter.direct(signing().state, { type: 'withdraw', payload: { withdrawReason: 'x' }, actor: as('safetyCommitteeOffice') }), 'invalid_transition');
  });

  it('is signed by the safety committee leader, with an issue date before the deadline', () => {
    const s = signing();
    expect(s.state.value).toBe('signing');
    expect(notices(s.effects)).toEqual([`task-assigned actionRequired ${at('safetyCommitteeLeader')}`]);
    fails(() => letter.direct(s.state, { type: 'sign', payload: SIGN, actor: as('safetyCommitteeOffice') }), 'forbidden');
    fails(() => letter.direct(s.state, { type: 'sign', payload: { ...SIGN, issueDate: '2026-03-16' }, actor: as('safetyCommitteeLeader') }), 'guard_failed');
  });
});

describe('the letter: issue and fan-out', () => {
  it('spawns one assignment per unit, each in its own org with the letter’s data', () => {
    const r = issued();
    expect(r.state.value).toBe('issued');
    const spawns = r.effects.filter((e) => e.type === 'spawn-case');
    expect(spawns.map((e) => e.type === 'spawn-case' && [e.workflowId, e.org, e.childCaseId])).toEqual([
      ['supervision-assignment', 'district-a', 'L1-c4-0'],
      ['supervision-assignment', 'district-b', 'L1-c4-1'],
      ['supervision-assignment', 'district-c', 'L1-c4-2'],
    ]);
    expect(spawns[1]).toMatchObject({
      data: { letterCaseId: 'L1', letterNo: LETTER_NO, title: DRAFT.title, matters: DRAFT.matters, unitName: 'B区应急管理局', lead: false, urgency: 'urgent', letterDeadline: '2026-03-16', replyDue: '2026-03-16', issuerOrg: ORG },
    });
    expect(r.state.children?.map((c) => [c.org, c.finalState])).toEqual([['district-a', null], ['district-b', null], ['district-c', null]]);
    expect(tasks(r.effects)).toEqual(['-signing', '+issued@safetyCommitteeOffice']);
  });

  it('waits until no assignment is left unaccepted', () => {
    let s = issued().state;
    s = childDone(s, 0).state;
    expect(s).toMatchObject({ value: 'issued', data: { acceptedUnits: 1 } });
    s = childDone(s, 2).state;
    expect(s).toMatchObject({ value: 'issued', data: { acceptedUnits: 2 } });
    const r = childDone(s, 1);
    expect(r.state).toMatchObject({ value: 'reviewing', data: { acceptedUnits: 3 } });
    expect(tasks(r.effects)).toEqual(['-issued', '+reviewing@safetyCommitteeLeader', '+reviewing@regulatorLeader']);
  });

  it('moves on when the lead unit’s consolidated reply is accepted, if the letter says so', () => {
    let s = issued({ ...DRAFT, leadReplyConsolidates: true }).state;
    s = childDone(s, 1).state;
    expect(s.value).toBe('issued');
    expect(childDone(s, 0).state.value).toBe('reviewing');
    // Without consolidation the lead is one unit among others.
    expect(childDone(issued().state, 0).state.value).toBe('issued');
  });

  it('records the end of an assignment sent directly by the system, and refuses people', () => {
    const s = issued().state;
    expect(letter.send(s, 'assignmentEnded', 'system').state.value).toBe('issued');
    fails(() => letter.direct(s, { type: 'assignmentEnded', payload: {}, actor: as('safetyCommitteeOffice') }), 'system_only_event');
    const all = { ...s, children: s.children!.map((c) => ({ ...c, finalState: 'accepted' })) };
    expect(letter.send(all, 'assignmentEnded', 'system').state.value).toBe('reviewing');
  });
});

describe('the letter: reminders and escalation', () => {
  it('logs a reminder to one unit and sends it the reminder letter', () => {
    const r = letter.send(issued().state, 'remind', 'safetyCommitteeOffice', { unitOrg: 'district-c', method: 'phone', note: '电话督促C区' });
    expect(r.state).toMatchObject({ value: 'issued', data: { reminderCount: 1, escalationTargetOrg: 'district-c', reminderLog: [`${NOW.toISOString()} district-c phone 电话督促C区`] } });
    expect(notices(r.effects)).toEqual(['reminder-letter actionRequired unitHandler@district-c,unitHead@district-c']);
    const again = letter.send(r.state, 'remind', 'system', { unitOrg: 'district-c', method: 'letter' });
    expect(again.state.data).toMatchObject({ reminderCount: 2 });
    expect(again.state.data.reminderLog).toHaveLength(2);
    fails(() => letter.direct(issued().state, { type: 'remind', payload: { unitOrg: 'district-x', method: 'phone' }, actor: as('safetyCommitteeOffice') }), 'guard_failed');
  });

  it('circulates and interviews a unit, by the safety committee leader only', () => {
    let r = letter.send(issued().state, 'escalateCircular', 'safetyCommitteeLeader', { unitOrg: 'district-c', circularNo: '江安委办通〔2026〕2号', content: '逾期未回复，予以通报' });
    expect(r.state.data).toMatchObject({ circularCount: 1, circularLog: [`${NOW.toISOString()} district-c 江安委办通〔2026〕2号`] });
    // The leader's decision opens a circular as a linked case for the office to draft; nothing is circulated until it is signed.
    expect(notices(r.effects)).toEqual([`task-assigned actionRequired ${at('safetyCommitteeOffice')}`]);
    expect(r.effects.filter((e) => e.type === 'spawn-case')).toMatchObject([{ workflowId: 'circular', org: ORG, data: { kind: 'criticism', body: '逾期未回复，予以通报', source: 'supervisionLetter', linkedCaseId: 'L1' } }]);
    expect(r.state.children).toMatchObject([...issued().state.children!.map(() => ({ workflowId: 'supervision-assignment' })), { workflowId: 'circular', stateId: 'issued' }]);
    r = letter.send(r.state, 'escalateInterview', 'safetyCommitteeLeader', { unitOrg: 'district-c', interviewAt: '2026-03-25T01:00:00.000Z', subject: '督办事项逾期未办结' });
    expect(r.state).toMatchObject({ value: 'issued', data: { interviewCount: 1, interviewLog: ['2026-03-25T01:00:00.000Z district-c 督办事项逾期未办结'] } });
    expect(notices(r.effects)).toEqual(['interview-notice escalated unitHead@district-c']);
    expect(r.effects.filter((e) => e.type === 'spawn-case')).toMatchObject([{ workflowId: 'interview', org: ORG, data: { intervieweeOrg: 'district-c', reason: '督办事项逾期未办结', meetingAt: '2026-03-25T01:00:00.000Z', linkedCaseId: 'L1' } }]);
    fails(() => letter.direct(issued().state, { type: 'escalateCircular', payload: { unitOrg: 'district-c', circularNo: 'x', content: 'y' }, actor: as('safetyCommitteeOffice') }), 'forbidden');
    fails(() => letter.direct(signing().state, { type: 'remind', payload: { unitOrg: 'district-c', method: 'phone' }, actor: as('safetyCommitteeOffice') }), 'invalid_transition');
  });
});

describe('the letter: completion and archive', () => {
  it('completes, tells the office, and archives', () => {
    const reviewing = letter.send({ ...issued().state, children: issued().state.children!.map((c) => ({ ...c, finalState: 'accepted' })) }, 'assignmentEnded', 'system');
    // 或签: one of the leaders approves, with the opinion on the signature.
    expect(reviewing.state.signs?.reviewing?.slots.map((x) => x.role)).toEqual(['safetyCommitteeLeader', 'regulatorLeader']);
    let r = letter.send(reviewing.state, 'task.sign', 'regulatorLeader', { task: 'reviewing', decision: 'approve', comment: '各单位均已整改到位' });
    expect((r as unknown as { transition: string }).transition).toBe('states.reviewing.on.complete');
    expect(r.state).toMatchObject({ value: 'completed', data: { completedAt: NOW.toISOString() } });
    expect(notices(r.effects)).toEqual([`case-closed closed ${at('safetyCommitteeOffice')}`]);
    r = letter.send(r.state, 'archive', 'safetyCommitteeOffice', { archiveRef: '2026-督-005' });
    expect(r.state).toMatchObject({ value: 'archived', status: 'done', data: { archiveRef: '2026-督-005' } });
    fails(() => letter.direct(reviewing.state, { type: 'task.sign', payload: { task: 'reviewing', decision: 'approve' }, actor: as('safetyCommitteeOffice') }), 'forbidden');
    fails(() => letter.direct(reviewing.state, { type: 'complete', payload: {}, actor: as('safetyCommitteeLeader') }), 'system_only_event');
  });

  it('starts the leaders\' review again when every leader refuses', () => {
    const reviewing = letter.send({ ...issued().state, children: issued().state.children!.map((c) => ({ ...c, finalState: 'accepted' })) }, 'assignmentEnded', 'system');
    let r = letter.send(reviewing.state, 'task.sign', 'regulatorLeader', { task: 'reviewing', decision: 'reject', comment: '整改材料不全' });
    expect(r.state.value).toBe('reviewing');
    r = letter.send(r.state, 'task.sign', 'safetyCommitteeLeader', { task: 'reviewing', decision: 'reject' });
    expect((r as unknown as { transition: string }).transition).toBe('states.reviewing.on.reviewRejected');
    expect(r.state).toMatchObject({ value: 'reviewing', data: { reviewRejections: 1 } });
    expect(r.state.signs?.reviewing?.signatures).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// The assignment, step by step (pure).

const CHILD = { letterCaseId: 'L1', letterNo: LETTER_NO, title: DRAFT.title, matters: DRAFT.matters, unitName: 'A区应急管理局', lead: true, urgency: 'urgent', letterDeadline: '2026-03-16', replyDue: '2026-03-16', issuerOrg: 'city' };
const office = { id: 'office-1', roles: ['safetyCommitteeOffice'], org: 'city' };
const dispatched = () => assignment.start(CHILD, NOW);
const inProgress = () => assignment.run(dispatched().state, [['acknowledge', 'unitHandler', { receiver: '王收文' }], ['startWork', 'unitHead', { handler: '赵承办' }]]);
const REPLY = { resultReport: '已完成12家企业除尘系统改造', evidence: ['files/report.pdf'] };
const replied = () => assignment.send(inProgress().state, 'reply', 'unitHead', REPLY);
const fire = (s: CaseState, key: string, kind: 'remind' | 'due' | 'escalate', at = NOW): StepResult => assignment.fire(s, key, kind, at);
const due = (r: StepResult) => r.state.deadlines.map((d) => `${d.key} ${d.dueDate} ${d.status}`);

describe('the assignment: dispatch and acknowledgement', () => {
  it('tells the unit on dispatch and gives it one working day to acknowledge', () => {
    const r = dispatched();
    expect(r.state.value).toBe('dispatched');
    expect(r.state.data).toMatchObject({ ...CHILD, reworkCount: 0, extensionCount: 0, extensionPending: false, overdue: false });
    expect(notices(r.effects)).toEqual([`supervision-letter-issued actionRequired ${at('unitHandler', 'unitHead')}`]);
    expect(due(r)).toEqual(['dispatched#acknowledge 2026-03-03 running']);
    expect(tasks(r.effects)).toEqual(['+dispatched@unitHandler']);
  });

  it('sends an acknowledged warning (叫应) up the chain when nobody acknowledges in time', () => {
    const r = fire(dispatched().state, 'dispatched#acknowledge', 'due');
    expect(r.state).toMatchObject({ value: 'dispatched', data: { ackOverdue: true } });
    const [warning] = notifyEffects(r.effects);
    expect(warning).toMatchObject({
      template: 'acknowledged-warning',
      kind: 'acknowledgedWarning',
      to: [{ role: 'unitHandler', org: ORG }],
      ack: { within: 'PT4H', chain: [[{ role: 'unitHead', org: ORG }], [{ role: 'safetyCommitteeOffice', org: 'city' }]] },
      vars: { deadline: { key: 'dispatched#acknowledge', status: 'overdue' } },
    });
  });

  it('records the receipt slip and the handler', () => {
    const a = assignment.send(dispatched().state, 'acknowledge', 'unitHandler', { receiver: '王收文', receivedAt: '2026-03-02T03:00:00.000Z' });
    expect(a.state).toMatchObject({ value: 'acknowledged', data: { receiver: '王收文', receivedAt: '2026-03-02T03:00:00.000Z' } });
    expect(a.state.deadlines).toEqual([]);
    expect(assignment.send(dispatched().state, 'acknowledge', 'unitHead', { receiver: '王收文' }).state.data.receivedAt).toBe(NOW.toISOString());
    const r = inProgress();
    expect(r.state).toMatchObject({ value: 'inProgress', data: { handler: '赵承办', startedAt: NOW.toISOString() } });
    fails(() => assignment.direct(dispatched().state, { type: 'acknowledge', payload: { receiver: 'x' }, actor: as('safetyCommitteeOffice') }), 'forbidden');
  });
});

describe('the assignment: handling, extension, reply', () => {
  it('runs the reply clock to the letter deadline with a due-soon reminder two working days before', () => {
    const r = inProgress();
    expect(due(r)).toEqual(['inProgress#reply 2026-03-16 running']);
    // Due at 24:00 on the 16th (Asia/Shanghai); reminded at the end of the 11th, two working days (12th, 13th) before the due day.
    expect(timers(r.effects).filter((t) => t.startsWith('set'))).toEqual(['set inProgress#reply due 2026-03-16T16:00:00.000Z', 'set inProgress#reply remind 2026-03-11T16:00:00.000Z']);
    const remind = fire(r.state, 'inProgress#reply', 'remind');
    expect(notices(remind.effects)).toEqual([`due-soon dueSoon ${at('unitHandler')}`]);
  });

  it('logs progress reports without leaving the state', () => {
    const r = assignment.send(inProgress().state, 'submitProgress', 'unitHandler', { progressReport: '已完成8家' });
    expect(r.state).toMatchObject({ value: 'inProgress', data: { progressCount: 1, progressReports: [`${NOW.toISOString()} 已完成8家`] } });
    expect(r.effects).toEqual([]);
  });

  it('takes an extension request before the deadline and restarts the clock on the granted date', () => {
    const s = inProgress().state;
    const req = { extensionReason: '设备到货延迟', requestedDue: '2026-03-27' };
    let r = assignment.send(s, 'requestExtension', 'unitHead', req);
    expect(r.state).toMatchObject({ value: 'inProgress', data: { extensionPending: true, ...req, replyDue: '2026-03-16' } });
    expect(notices(r.effects)).toEqual(['task-assigned actionRequired safetyCommitteeOffice@city']);
    fails(() => assignment.direct(r.state, { type: 'requestExtension', payload: req, actor: as('unitHead') }), 'guard_failed');
    r = assignment.send(r.state, 'grantExtension', office);
    expect(r.state).toMatchObject({ value: 'inProgress', data: { extensionPending: false, replyDue: '2026-03-27', extensionCount: 1 } });
    expect(due(r)).toEqual(['inProgress#reply 2026-03-27 running']);
    expect(timers(r.effects)).toEqual([
      'cancel inProgress#reply due',
      'cancel inProgress#reply remind',
      'set inProgress#reply due 2026-03-27T16:00:00.000Z',
      'set inProgress#reply remind 2026-03-24T16:00:00.000Z',
    ]);
    expect(notices(r.effects)).toEqual([`extension-granted info ${at('unitHandler', 'unitHead')}`]);
    // A second request may name a date the office shortens.
    r = assignment.send(r.state, 'requestExtension', 'unitHandler', { extensionReason: '再次延期', requestedDue: '2026-04-10' });
    r = assignment.send(r.state, 'grantExtension', office, { grantedDue: '2026-04-03' });
    expect(r.state.data).toMatchObject({ replyDue: '2026-04-03', extensionCount: 2 });
  });

  it('refuses a request on or after the deadline, or for an earlier date', () => {
    const s = inProgress().state;
    const req = { extensionReason: '设备到货延迟', requestedDue: '2026-03-27' };
    expect(assignment.direct(s, { type: 'requestExtension', payload: req, actor: as('unitHead') }, new Date('2026-03-16T15:59:00.000Z')).state.data.extensionPending).toBe(true);
    fails(() => assignment.direct(s, { type: 'requestExtension', payload: req, actor: as('unitHead') }, new Date('2026-03-16T16:00:00.000Z')), 'guard_failed');
    fails(() => assignment.direct(s, { type: 'requestExtension', payload: { ...req, requestedDue: '2026-03-16' }, actor: as('unitHead') }), 'guard_failed');
    fails(() => assignment.direct(s, { type: 'grantExtension', payload: {}, actor: office }), 'guard_failed');
  });

  it('denies an extension and keeps the deadline', () => {
    let r = assignment.send(inProgress().state, 'requestExtension', 'unitHandler', { extensionReason: 'x', requestedDue: '2026-03-27' });
    r = assignment.send(r.state, 'denyExtension', office, { extensionDenyReason: '理由不充分' });
    expect(r.state.data).toMatchObject({ extensionPending: false, replyDue: '2026-03-16', extensionDenyReason: '理由不充分', extensionCount: 0 });
    expect(notices(r.effects)).toEqual([`extension-denied info ${at('unitHandler', 'unitHead')}`]);
    expect(timers(r.effects)).toEqual([]);
    fails(() => assignment.direct(r.state, { type: 'denyExtension', payload: { extensionDenyReason: 'x' }, actor: office }), 'guard_failed');
    fails(() => assignment.direct(r.state, { type: 'grantExtension', payload: {}, actor: as('unitHead') }), 'forbidden');
  });

  it('replies, and the issuing office reviews within three working days', () => {
    const r = replied();
    expect(r.state).toMatchObject({ value: 'replied', data: { ...REPLY, repliedAt: NOW.toISOString() } });
    expect(r.effects.filter((e) => e.type === 'open-task')).toMatchObject([{ stateId: 'replied', role: 'safetyCommitteeOffice', org: 'city' }]);
    expect(notices(r.effects)).toEqual(['task-assigned actionRequired safetyCommitteeOffice@city']);
    expect(due(r)).toEqual(['replied#review 2026-03-05 running']);
    const late = fire(r.state, 'replied#review', 'due');
    expect(late.state.data.reviewOverdue).toBe(true);
    expect(notices(late.effects)).toEqual(['overdue overdue safetyCommitteeOffice@city']);
    fails(() => assignment.direct(inProgress().state, { type: 'reply', payload: { resultReport: 'x', evidence: [] }, actor: as('unitHead') }), 'invalid_input');
  });

  it('returns a reply for rework with a new date, then accepts it', () => {
    let r = assignment.send(replied().state, 'returnForRework', office, { reviewComments: '佐证材料不全', reworkDue: '2026-03-20' });
    expect(r.state).toMatchObject({ value: 'inProgress', data: { reworkCount: 1, reviewComments: '佐证材料不全', replyDue: '2026-03-20' } });
    expect(notices(r.effects)).toEqual([`reply-returned actionRequired ${at('unitHandler', 'unitHead')}`]);
    expect(due(r)).toEqual(['inProgress#reply 2026-03-20 running']);
    r = assignment.run(r.state, [['reply', 'unitHandler', REPLY], ['returnForRework', office, { reviewComments: '仍需补充' }]]);
    expect(r.state.data).toMatchObject({ reworkCount: 2, replyDue: '2026-03-20' });
    r = assignment.run(r.state, [['reply', 'unitHandler', REPLY], ['accept', office, { reviewComments: '同意办结' }]]);
    expect(r.state).toMatchObject({ value: 'accepted', status: 'done', data: { acceptedAt: NOW.toISOString(), reworkCount: 2 } });
    expect(notices(r.effects)).toEqual([`case-closed closed ${at('unitHandler', 'unitHead')}`]);
    expect(r.effects.filter((e) => e.type === 'case-closed')).toHaveLength(1);
    fails(() => assignment.direct(replied().state, { type: 'accept', payload: {}, actor: as('unitHead') }), 'forbidden');
  });
});

describe('the assignment: overdue and the escalation ladder', () => {
  it('flags the reply overdue, then sends a written reminder (+3 WD) and a circular (+5 WD)', () => {
    const key = 'inProgress#reply';
    let r = fire(inProgress().state, key, 'due');
    expect(r.state).toMatchObject({ value: 'inProgress', data: { overdue: true } });
    expect(notices(r.effects)).toEqual([`overdue overdue ${at('unitHandler', 'unitHead')},safetyCommitteeOffice@city`]);
    expect(timers(r.effects).filter((t) => t.startsWith('set'))).toEqual([`set ${key} escalate 2026-03-19T16:00:00.000Z`]);
    r = fire(r.state, key, 'escalate');
    expect(r.state.data).toMatchObject({ reminderLetterSent: true, circulated: false });
    expect(notices(r.effects)).toEqual([`reminder-letter escalated ${at('unitHandler', 'unitHead')}`]);
    expect(timers(r.effects).filter((t) => t.startsWith('set'))).toEqual([`set ${key} escalate 2026-03-23T16:00:00.000Z`]);
    r = fire(r.state, key, 'escalate');
    expect(r.state.data).toMatchObject({ reminderLetterSent: true, circulated: true });
    // The ladder proposes a circular to the issuing office (a linked case in drafting); the timer sends none itself.
    expect(notices(r.effects)).toEqual([`escalated escalated ${at('unitHead')},safetyCommitteeOffice@city`]);
    expect(r.effects.filter((e) => e.type === 'spawn-case')).toMatchObject([{ workflowId: 'circular', org: 'city', data: { kind: 'criticism', criticisedUnits: ['A区应急管理局'], source: 'supervisionLetter' } }]);
    expect(timers(r.effects).filter((t) => t.startsWith('set'))).toEqual([]);
    expect(assignment.send(r.state, 'reply', 'unitHead', REPLY).state.value).toBe('replied');
  });

  it('takes the ladder’s events from the system only', () => {
    for (const type of ['markOverdue', 'remindInWriting', 'circulate']) {
      expect(assignment.send(inProgress().state, type, 'system').state.value).toBe('inProgress');
      fails(() => assignment.direct(inProgress().state, { type, payload: {}, actor: as('unitHead') }), 'system_only_event');
    }
    fails(() => assignment.direct(inProgress().state, { type: 'deadline.due', payload: { deadline: 'inProgress#reply', index: 0, generation: 0 }, actor: as('unitHead') }), 'system_only_event');
    expect(fire(inProgress().state, 'inProgress#reply', 'due').state.deadlines[0]?.status).toBe('overdue');
    expect(() => assignment.direct(inProgress().state, { type: 'deadline.due', payload: { deadline: 'inProgress#reply', index: 0, generation: 0 }, actor: TIMER_ACTOR })).not.toThrow();
  });
});

describe('transition coverage of the pure tests', () => {
  it('took every declared transition of both workflows', () => {
    expect(letter.untaken()).toEqual([]);
    expect(assignment.untaken()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Three units end to end through the engine.

describe('a letter to three units, end to end through the engine', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  const officeCity: Actor = { id: 'office-li', roles: ['safetyCommitteeOffice'], org: 'city' };
  const reviewer: Actor = { id: 'reviewer-zhou', roles: ['regulatorReviewer'], org: 'city' };
  const leader: Actor = { id: 'leader-zhang', roles: ['safetyCommitteeLeader'], org: 'city' };
  const handler = (unit: string): Actor => ({ id: `${unit}-handler`, roles: ['unitHandler'], org: `district-${unit}` });
  const head = (unit: string): Actor => ({ id: `${unit}-head`, roles: ['unitHead'], org: `district-${unit}` });

  async function setup(): Promise<{ engine: Engine; store: KnexStore; clock: ManualClock }> {
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    const clock = createManualClock(NOW);
    const engine = await createEngine({ store, clock, workflows: [circularReceiptWorkflow, circularWorkflow, interviewWorkflow, supervisionAssignmentWorkflow, supervisionLetterWorkflow] });
    await setDocNumberPrefix(store, { org: 'city', series: 'supervisionLetter', prefix: '江安委办督', setBy: 'admin', at: NOW.toISOString() });
    return { engine, store, clock };
  }

  /** Moves the clock and fires every timer due by then (deadline rungs and child signals), earliest first. */
  const advanceTo = async (engine: Engine, store: KnexStore, clock: ManualClock, iso: string): Promise<string[]> =>
    (await fireDueTimers(engine, store, clock, iso)).map(({ timer: t, outcome }) => `${t.caseId} ${t.kind}${t.kind === 'signal' ? '' : ` ${t.deadlineKey}#${t.index}`} ${outcome}`);

  it('completes only when all three are accepted: one reworked, one extended, one overdue and escalated', async () => {
    const { engine, store, clock } = await setup();
    const { case: created } = await engine.createCase({ workflowId: 'supervision-letter', org: 'city', actor: officeCity, caseId: 'L-2026-005' });
    const id = created.id;
    await engine.send(id, { type: 'submitDraft', payload: { ...DRAFT, units: UNITS.map((u) => ({ ...u, lead: false })) } }, officeCity);
    await engine.send(id, { type: 'approveDraft', payload: {} }, reviewer);
    await engine.send(id, { type: 'sign', payload: SIGN }, leader);

    const children = (await store.getCase(id))!.state.children!;
    expect(children.map((c) => [c.workflowId, c.org])).toEqual([
      ['supervision-assignment', 'district-a'],
      ['supervision-assignment', 'district-b'],
      ['supervision-assignment', 'district-c'],
    ]);
    const [a, b, c] = children.map((ch) => ch.caseId) as [string, string, string];
    for (const [i, unit] of ['a', 'b', 'c'].entries()) {
      const child = await store.getCase(children[i]!.caseId);
      expect(child).toMatchObject({ org: `district-${unit}`, workflowId: 'supervision-assignment', state: { value: 'dispatched', parent: { caseId: id, stateId: 'issued', index: i } } });
      expect(child!.state.data).toMatchObject({ unitName: UNITS[i]!.name, letterNo: LETTER_NO, replyDue: '2026-03-16', issuerOrg: 'city', letterCaseId: id });
      expect((await engine.listTasks({ orgs: [`district-${unit}`] })).map((t) => [t.caseId, t.stateId])).toEqual([[children[i]!.caseId, 'dispatched']]);
    }
    const issuedRows = (await store.knex('outbox').where({ template: 'supervision-letter-issued' }).select('case_id', 'recipients').orderBy('case_id')) as { case_id: string; recipients: string }[];
    expect(issuedRows.map((r) => [r.case_id, JSON.parse(r.recipients)]).sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      [id, [{ role: 'safetyCommitteeOffice', org: 'city' }]],
      ...['a', 'b', 'c'].map((u, i) => [children[i]!.caseId, [{ role: 'unitHandler', org: `district-${u}` }, { role: 'unitHead', org: `district-${u}` }]]),
    ]);

    // Every unit acknowledges and starts the same day.
    for (const [cid, unit] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) {
      await engine.send(cid, { type: 'acknowledge', payload: { receiver: `${unit}-收文员` } }, handler(unit));
      await engine.send(cid, { type: 'startWork', payload: { handler: `${unit}-承办人` } }, head(unit));
    }

    // A replies, is returned for rework, replies again and is accepted.
    await engine.send(a, { type: 'reply', payload: REPLY }, head('a'));
    await engine.send(a, { type: 'returnForRework', payload: { reviewComments: '佐证材料不全', reworkDue: '2026-03-13' } }, officeCity);
    expect((await engine.getCase(a)).stateLabel).toBe('inProgress');
    await engine.send(a, { type: 'reply', payload: { ...REPLY, evidence: ['files/report.pdf', 'files/photos.zip'] } }, head('a'));
    await engine.send(a, { type: 'accept', payload: { reviewComments: '同意' } }, officeCity);
    expect(await advanceTo(engine, store, clock, '2026-03-04T02:00:00.000Z')).toEqual([`${id} signal fired`]);
    expect((await engine.getCase(id)).stateLabel).toBe('issued');
    expect((await store.getCase(id))!.state.data.acceptedUnits).toBe(1);

    // B asks for more time before the deadline and gets it: its clock restarts at the new date.
    await engine.send(b, { type: 'requestExtension', payload: { extensionReason: '需协调住建部门联合核查', requestedDue: '2026-03-27' } }, head('b'));
    await engine.send(b, { type: 'grantExtension', payload: {} }, officeCity);
    const bDeadlines = (await store.getCase(b))!.state.deadlines;
    expect(bDeadlines.map((d) => [d.key, d.dueDate, d.status])).toEqual([['inProgress#reply', '2026-03-27', 'running']]);
    const bTimers = (await store.timers.listAll(100)).filter((t) => t.caseId === b).map((t) => [t.kind, t.dueAt]);
    expect(bTimers.sort()).toEqual([['due', '2026-03-27T16:00:00.000Z'], ['remind', '2026-03-24T16:00:00.000Z']]);

    // C lets its deadline pass: due-soon, overdue, then the written reminder and the circular.
    expect(await advanceTo(engine, store, clock, '2026-03-13T00:00:00.000Z')).toEqual([`${c} remind inProgress#reply#0 fired`]);
    expect(await advanceTo(engine, store, clock, '2026-03-17T00:00:00.000Z')).toEqual([`${c} due inProgress#reply#0 fired`]);
    expect((await store.getCase(c))!.state.data).toMatchObject({ overdue: true, reminderLetterSent: false });
    await engine.send(id, { type: 'remind', payload: { unitOrg: 'district-c', method: 'phone', note: '电话催办' } }, officeCity);
    expect(await advanceTo(engine, store, clock, '2026-03-20T00:00:00.000Z')).toEqual([`${c} escalate inProgress#reply#0 fired`]);
    expect((await store.getCase(c))!.state.data).toMatchObject({ reminderLetterSent: true, circulated: false });
    expect(await advanceTo(engine, store, clock, '2026-03-24T00:00:00.000Z')).toEqual([`${c} escalate inProgress#reply#1 fired`]);
    expect((await store.getCase(c))!.state.data).toMatchObject({ overdue: true, reminderLetterSent: true, circulated: true });
    await engine.send(id, { type: 'escalateCircular', payload: { unitOrg: 'district-c', circularNo: '江安委办通〔2026〕2号', content: 'C区逾期未回复' } }, leader);

    const cHistory = await engine.history(c);
    expect(cHistory.map((e) => e.type)).toEqual(['case.created', 'acknowledge', 'startWork', 'deadline.remind', 'deadline.due', 'deadline.escalate', 'deadline.escalate']);
    expect(cHistory.filter((e) => e.type === 'deadline.escalate').map((e) => e.payload)).toEqual([
      { deadline: 'inProgress#reply', index: 0, generation: 0 },
      { deadline: 'inProgress#reply', index: 1, generation: 0 },
    ]);
    const cRows = (await store.knex('outbox').where({ case_id: c }).select('template', 'kind').orderBy('id')) as { template: string; kind: string }[];
    expect(cRows.map((r) => `${r.template} ${r.kind}`)).toEqual(['supervision-letter-issued actionRequired', 'due-soon dueSoon', 'overdue overdue', 'reminder-letter escalated', 'escalated escalated']);
    // The ladder's last rung and the leader's decision each opened a circular for the issuing office to draft and a leader to sign.
    const circulars = (await engine.getCase(c)).children.filter((ch) => ch.workflowId === 'circular');
    expect(circulars).toMatchObject([{ org: 'city' }]);
    expect((await engine.getCase(circulars[0]!.caseId))).toMatchObject({ stateLabel: 'drafting', parent: { caseId: c } });
    expect((await engine.getCase(id)).children.filter((ch) => ch.workflowId === 'circular')).toHaveLength(1);
    // B was extended, so nothing of the ladder touched it.
    expect((await store.getCase(b))!.state.data).toMatchObject({ overdue: false, extensionCount: 1, replyDue: '2026-03-27' });

    // B and C reply and are accepted; the letter waits for the last one.
    await engine.send(b, { type: 'reply', payload: REPLY }, head('b'));
    await engine.send(b, { type: 'accept', payload: {} }, officeCity);
    expect(await advanceTo(engine, store, clock, '2026-03-24T02:00:00.000Z')).toEqual([`${id} signal fired`]);
    expect((await engine.getCase(id)).stateLabel).toBe('issued');
    await engine.send(c, { type: 'reply', payload: REPLY }, head('c'));
    expect(await advanceTo(engine, store, clock, '2026-03-24T03:00:00.000Z')).toEqual([]);
    expect((await engine.getCase(id)).stateLabel).toBe('issued');
    await engine.send(c, { type: 'accept', payload: {} }, officeCity);
    expect(await advanceTo(engine, store, clock, '2026-03-24T04:00:00.000Z')).toEqual([`${id} signal fired`]);

    const reviewing = await store.getCase(id);
    expect(reviewing!.state).toMatchObject({ value: 'reviewing', data: { acceptedUnits: 3, reminderCount: 1, circularCount: 1 } });
    expect(reviewing!.state.children!.map((ch) => [ch.workflowId, ch.finalState])).toEqual([['supervision-assignment', 'accepted'], ['supervision-assignment', 'accepted'], ['supervision-assignment', 'accepted'], ['circular', null]]);
    await engine.send(id, { type: 'task.sign', payload: { task: 'reviewing', decision: 'approve', comment: '三个单位均已整改到位' } }, leader);
    await engine.send(id, { type: 'archive', payload: { archiveRef: '2026-督-005' } }, officeCity);
    expect((await engine.getCase(id)).stateLabel).toBe('archived');
    expect((await engine.history(id)).map((e) => e.type)).toEqual([
      'case.created', 'submitDraft', 'approveDraft', 'sign', 'case.childDone', 'remind', 'escalateCircular', 'case.childDone', 'case.childDone', 'task.sign', 'archive',
    ]);
    expect((await store.getCase(a))!.state.data).toMatchObject({ reworkCount: 1 });
    expect(await store.timers.listAll(100)).toEqual([]);
    expect((await engine.verify()).ok).toBe(true);
  });
});
