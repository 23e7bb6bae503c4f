/**
 * Which outbox rows name their case instead of copying it (migration 015):
 * exactly those whose input is the case at the event, up to CASE_INPUT_MAX_SEQ.
 */
import { describe, expect, it } from 'vitest';
import type { NotifyEffect } from '../../../engine/core/effects.js';
import { CASE_INPUT_MAX_SEQ, notifyRows } from '../../../engine/adapters/knex-notify-rows.js';
import type { CaseRecord } from '../../../engine/ports.js';
import { createCommit, nextCommit } from '../../support/builders.js';

function stepAt(seq: number) {
  let record: CaseRecord = createCommit('c1').record;
  record = { ...record, version: seq - 1, state: { ...record.state, seq: seq - 1 } };
  const req = nextCommit(record, { type: 'note', data: { text: '隐患' } });
  const vars: NotifyEffect['vars'] = {
    case: { id: 'c1', org: 'district-a', workflowId: 'hazard', workflowTitle: { zh: '隐患', en: 'Hazard' }, state: 'reported', seq },
    data: { text: '隐患' },
    event: { type: 'note', actorId: req.event.actor.id, ...(req.event.actor.name ? { actorName: req.event.actor.name } : {}) },
  };
  const effect = (id: string, v: NotifyEffect['vars']): NotifyEffect => ({ type: 'notify', id, template: 't', kind: 'info', to: [{ user: 'u1' }], channels: ['inbox'], vars: v, confidential: {} });
  return { req, vars, effect };
}

describe('notifyRows', () => {
  it('names the case for an input that is the case at the event, and keeps a rung deadline', () => {
    const { req, vars, effect } = stepAt(2);
    const rows = notifyRows({ ...req, effects: [effect('a', vars), effect('b', { ...vars, deadline: { key: 'k' } })] });
    expect(rows.map((r) => [r.input, r.vars])).toEqual([
      ['case', '{}'],
      ['case', '{"deadline":{"key":"k"}}'],
    ]);
  });

  it('stores the whole input when it is not the case at the event', () => {
    const { req, vars, effect } = stepAt(2);
    const other = [
      { ...vars, data: { text: '别的' } },
      { ...vars, case: { ...vars.case, seq: 1 } },
      { ...vars, case: { ...vars.case, state: 'closed' } },
      { ...vars, event: { ...vars.event, type: 'other' } },
      { ...vars, event: { ...vars.event, actorId: 'someone' } },
    ];
    for (const v of other) expect(notifyRows({ ...req, effects: [effect('a', v)] })[0]).toMatchObject({ input: null, vars: JSON.stringify(v) });
  });

  it(`stores the whole input past seq ${CASE_INPUT_MAX_SEQ}, so a delivery never replays more`, () => {
    const at = stepAt(CASE_INPUT_MAX_SEQ);
    expect(notifyRows({ ...at.req, effects: [at.effect('a', at.vars)] })[0]?.input).toBe('case');
    const past = stepAt(CASE_INPUT_MAX_SEQ + 1);
    expect(notifyRows({ ...past.req, effects: [past.effect('a', past.vars)] })[0]?.input).toBeNull();
  });
});
