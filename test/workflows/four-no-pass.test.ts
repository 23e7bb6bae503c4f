import { afterEach, describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../engine/core/compile.js';
import type { StateDefinition } from '../../engine/core/definition-schema.js';
import { availableEvents, type StepResult } from '../../engine/core/step.js';
import type { Effect } from '../../engine/core/effects.js';
import { validateDefinition } from '../../engine/core/validate-definition.js';
import { createTemplateCatalog } from '../../notifications/templates.js';
import {
  FOUR_NO_PASS_CONDITIONS,
  fourNoPassComplete,
  fourNoPassDataProperties,
  fourNoPassEvents,
  fourNoPassGate,
  fourNoPassRoles,
  fourNoPassWorkflow,
  reopenConditionsField,
  reopenFourNoPassConditions,
} from '../../workflows/four-no-pass.js';
import { createEngine, createManualClock, EngineError, type Actor } from '../../engine/index.js';
import { builtinWorkflows, fourNoPassWorkflow as exported } from '../../workflows/index.js';
import { freshSqliteStore } from '../support/stores.js';
import { CONFIRM, CONFIRM_ALL, EVIDENCE, OPEN } from '../support/four-no-pass-fixtures.js';
import { as, builtinEnv, createDriver, fails, guardMessages, tasks, timers } from '../support/workflow-driver.js';

const NOW = new Date('2026-06-20T02:00:00.000Z');
const d = createDriver(fourNoPassWorkflow, { env: builtinEnv(), now: NOW });
const { wf } = d;

// What the accident case's handOverFourNoPass spawn gives the child (the engine opens it only that way, see below).
const start = () => d.start({ accidentCaseId: 'A-2026-0007', accidentName: '某化工有限公司“3·2”中毒事故' });
const confirmed = (...conditions: (keyof typeof CONFIRM)[]): StepResult => {
  let r = start();
  for (const c of conditions) r = d.run(r.state, CONFIRM[c]);
  return r;
};
const gateValue = (states: Partial<Record<(typeof FOUR_NO_PASS_CONDITIONS)[number], string>>) => ({
  gate: Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [c, states[c] ?? 'open'])),
});

describe('four-no-pass is opened only from an accident case', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  it('is declared startedBy parent, and the engine refuses to open one directly (parent_case_required), whoever asks', async () => {
    expect(fourNoPassWorkflow.startedBy).toBe('parent');
    const { store, cleanup } = await freshSqliteStore();
    cleanups.push(cleanup);
    const engine = await createEngine({ store, clock: createManualClock(NOW), workflows: [fourNoPassWorkflow] });
    const leader: Actor = { id: 'leader', roles: ['governmentLeader'], org: 'district-a' };
    const err = await engine.createCase({ workflowId: 'four-no-pass', org: 'district-a', data: { accidentCaseId: 'typed-by-hand', accidentName: 'x' }, actor: leader }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('parent_case_required');
    expect(await engine.listCases({ limit: 10 })).toEqual([]);
  });
});

