/**
 * A transition's `spawn`: the linked case an action opens (an escalation that
 * opens an interview), read from the payload and the data after the
 * transition's assignments, numbered apart from a state's spawn in the same
 * step, and checked at registration like a state's spawn.
 */
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../../engine/core/compile.js';
import { decide, decideStart } from '../../../engine/core/decide.js';
import { validateDefinition } from '../../../engine/core/validate-definition.js';
import type { Actor } from '../../../engine/core/types.js';
import { builtinEnv } from '../../support/workflow-driver.js';

const office: Actor = { id: 'o1', roles: ['office'], org: 'city' };
const NOW = new Date('2026-03-02T02:00:00.000Z');

const definition = (spawnOverrides: Record<string, unknown> = {}) => ({
  id: 'escalating',
  version: 1,
  title: '督办',
  roles: ['office', 'system'],
  data: { type: 'object', properties: { count: { type: 'integer', default: 0 }, units: { type: 'array', items: { type: 'string' }, default: [] } } },
  initial: 'open',
  states: {
    open: {
      on: {
        escalate: {
          target: 'escalated',
          roles: ['office'],
          input: { type: 'object', properties: { unit: { type: 'string' }, subject: { type: 'string' } }, required: ['unit', 'subject'] },
          assign: { count: { '+': [{ var: 'data.count' }, 1] } },
          spawn: { workflow: 'interview', org: { var: 'payload.unit' }, input: { reason: { var: 'payload.subject' }, round: { var: 'data.count' } }, ...spawnOverrides },
        },
      },
    },
    escalated: { spawn: { workflow: 'circular', forEach: 'units' }, on: { close: { target: 'closed', roles: ['office'] } } },
    closed: { type: 'final' },
  },
});

describe('a transition that opens a linked case', () => {
  it('opens one child from the payload and the data after the assignments, numbered apart from the entered state\'s children', () => {
    const wf = compileWorkflow(definition());
    const start = decideStart(wf, { caseId: 'k1', org: 'city', data: { units: ['u1', 'u2'] }, actor: office }, NOW, builtinEnv());
    const d = decide(wf, start.state, { type: 'escalate', payload: { unit: 'district-a', subject: '逾期未整改' }, actor: office }, NOW, builtinEnv());
    const spawns = d.effects.filter((e) => e.type === 'spawn-case');
    expect(spawns).toMatchObject([
      { workflowId: 'interview', org: 'district-a', data: { reason: '逾期未整改', round: 1 }, childCaseId: 'k1-c2-0' },
      { workflowId: 'circular', org: 'city', childCaseId: 'k1-c2-1' },
      { workflowId: 'circular', org: 'city', childCaseId: 'k1-c2-2' },
    ]);
    expect(d.state.children?.map((c) => [c.workflowId, c.stateId])).toEqual([['interview', 'open'], ['circular', 'escalated'], ['circular', 'escalated']]);
  });

  it('is checked at registration: a list field that is not in the data, an expression over unknown fields', () => {
    const badList = validateDefinition(definition({ forEach: 'nothing' }));
    expect(badList.ok).toBe(false);
    expect(badList.ok ? [] : badList.issues.map((i) => [i.code, i.path.join('.')])).toContainEqual(['unknown_field', 'states.open.on.escalate.spawn.forEach']);
    const badExpr = validateDefinition(definition({ input: { reason: { var: 'data.nothing' } } }));
    expect(badExpr.ok).toBe(false);
    expect(badExpr.ok ? [] : badExpr.issues.map((i) => i.path.join('.'))).toContainEqual(expect.stringMatching(/^states\.open\.on\.escalate\.spawn\.input\.reason/));
  });
});
