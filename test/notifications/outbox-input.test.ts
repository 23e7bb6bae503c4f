/**
 * Outbox rows that name their case instead of copying it (migration 015):
 * every notification of a hazard case, from report to close and from its
 * deadlines' timers, renders with exactly the input its `notify` effect
 * carried, read back through the engine; rows written in the old, whole form
 * still read as before.
 */
import { setDocNumberPrefix } from '../../server/doc-numbers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createManualClock, type Actor, type Engine, type NotifyEffect } from '../../engine/index.js';
import { createKnexOutboxStore } from '../../notifications/knex-outbox.js';
import { loadCaseInput, parseOutboxRow } from '../../notifications/outbox-row.js';
import { createTemplateCatalog } from '../../notifications/index.js';
import { builtinWorkflows } from '../../workflows/index.js';
import { freshSqliteStore, type FreshStore } from '../support/stores.js';

const ORG = 'district-a';
const as = (role: string): Actor => ({ id: `u-${role}`, roles: [role], org: ORG, name: `${role}用户` });
const submit = {
  source: 'gridPatrol', location: '开发区纬三路12号 2号车间', gridId: 'G-0103', enterpriseId: 'E-1001', sector: '工贸', description: '粉尘涉爆车间除尘系统未设置泄爆装置',
  photos: ['files/p1.jpg'], foundAt: '2026-03-01T09:30:00+08:00', proposedGrade: 'general', hazardCategory: '粉尘防爆',
};

describe('outbox rows that name their case', () => {
  let fresh: FreshStore;
  afterEach(() => fresh?.cleanup());

  async function hazardRun(): Promise<{ engine: Engine; effects: NotifyEffect[] }> {
    fresh = await freshSqliteStore();
    const clock = createManualClock('2026-03-02T02:00:00.000Z');
    const engine = await createEngine({ store: fresh.store, clock, templates: createTemplateCatalog(), workflows: builtinWorkflows });
    // The order's 文号 comes from the inspector's org's counter.
    await setDocNumberPrefix(fresh.store, { org: ORG, series: 'rectificationOrder', prefix: '应急责改', setBy: 'admin', at: clock.now().toISOString() });
    const effects: NotifyEffect[] = [];
    engine.onCommit((c) => effects.push(...c.effects.filter((e): e is NotifyEffect => e.type === 'notify')));
    const { case: c } = await engine.createCase({ workflowId: 'hazard', org: ORG, actor: as('gridOfficer') });
    await engine.send(c.id, { type: 'submit', payload: submit }, as('gridOfficer'));
    await engine.send(c.id, { type: 'accept', payload: { jurisdictionConfirmed: true, dedupeKey: 'E-1001/粉尘防爆/2号车间' } }, as('townshipSafetyOffice'));
    await engine.send(c.id, { type: 'grade', payload: { grade: 'general', responsibleUnit: 'E-1001 设备科', rectificationDeadline: '2026-03-16' } }, as('inspector'));
    await engine.send(c.id, { type: 'issueOrder', payload: { orderDeadline: '2026-03-16', measures: '加装泄爆装置' } }, as('inspector'));
    // Let the rectification deadline's reminder and due timers fire: rung notifications carry the deadline.
    clock.set('2026-04-01T02:00:00.000Z');
    for (const t of await fresh.store.timers.listDue(clock.now().toISOString(), 100)) await engine.fireTimer(t);
    await engine.send(c.id, { type: 'submitRectification', payload: { rectificationEvidence: ['files/after.jpg'], rectificationCost: 12000, completedOn: '2026-03-10' } }, as('enterpriseSafetyOfficer'));
    await engine.send(c.id, { type: 'pass', payload: { reinspectionOpinion: '整改到位，同意销号', signatures: ['张三', '李四'] } }, as('gridOfficer'));
    return { engine, effects };
  }

  it('renders every notification of a hazard case with the input its effect carried, without storing the case', async () => {
    const { engine, effects } = await hazardRun();
    const outbox = createKnexOutboxStore(fresh.store);
    expect(effects.length).toBeGreaterThan(5);
    expect(effects.some((e) => e.vars.deadline !== undefined)).toBe(true);
    for (const e of effects) {
      const row = (await outbox.get(e.id))!;
      expect(row.input, e.id).toBe('case');
      expect(JSON.stringify(row.vars)).not.toContain('粉尘');
      const payload = parseOutboxRow(row, await loadCaseInput(engine, row));
      expect(payload.vars, `${e.id} (${e.template})`).toEqual(JSON.parse(JSON.stringify(e.vars)));
      expect(payload.confidential).toEqual(e.confidential);
    }
  });

  it('still reads a row that carries its whole input, and refuses to parse a case row without its case', async () => {
    const { engine, effects } = await hazardRun();
    const outbox = createKnexOutboxStore(fresh.store);
    const e = effects[0]!;
    const root = (await outbox.get(e.id))!;
    await outbox.enqueue({ ...root, id: `${e.id}/ack1`, vars: e.vars, confidential: e.confidential, input: null, createdAt: root.createdAt, nextAttemptAt: root.nextAttemptAt });
    const whole = (await outbox.get(`${e.id}/ack1`))!;
    expect(await loadCaseInput(engine, whole)).toBeUndefined();
    expect(parseOutboxRow(whole).vars).toEqual(JSON.parse(JSON.stringify(e.vars)));
    expect(() => parseOutboxRow(root)).toThrow(/renders with its case/);
  });
});