describe('four-no-pass workflow definition', () => {
  it('compiles and is exported among the built-in workflows', () => {
    expect(wf.ref).toBe('four-no-pass@2');
    expect(exported).toBe(fourNoPassWorkflow);
    expect(builtinWorkflows).toContain(fourNoPassWorkflow);
  });

  it('is gate (four regions open → evidenceSubmitted → confirmed) → allConfirmed → closed', () => {
    const regionStates = FOUR_NO_PASS_CONDITIONS.flatMap((c) => [`gate.${c}`, ...['open', 'evidenceSubmitted', 'confirmed'].map((s) => `gate.${c}.${s}`)]);
    expect(wf.tree.nodes.map((n) => n.id).sort()).toEqual(['gate', ...regionStates, 'allConfirmed', 'closed'].sort());
    expect(wf.tree.byId.get('gate')?.kind).toBe('parallel');
    for (const c of FOUR_NO_PASS_CONDITIONS) expect(wf.tree.byId.get(`gate.${c}.confirmed`)?.kind).toBe('final');
    expect(wf.tree.nodes.filter((n) => n.kind === 'final' && n.path.length === 1).map((n) => n.id)).toEqual(['closed']);
    expect(fourNoPassWorkflow.states.gate.onDone).toEqual({ target: 'allConfirmed' });
  });

  it('gives each condition the submitting and confirming roles of DOMAIN §8.2, with tasks', () => {
    const taskOf = (id: string) => wf.tree.byId.get(id)?.def.task;
    const roles = (event: string) => [...new Set(wf.tree.transitions.filter((t) => t.event === event).flatMap((t) => t.def.roles ?? []))];
    expect(roles('submitCauseEvidence')).toEqual(['investigationTeamLead']);
    expect(roles('confirmCause')).toEqual(['governmentLeader']);
    expect(roles('submitDispositions')).toEqual(['regulatorReviewer', 'enterprisePrincipal', 'supervisoryCommission']);
    expect(roles('confirmDispositions')).toEqual(['regulatorLeader']);
    expect(roles('submitMeasuresEvidence')).toEqual(['enterprisePrincipal', 'enterpriseSafetyOfficer']);
    expect(roles('confirmMeasures')).toEqual(['inspector']);
    expect(roles('submitEducationEvidence')).toEqual(['enterprisePrincipal', 'enterpriseSafetyOfficer']);
    expect(roles('confirmEducation')).toEqual(['regulatorReviewer']);
    expect(FOUR_NO_PASS_CONDITIONS.map((c) => [taskOf(`gate.${c}.open`)?.role, taskOf(`gate.${c}.evidenceSubmitted`)?.role])).toEqual([
      ['investigationTeamLead', 'governmentLeader'],
      ['regulatorReviewer', 'regulatorLeader'],
      ['enterprisePrincipal', 'inspector'],
      ['enterprisePrincipal', 'regulatorReviewer'],
    ]);
    for (const node of wf.tree.nodes) {
      if (node.kind !== 'atomic') continue;
      expect(node.def.task?.title, node.id).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
    }
  });

  it('lists every handled event in the catalogue with zh and en titles', () => {
    const handled = new Set(wf.tree.transitions.flatMap((t) => (t.event && t.event !== 'onDone' ? [t.event] : [])));
    expect(Object.keys(fourNoPassWorkflow.events).sort()).toEqual([...handled].sort());
    for (const info of Object.values(fourNoPassWorkflow.events)) expect(info.title).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
  });

  it('names only notification templates that exist', () => {
    const v = validateDefinition(fourNoPassWorkflow, { templates: createTemplateCatalog() });
    expect(v.ok ? [] : v.issues).toEqual([]);
  });

  it('declares every field with a Chinese title', () => {
    for (const [name, field] of Object.entries(fourNoPassWorkflow.data.properties)) expect(field.title, name).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('fourNoPassGate fragment', () => {
  it('builds a parallel state of four regions and exports what an including workflow merges', () => {
    const gate = fourNoPassGate();
    expect(gate.type).toBe('parallel');
    expect(Object.keys(gate.states ?? {})).toEqual([...FOUR_NO_PASS_CONDITIONS]);
    expect(gate.onDone).toBeUndefined();
    expect([...fourNoPassRoles].sort()).toEqual(['enterprisePrincipal', 'enterpriseSafetyOfficer', 'governmentLeader', 'inspector', 'investigationTeamLead', 'regulatorLeader', 'regulatorReviewer', 'supervisoryCommission']);
    expect(Object.keys(fourNoPassEvents)).toHaveLength(12);
    for (const c of FOUR_NO_PASS_CONDITIONS) expect(fourNoPassDataProperties[`${c}Status`]?.enum).toEqual(['evidenceSubmitted', 'confirmed', 'rejected', 'reopened']);
    // Evidence goes to distinct fields.
    expect(Object.keys(fourNoPassDataProperties)).toEqual(
      expect.arrayContaining(['causeApprovalDocNo', 'directCauses', 'indirectCauses', 'accidentNature', 'dispositions', 'measureRecords', 'measuresInspectionRecordNo', 'educationSessions', 'educationLessonsApplied']),
    );
  });

  it('returns a fresh object per call', () => {
    const a = fourNoPassGate({ blockedEvents: { closeCase: ['governmentLeader'] } });
    const b = fourNoPassGate({ blockedEvents: { closeCase: ['governmentLeader'] } });
    expect(a).toEqual(b);
    (a.states!.causeIdentified!.states!.open!.on!.closeCase as { roles: string[] }).roles.push('inspector');
    expect(b.states!.causeIdentified!.states!.open!.on!.closeCase).toMatchObject({ roles: ['governmentLeader'] });
  });

  it('declares blocked events as refusals on the non-final states of each region only', () => {
    const gate = fourNoPassGate({ blockedEvents: { closeCase: ['governmentLeader'], delist: ['safetyCommitteeLeader'] } });
    for (const c of FOUR_NO_PASS_CONDITIONS) {
      const region = gate.states![c]!.states!;
      for (const s of ['open', 'evidenceSubmitted']) {
        expect(region[s]!.on!.closeCase).toMatchObject({ roles: ['governmentLeader'], guard: false, guardMessage: { en: expect.stringContaining(c) } });
        expect(region[s]!.on!.delist).toMatchObject({ roles: ['safetyCommitteeLeader'], guard: false });
      }
      expect(region.confirmed!.on).toBeUndefined();
    }
  });

  it('can be included anywhere, e.g. nested in a compound state of another workflow', () => {
    const host = {
      id: 'host-demo',
      version: 1,
      title: '演示',
      roles: [...fourNoPassRoles, 'system'],
      data: { type: 'object', properties: { ...fourNoPassDataProperties } },
      events: { ...fourNoPassEvents, finish: { title: '完成' }, reopen: { title: '重新落实' } },
      initial: 'phase',
      states: {
        phase: {
          initial: 'gate',
          on: { finish: { target: 'done', roles: ['governmentLeader'], guard: fourNoPassComplete } },
          states: {
            gate: fourNoPassGate({ onDone: { target: 'ready' }, restoreConfirmed: true }),
            ready: { on: { reopen: { target: 'gate', roles: ['governmentLeader'], input: { type: 'object', properties: { reopenConditions: reopenConditionsField } }, assign: reopenFourNoPassConditions() } } },
          },
        } satisfies StateDefinition,
        done: { type: 'final' },
      },
    };
    const v = validateDefinition(host);
    expect(v.ok ? [] : v.issues).toEqual([]);
    const h = createDriver(host, { env: builtinEnv(), now: NOW });
    let r = h.run(h.start().state, CONFIRM_ALL);
    expect(r.state.value).toEqual({ phase: 'ready' });
    // Reopening one condition re-enters the gate with the other three still confirmed.
    r = h.send(r.state, 'reopen', 'governmentLeader', { reopenConditions: ['personnelEducated'] });
    expect(r.state.value).toEqual({ phase: { gate: { causeIdentified: 'confirmed', responsiblePersonsHandled: 'confirmed', measuresImplemented: 'confirmed', personnelEducated: 'open' } } });
    expect(r.state.data).toMatchObject({ personnelEducatedStatus: 'reopened', causeIdentifiedStatus: 'confirmed' });
    fails(() => h.send(r.state, 'finish', 'governmentLeader'), 'guard_failed');
    r = h.run(r.state, CONFIRM.personnelEducated);
    expect(h.send(r.state, 'finish', 'governmentLeader').state.status).toBe('done');
  });
});

describe('the four conditions', () => {
  it('does not take confirmations from the data a case is created with', () => {
    const forged = Object.fromEntries(FOUR_NO_PASS_CONDITIONS.map((c) => [`${c}Status`, 'confirmed']));
    const r = d.start(forged);
    expect(r.state.value).toEqual(gateValue({}));
    fails(() => d.send(r.state, 'closeCase', 'governmentLeader', { filingRef: 'F' }), 'guard_failed');
    // Without restoreConfirmed the regions have no automatic transition at all.
    expect(wf.tree.transitions.filter((t) => t.event === null)).toEqual([]);
  });

  it('opens one submitting task per condition and runs no deadline', () => {
    const r = start();
    expect(r.state.value).toEqual(gateValue({}));
    expect(tasks(r.effects).sort()).toEqual(
      ['+gate.causeIdentified.open@investigationTeamLead', '+gate.measuresImplemented.open@enterprisePrincipal', '+gate.personnelEducated.open@enterprisePrincipal', '+gate.responsiblePersonsHandled.open@regulatorReviewer'].sort(),
    );
    expect(r.state.deadlines).toEqual([]);
    expect(timers(r.effects)).toEqual([]);
  });

  it('takes the cause findings and has the government confirm them', () => {
    let r = d.send(start().state, 'submitCauseEvidence', 'investigationTeamLead', EVIDENCE.cause);
    expect(r.state.value).toEqual(gateValue({ causeIdentified: 'evidenceSubmitted' }));
    expect(r.state.data).toMatchObject({ ...EVIDENCE.cause, causeIdentifiedStatus: 'evidenceSubmitted' });
    expect(tasks(r.effects)).toEqual(['-gate.causeIdentified.open', '+gate.causeIdentified.evidenceSubmitted@governmentLeader']);
    r = d.send(r.state, 'confirmCause', 'governmentLeader', { comment: '原因清楚' });
    expect(r.state.value).toEqual(gateValue({ causeIdentified: 'confirmed' }));
    expect(r.state.data).toMatchObject({ causeIdentifiedStatus: 'confirmed', causeIdentifiedReviewComment: '原因清楚', causeIdentifiedConfirmedAt: NOW.toISOString() });
    expect(tasks(r.effects)).toEqual(['-gate.causeIdentified.evidenceSubmitted']);
  });

  it('takes the dispositions, accepting pendingJudicial only with a judicial case number', () => {
    const s = start().state;
    const pending = { subject: '张某', subjectType: 'person', kind: 'criminalReferral', decisionNo: '移送书5号', status: 'pendingJudicial' };
    const e = fails(() => d.send(s, 'submitDispositions', 'regulatorReviewer', { dispositions: [pending] }), 'guard_failed');
    expect(guardMessages(e)[0]).toContain('A disposition pending in the courts needs the judicial case number');
    fails(() => d.send(s, 'submitDispositions', 'regulatorReviewer', { dispositions: [{ ...pending, status: 'proposed' }] }), 'invalid_input');
    fails(() => d.send(s, 'submitDispositions', 'regulatorReviewer', { dispositions: [] }), 'invalid_input');
    fails(() => d.send(s, 'submitDispositions', 'regulatorReviewer', { dispositions: [{ ...pending, kind: 'warning', judicialCaseNo: 'x' }] }), 'invalid_input');
    // 监察法: the list holds a 政务处分, which only the 监察机关 reports.
    expect(guardMessages(fails(() => d.send(s, 'submitDispositions', 'enterprisePrincipal', EVIDENCE.dispositions), 'guard_failed'))[0]).toContain('supervisory commission');
    let r = d.send(s, 'submitDispositions', 'supervisoryCommission', EVIDENCE.dispositions);
    expect(r.state.data).toMatchObject({ dispositions: EVIDENCE.dispositions.dispositions, responsiblePersonsHandledStatus: 'evidenceSubmitted' });
    r = d.send(r.state, 'confirmDispositions', 'regulatorLeader');
    expect(r.state.value).toEqual(gateValue({ responsiblePersonsHandled: 'confirmed' }));
  });

  it('493号令 第三十三条: the company reports the measures, the regulator verifies them on site (the company cannot mark them verified)', () => {
    const s = start().state;
    // A company's claim of verification is not part of its report.
    fails(() => d.send(s, 'submitMeasuresEvidence', 'enterpriseSafetyOfficer', { measureRecords: [{ measure: '增设通风设备', implementationNote: '已安装', verified: true }] }), 'invalid_input');
    fails(() => d.send(s, 'submitMeasuresEvidence', 'enterpriseSafetyOfficer', { measureRecords: [{ measure: '增设通风设备' }] }), 'invalid_input');
    let r = d.send(s, 'submitMeasuresEvidence', 'enterprisePrincipal', EVIDENCE.measures);
    expect(r.state.data).toMatchObject({ measureRecords: EVIDENCE.measures.measureRecords });
    fails(() => d.send(r.state, 'confirmMeasures', 'enterprisePrincipal', { measuresInspectionRecordNo: 'x' }), 'forbidden');
    // The inspector's own inspection record goes with the confirmation.
    fails(() => d.send(r.state, 'confirmMeasures', 'inspector', {}), 'invalid_input');
    r = d.send(r.state, 'confirmMeasures', 'inspector', { measuresInspectionRecordNo: '某应急检〔2026〕77号' });
    expect(r.state.data).toMatchObject({ measuresInspectionRecordNo: '某应急检〔2026〕77号', measuresImplementedConfirmedBy: 'u-inspector' });
    expect(r.state.value).toEqual(gateValue({ measuresImplemented: 'confirmed' }));
  });

  it('takes education sessions with date, attendees and target groups', () => {
    const s = start().state;
    const session = EVIDENCE.education.educationSessions[0]!;
    fails(() => d.send(s, 'submitEducationEvidence', 'enterprisePrincipal', { educationSessions: [{ ...session, attendees: 0 }] }), 'invalid_input');
    fails(() => d.send(s, 'submitEducationEvidence', 'enterprisePrincipal', { educationSessions: [{ ...session, targetGroups: [] }] }), 'invalid_input');
    fails(() => d.send(s, 'submitEducationEvidence', 'enterprisePrincipal', { educationSessions: [{ ...session, targetGroups: ['public'] }] }), 'invalid_input');
    fails(() => d.send(s, 'submitEducationEvidence', 'enterprisePrincipal', { educationSessions: [{ ...session, date: '2026-02-30' }] }), 'invalid_input');
    let r = d.send(s, 'submitEducationEvidence', 'enterpriseSafetyOfficer', EVIDENCE.education);
    expect(r.state.data).toMatchObject(EVIDENCE.education);
    r = d.send(r.state, 'confirmEducation', 'regulatorReviewer');
    expect(r.state.value).toEqual(gateValue({ personnelEducated: 'confirmed' }));
  });

  it.each([
    ['causeIdentified', 'submitCauseEvidence', 'investigationTeamLead', EVIDENCE.cause, 'rejectCauseEvidence', 'governmentLeader'],
    ['responsiblePersonsHandled', 'submitDispositions', 'supervisoryCommission', EVIDENCE.dispositions, 'rejectDispositions', 'regulatorLeader'],
    ['measuresImplemented', 'submitMeasuresEvidence', 'enterprisePrincipal', EVIDENCE.measures, 'rejectMeasuresEvidence', 'inspector'],
    ['personnelEducated', 'submitEducationEvidence', 'enterprisePrincipal', EVIDENCE.education, 'rejectEducationEvidence', 'regulatorReviewer'],
  ] as const)('sends rejected %s evidence back to open with the reason, then accepts it again', (c, submit, submitter, evidence, reject, confirmer) => {
    let r = d.send(start().state, submit, submitter, evidence);
    fails(() => d.send(r.state, reject, confirmer, {}), 'invalid_input');
    fails(() => d.send(r.state, reject, submitter, { reason: 'x' }), 'forbidden');
    r = d.send(r.state, reject, confirmer, { reason: '材料不全，补充后重报' });
    expect(r.state.value).toEqual(gateValue({}));
    expect(r.state.data).toMatchObject({ [`${c}Status`]: 'rejected', [`${c}ReviewComment`]: '材料不全，补充后重报' });
    expect(tasks(r.effects)).toEqual([`-gate.${c}.evidenceSubmitted`, `+gate.${c}.open@${wf.tree.byId.get(`gate.${c}.open`)!.def.task!.role}`]);
    r = d.run(r.state, CONFIRM[c]);
    expect(r.state.value).toEqual(gateValue({ [c]: 'confirmed' }));
  });

  it('refuses the wrong roles for evidence and confirmation', () => {
    const s = start().state;
    fails(() => d.send(s, 'submitCauseEvidence', 'governmentLeader', EVIDENCE.cause), 'forbidden');
    fails(() => d.send(s, 'submitMeasuresEvidence', 'inspector', EVIDENCE.measures), 'forbidden');
    fails(() => d.send(s, 'submitEducationEvidence', 'regulatorReviewer', EVIDENCE.education), 'forbidden');
    const submitted = d.send(s, 'submitMeasuresEvidence', 'enterprisePrincipal', EVIDENCE.measures).state;
    fails(() => d.send(submitted, 'confirmMeasures', 'enterprisePrincipal'), 'forbidden');
    fails(() => d.send(d.send(s, 'submitCauseEvidence', 'investigationTeamLead', EVIDENCE.cause).state, 'confirmCause', 'investigationTeamLead'), 'forbidden');
  });

  it('refuses confirming before evidence and a second submission before review', () => {
    const s = start().state;
    expect(fails(() => d.send(s, 'confirmCause', 'governmentLeader'), 'invalid_transition').message).toContain('gate.{causeIdentified.open');
    const submitted = d.send(s, 'submitCauseEvidence', 'investigationTeamLead', EVIDENCE.cause).state;
    fails(() => d.send(submitted, 'submitCauseEvidence', 'investigationTeamLead', EVIDENCE.cause), 'invalid_transition');
    const done = d.run(submitted, [['confirmCause', 'governmentLeader']]).state;
    fails(() => d.send(done, 'rejectCauseEvidence', 'governmentLeader', { reason: 'x' }), 'invalid_transition');
  });
});

describe('notifications (DOMAIN §8.3)', () => {
  const notices = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'notify' ? [`${e.template}→${e.to.map((t) => ('role' in t ? t.role : '?')).join(',')}`] : []));

  it('tells the confirming role when evidence is submitted and the owner when it is rejected', () => {
    let r = d.send(start().state, 'submitMeasuresEvidence', 'enterprisePrincipal', EVIDENCE.measures);
    expect(notices(r.effects)).toEqual(['task-assigned→inspector']);
    r = d.send(r.state, 'rejectMeasuresEvidence', 'inspector', { reason: '缺少检测报告' });
    expect(notices(r.effects)).toEqual(['evidence-rejected→enterprisePrincipal,enterpriseSafetyOfficer']);
  });

  it('announces the completed gate', () => {
    const r = d.run(confirmed('causeIdentified', 'responsiblePersonsHandled', 'measuresImplemented').state, CONFIRM.personnelEducated);
    expect(notices(r.effects)).toEqual(['gate-complete→governmentLeader,safetyCommitteeOffice']);
  });
});

describe('closing', () => {
  it('refuses to close while conditions are open and names exactly those conditions', () => {
    let r = start();
    const attempt = () => fails(() => d.send(r.state, 'closeCase', 'governmentLeader', { filingRef: 'F-1' }), 'guard_failed');
    let e = attempt();
    expect(guardMessages(e)).toEqual([OPEN.causeIdentified, OPEN.responsiblePersonsHandled, OPEN.measuresImplemented, OPEN.personnelEducated]);
    expect(e.details.state).toBe('gate.{causeIdentified.open, responsiblePersonsHandled.open, measuresImplemented.open, personnelEducated.open}');
    r = d.run(r.state, [...CONFIRM.causeIdentified, ...CONFIRM.measuresImplemented, CONFIRM.personnelEducated[0]!]);
    e = attempt();
    expect(guardMessages(e)).toEqual([OPEN.responsiblePersonsHandled, OPEN.personnelEducated]);
    expect(e.details.state).toBe('gate.{causeIdentified.confirmed, responsiblePersonsHandled.open, measuresImplemented.confirmed, personnelEducated.evidenceSubmitted}');
    expect(e.message).toContain('responsiblePersonsHandled.open');
    // Not offered as available while the gate runs; the wrong role is forbidden, not told the conditions.
    expect(availableEvents(wf, r.state, as('governmentLeader'), NOW).map((a) => a.type)).not.toContain('closeCase');
    fails(() => d.send(r.state, 'closeCase', 'inspector', { filingRef: 'F-1' }), 'forbidden');
  });

  it('moves to allConfirmed once all four are confirmed, in any order, then closes', () => {
    let r = confirmed('personnelEducated', 'measuresImplemented', 'causeIdentified');
    expect(r.state.value).toEqual(gateValue({ causeIdentified: 'confirmed', measuresImplemented: 'confirmed', personnelEducated: 'confirmed' }));
    r = d.run(r.state, CONFIRM.responsiblePersonsHandled);
    expect(r.state.value).toBe('allConfirmed');
    expect(tasks(r.effects)).toEqual(['-gate.responsiblePersonsHandled.evidenceSubmitted', '+allConfirmed@governmentLeader']);
    fails(() => d.send(r.state, 'closeCase', 'governmentLeader', {}), 'invalid_input');
    fails(() => d.send(r.state, 'closeCase', 'inspector', { filingRef: 'F-1' }), 'forbidden');
    r = d.send(r.state, 'closeCase', 'safetyCommitteeOffice', { filingRef: 'F-2026-001' });
    expect(r.state).toMatchObject({ value: 'closed', status: 'done', data: { filingRef: 'F-2026-001', closedAt: NOW.toISOString(), closedBy: 'u-safetyCommitteeOffice' } });
    expect(tasks(r.effects)).toEqual(['-allConfirmed', 'done:closed']);
  });

  it('absorbs every event once closed', () => {
    const s = d.run(start().state, [...CONFIRM_ALL, ['closeCase', 'governmentLeader', { filingRef: 'F' }]]).state;
    const everyone = as(...fourNoPassWorkflow.roles);
    for (const type of [...Object.keys(fourNoPassWorkflow.events), 'bogus', 'deadline.due']) fails(() => d.direct(s, { type, payload: {}, actor: everyone }), 'case_closed');
  });

  it('survives a JSON round trip of the definition (it is plain data)', () => {
    const again = compileWorkflow(JSON.parse(JSON.stringify(fourNoPassWorkflow)));
    expect(again.tree.transitions.length).toBe(wf.tree.transitions.length);
  });
});

// Runs last (vitest keeps declaration order within a file).
describe('coverage', () => {
  it('exercised every event transition of the definition', () => {
    expect(d.untaken()).toEqual([]);
  });
});
