/**
 * Generative tests (fast-check, the seed printed on failure): for any
 * interleaving of signatures, additions (加签) and removals (减签) a signing
 * ends exactly once and only as its rule says; a delegated task always comes
 * back to the one who delegated it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinCalendars, createCalendarRegistry } from '../../../engine/core/calendar/index.js';
import { compileWorkflow } from '../../../engine/core/compile.js';
import { decide, decideStart } from '../../../engine/core/decide.js';
import type { Actor, CaseState, Command } from '../../../engine/core/types.js';
import { EngineError, type SignRule } from '../../../engine/index.js';
import { signWorkflow } from '../../support/sign-workflow.js';

const registry = createCalendarRegistry(builtinCalendars);
const env = { calendar: (id: string) => registry.get(id)! };
const NOW = new Date('2026-02-10T02:00:00Z');
const clerk: Actor = { id: 'c1', roles: ['clerk'], org: 'o1' };
const leader: Actor = { id: 'l1', roles: ['leader'], org: 'o1' };
const reviewer = (org: string): Actor => ({ id: `r-${org}`, roles: ['reviewer'], org });

type Op = { kind: 'sign'; unit: number; approve: boolean } | { kind: 'add'; unit: number } | { kind: 'remove'; slot: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('sign' as const), unit: fc.integer({ min: 0, max: 9 }), approve: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), unit: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), slot: fc.integer({ min: 1, max: 12 }) }) },
);
const ruleArb: fc.Arbitrary<SignRule> = fc.oneof(fc.constant('all' as const), fc.constant('any' as const), fc.constantFrom({ share: 0.5 }, { share: 0.6667 }, { share: 0.75 }, { share: 1 }));

const compiled = new Map<string, ReturnType<typeof compileWorkflow>>();
function wfFor(rule: SignRule) {
  const key = JSON.stringify(rule);
  if (!compiled.has(key)) compiled.set(key, compileWorkflow(signWorkflow(rule)));
  return compiled.get(key)!;
}

function toCommand(op: Op): Command {
  if (op.kind === 'sign') return { type: 'task.sign', payload: { task: 'joint', decision: op.approve ? 'approve' : 'reject' }, actor: reviewer(`u${op.unit}`) };
  if (op.kind === 'add') return { type: 'task.addSigners', payload: { task: 'joint', signers: [{ role: 'reviewer', org: `u${op.unit}` }], reason: '加签' }, actor: leader };
  return { type: 'task.removeSigner', payload: { task: 'joint', slot: `s${op.slot}`, reason: '减签' }, actor: leader };
}

/** What the rule says of a finished tally (the words: all / any / a share of the signers approve). */
function passes(rule: SignRule, approvals: number, signers: number): boolean {
  if (rule === 'all') return approvals === signers;
  if (rule === 'any') return approvals >= 1;
  return approvals / signers >= rule.share - 1e-3;
}

