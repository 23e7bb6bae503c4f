/**
 * Quota warnings as acknowledged notifications (预警叫应) to the district's
 * leaders, given back and raised again, checked by two watchers at once (two
 * processes), and the interview (约谈) opened once when the quota is exceeded.
 */
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { interviewWorkflow } from '../../../workflows/index.js';
import { createOrgDirectory } from '../../../server/access.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import { watchQuotas, warningId } from '../../../server/stats/quota-watch.js';
import { miniAccident } from '../../support/stats-workflows.js';
import { testServer } from '../support.js';

const clerk = { id: 'clerk-1', roles: ['clerk'], org: 'donghu-qingshui', name: '事故登记员' };
const leader = { id: 'leader', roles: ['regulatorLeader'], org: 'donghu', name: '局长 赵批' };

describe('quota warnings and interviews', () => {
  it('warn the district leaders once per crossing (acknowledged), give back on dismissal, warn again on re-crossing, and open one interview when exceeded', async () => {
    const ts = await testServer('sqlite', { workflows: [miniAccident, interviewWorkflow] });
    onTestFinished(ts.cleanup);
    const stats = createKnexStatsStore(ts.fresh.store);
    const orgs = createOrgDirectory(ts.people);
    const errors: unknown[] = [];
    // Two watchers over one database: two processes checking the same commits.
    const watchers = [0, 1].map(() => watchQuotas({ engine: ts.engine, stats, orgs, outbox: ts.outbox, thresholds: [80, 100], ackWithin: 'PT30M', onError: (e) => errors.push(e) }));
    onTestFinished(() => watchers.forEach((w) => w.stop()));
    const idle = () => Promise.all(watchers.map((w) => w.idle()));
    await stats.quotas.set({ district: 'donghu', year: 2026, measure: 'accidents', quota: 5, setBy: 'admin', at: '2026-01-01T00:00:00.000Z' });
    const accident = async () => {
      const id = (await ts.engine.createCase({ workflowId: 'accident', org: clerk.org, actor: clerk, data: { occurredAt: ts.clock.now().toISOString(), deaths: 0 } })).case.id;
      await ts.engine.send(id, { type: 'confirm', payload: { grade: 'general' } }, clerk);
      await idle();
      return id;
    };
    const warningRows = async () => (await ts.outbox.list({ limit: 100 })).filter((r) => r.template === 'quota-warning').map((r) => r.id);
    const crossings = async () => (await stats.quotas.crossings({ year: 2026, district: 'donghu' })).map((c) => `${c.threshold}#${c.crossing}${c.givenBackAt ? ' given back' : ''}`);

    const ids = [await accident(), await accident(), await accident()];
    expect(await warningRows()).toEqual([]);
    const fourth = await accident(); // 4 of 5: 80%
    const first = warningId({ district: 'donghu', year: 2026, measure: 'accidents', threshold: 80, crossing: 1 });
    expect(await warningRows()).toEqual([first]);
    expect(await crossings()).toEqual(['80#1']);

    // Delivered to the district's leader, who must acknowledge it; the acknowledgement enters the accident's history.
    await ts.notifier.dispatcher.runDue();
    const [item] = await ts.outbox.inbox.list('leader');
    expect(item).toMatchObject({ ackRequired: true, acknowledgedAt: null });
    expect(item!.subject).toBe('【控制指标预警·请立即确认】东湖区2026年事故起数已达控制指标80%');
    expect(await ts.outbox.acks.get(first)).toMatchObject({ status: 'waiting', caseId: fourth });
    await ts.notifier.dispatcher.acknowledge(first, leader);
    expect((await ts.engine.history(fourth)).map((e) => e.type)).toContain('notification.acknowledged');

    // Dismissed: 3 of 5, the 80% crossing is given back; a fourth again warns again (a second crossing).
    await ts.engine.send(ids[0]!, { type: 'dismiss' }, clerk);
    await idle();
    expect(await crossings()).toEqual(['80#1 given back']);
    await accident();
    expect(await crossings()).toEqual(['80#1 given back', '80#2']);
    expect(await warningRows()).toEqual([first, warningId({ district: 'donghu', year: 2026, measure: 'accidents', threshold: 80, crossing: 2 })]);

    // 5 of 5: 100% warns; 6 of 5 exceeds and opens one interview, addressed to the district by the city; a 7th opens none.
    await accident();
    expect(await crossings()).toEqual(['80#1 given back', '80#2', '100#1']);
    const interviews = async () => ts.engine.listCases({ workflowId: 'interview', limit: 10 });
    expect(await interviews()).toHaveLength(0);
    const sixth = await accident();
    await accident();
    const opened = await interviews();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.org).toBe('jiangzhou');
    const view = await ts.engine.getCase(opened[0]!.id);
    expect(view.data).toMatchObject({ intervieweeOrg: 'donghu', intervieweeName: '东湖区', source: 'accidentQuota', linkedCaseId: sixth, reason: '东湖区2026年事故起数6，超过控制指标5' });
    const created = (await ts.engine.history(opened[0]!.id))[0]!;
    expect(created.actor).toMatchObject({ id: 'system:quotas' });
    expect(await crossings()).toEqual(['80#1 given back', '80#2', '100#1']);
    expect(errors).toEqual([]);
  });

  it('re-check a lowered quota at once: one warning per threshold reached, the interview when exceeded, nothing twice', async () => {
    const ts = await testServer('sqlite', { workflows: [miniAccident, interviewWorkflow] });
    onTestFinished(ts.cleanup);
    const stats = createKnexStatsStore(ts.fresh.store);
    const orgs = createOrgDirectory(ts.people);
    const errors: unknown[] = [];
    const watchers = [0, 1].map(() => watchQuotas({ engine: ts.engine, stats, orgs, outbox: ts.outbox, thresholds: [50, 80, 100], ackWithin: 'PT30M', onError: (e) => errors.push(e) }));
    onTestFinished(() => watchers.forEach((w) => w.stop()));
    const idle = () => Promise.all(watchers.map((w) => w.idle()));
    const setQuota = async (quota: number) => {
      await stats.quotas.set({ district: 'donghu', year: 2026, measure: 'accidents', quota, setBy: 'admin', at: ts.clock.now().toISOString() });
      // Both processes re-check the same change (two servers answering two admins).
      return Promise.all(watchers.map((w) => w.recheck('donghu', 2026, ts.clock.now().toISOString())));
    };
    const warningRows = async () => (await ts.outbox.list({ limit: 100 })).filter((r) => r.template === 'quota-warning').map((r) => r.id);
    const interviews = async () => ts.engine.listCases({ workflowId: 'interview', limit: 10 });
    // Nothing used yet: even a zero quota reaches nothing.
    await setQuota(0);
    expect(await warningRows()).toEqual([]);
    await setQuota(10);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = (await ts.engine.createCase({ workflowId: 'accident', org: clerk.org, actor: clerk, data: { occurredAt: ts.clock.now().toISOString(), deaths: 0 } })).case.id;
      await ts.engine.send(id, { type: 'confirm', payload: { grade: 'general' } }, clerk);
      await idle();
      ids.push(id);
      ts.clock.advance(60_000);
    }
    expect(await warningRows()).toEqual([]); // 4 of 10

    // Lowered to 5: 4 of 5 reaches 50% and 80% now, each warned once although both processes checked.
    const [a, b] = await setQuota(5);
    expect([...a!.raised, ...b!.raised].map((c) => c.threshold).sort()).toEqual([50, 80]);
    const at = (threshold: number) => warningId({ district: 'donghu', year: 2026, measure: 'accidents', threshold, crossing: 1 });
    expect((await warningRows()).sort()).toEqual([at(50), at(80)].sort());
    // Recorded on the district's latest counting accident, as if its step had crossed them.
    expect((await ts.outbox.list({ limit: 100 })).filter((r) => r.template === 'quota-warning').map((r) => r.caseId)).toEqual([ids[3], ids[3]]);
    expect(await interviews()).toHaveLength(0);

    // Lowered to 3: 100% warns once and the quota is exceeded: one interview, linked to the latest accident.
    await setQuota(3);
    expect((await warningRows()).sort()).toEqual([at(50), at(80), at(100)].sort());
    const opened = await interviews();
    expect(opened).toHaveLength(1);
    expect((await ts.engine.getCase(opened[0]!.id)).data).toMatchObject({ intervieweeOrg: 'donghu', linkedCaseId: ids[3], reason: '东湖区2026年事故起数4，超过控制指标3' });
    // Set again to the same: nothing new.
    await setQuota(3);
    expect(await warningRows()).toHaveLength(3);
    expect(await interviews()).toHaveLength(1);

    // Raised to 100: every crossing is given back at once.
    await setQuota(100);
    expect((await stats.quotas.crossings({ year: 2026, district: 'donghu' })).every((c) => c.givenBackAt !== null)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('re-check through POST /api/v1/quotas: lowering the quota below the use warns in the same request', async () => {
    const ts = await testServer('sqlite', { workflows: [miniAccident, interviewWorkflow], watchQuotas: true });
    onTestFinished(ts.cleanup);
    const admin = { Authorization: `Bearer ${ts.tokens.admin}` };
    await request(ts.app).post('/api/v1/quotas').send({ district: 'donghu', year: 2026, accidents: 10 }).set(admin).expect(200);
    for (let i = 0; i < 4; i++) {
      const id = (await ts.engine.createCase({ workflowId: 'accident', org: clerk.org, actor: clerk, data: { occurredAt: ts.clock.now().toISOString(), deaths: 0 } })).case.id;
      await ts.engine.send(id, { type: 'confirm', payload: { grade: 'general' } }, clerk);
    }
    const res = await request(ts.app).post('/api/v1/quotas').send({ district: 'donghu', year: 2026, accidents: 4 }).set(admin).expect(200);
    expect(res.body.measures.find((m: { measure: string }) => m.measure === 'accidents')).toMatchObject({ quota: 4, used: 4, warned: [80, 100] });
    expect((await ts.outbox.list({ limit: 100 })).filter((r) => r.template === 'quota-warning')).toHaveLength(2);
  });
});