describe('signing, generatively', () => {
  it('ends exactly once, and as the rule says, whatever the order of signatures, additions and removals', () => {
    fc.assert(
      fc.property(ruleArb, fc.integer({ min: 1, max: 5 }), fc.array(opArb, { maxLength: 25 }), (rule, units, ops) => {
        const wf = wfFor(rule);
        let s: CaseState = decideStart(wf, { caseId: 'p1', org: 'o1', data: {}, actor: clerk }, NOW, env).state;
        s = decide(wf, s, { type: 'submit', payload: { units: Array.from({ length: units }, (_, i) => `u${i}`) }, actor: clerk }, NOW, env).state;
        s = decide(wf, s, { type: 'approve', payload: {}, actor: leader }, NOW, env).state;
        let ended = 0;
        for (const op of ops) {
          const before = s;
          let d;
          try {
            d = decide(wf, s, toCommand(op), NOW, env);
          } catch (err) {
            if (!(err instanceof EngineError)) throw err;
            expect(['forbidden', 'task_conflict', 'invalid_input', 'case_closed']).toContain(err.code);
            // A closed case refuses everything: only after the signing ended.
            if (err.code === 'case_closed') expect(ended).toBe(1);
            continue;
          }
          s = d.state;
          if (d.transition === 'states.joint.on.jointPassed' || d.transition === 'states.joint.on.jointFailed') {
            ended++;
            // The tally at the end: the signing as it stood before plus this one command.
            const sign = before.signs!.joint!;
            const slots = op.kind === 'remove' ? sign.slots.filter((x) => x.id !== `s${op.slot}`) : op.kind === 'add' ? [...sign.slots, { id: 'new' }] : sign.slots;
            const sigs = op.kind === 'sign' ? [...sign.signatures, { decision: op.approve ? 'approve' : 'reject', slot: 'this' }] : sign.signatures;
            const approvals = sigs.filter((x) => x.decision === 'approve').length;
            const rejections = sigs.length - approvals;
            if (d.transition.endsWith('jointPassed')) expect(passes(rule, approvals, slots.length)).toBe(true);
            // Failed: even every pending signer approving would not pass.
            else expect(passes(rule, slots.length - rejections, slots.length)).toBe(false);
            expect(s.value).not.toBe('joint');
          } else if (s.value === 'joint') {
            const sign = s.signs!.joint!;
            const approvals = sign.signatures.filter((x) => x.decision === 'approve').length;
            const rejections = sign.signatures.length - approvals;
            // Still open: the rule is not met yet, and it still can be.
            expect(passes(rule, approvals, sign.slots.length)).toBe(false);
            expect(passes(rule, sign.slots.length - rejections, sign.slots.length)).toBe(true);
            expect(sign.signatures.length).toBeLessThan(sign.slots.length);
          }
        }
        expect(ended).toBeLessThanOrEqual(1);
        if (s.value === 'joint') expect(ended).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

type DOp = { kind: 'delegate' | 'resolve' | 'claim' | 'transfer' | 'approve'; who: number; to: number };
const people: Actor[] = [leader, { id: 'l2', roles: ['leader'], org: 'o1' }, { id: 's1', roles: ['staff'], org: 'o1' }, { id: 's2', roles: ['staff'], org: 'o1' }];

describe('delegation, generatively', () => {
  it('always comes back to the one who delegated, and the task is never finished while it is out', () => {
    const wf = wfFor('all');
    fc.assert(
      fc.property(fc.array(fc.record({ kind: fc.constantFrom('delegate', 'resolve', 'claim', 'transfer', 'approve'), who: fc.integer({ min: 0, max: 3 }), to: fc.integer({ min: 0, max: 3 }) }), { maxLength: 30 }), (ops: DOp[]) => {
        let s: CaseState = decideStart(wf, { caseId: 'p2', org: 'o1', data: {}, actor: clerk }, NOW, env).state;
        s = decide(wf, s, { type: 'submit', payload: { units: ['u1'] }, actor: clerk }, NOW, env).state;
        let delegator: string | undefined;
        for (const op of ops) {
          const actor = people[op.who]!;
          const to = people[op.to]!.id;
          const cmd: Command =
            op.kind === 'delegate' ? { type: 'task.delegate', payload: { task: 'review', to, reason: '请办理' }, actor }
            : op.kind === 'resolve' ? { type: 'task.resolve', payload: { task: 'review', comment: '已办' }, actor }
            : op.kind === 'claim' ? { type: 'task.claim', payload: { task: 'review' }, actor }
            : op.kind === 'transfer' ? { type: 'task.transfer', payload: { task: 'review', to, reason: '转办' }, actor }
            : { type: 'approve', payload: {}, actor };
          let next: CaseState;
          try {
            next = decide(wf, s, cmd, NOW, env).state;
          } catch (err) {
            if (!(err instanceof EngineError)) throw err;
            continue;
          }
          if (op.kind === 'delegate') delegator = next.assignments!.review!.userId;
          if (delegator !== undefined && s.assignments?.review?.delegatedTo) {
            // While out: nothing but the return moves it, and nobody finishes it.
            expect(op.kind).toBe('resolve');
            expect(next.assignments?.review?.userId).toBe(delegator);
            expect(next.assignments?.review?.delegatedTo).toBeUndefined();
            expect(next.value).toBe('review');
          }
          s = next;
          if (s.value !== 'review') break;
        }
      }),
      { numRuns: 300 },
    );
  });
});
