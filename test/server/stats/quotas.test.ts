import { describe, expect, it, onTestFinished } from 'vitest';
import { createEngine, createManualClock, type Actor } from '../../../engine/index.js';
import { createKnexPeopleStore } from '../../../server/index.js';
import { createOrgDirectory } from '../../../server/access.js';
import { createFactsProjection, factsDefinitions } from '../../../server/stats/facts-store.js';
import { quotaStatus, reachedThresholds } from '../../../server/stats/quotas.js';
import { crossingText, watchQuotas } from '../../../server/stats/quota-watch.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import type { QuotaCrossing } from '../../../server/stats/stats-ports.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';
import { statsWorkflows } from '../../support/stats-workflows.js';

const clerk = (org: string): Actor => ({ id: 'u-clerk', roles: ['clerk'], org });

describe('reachedThresholds', () => {
  it('reaches 80% at 4 of 5 and 100% at 5 of 5; a zero quota at the first use', () => {
    expect(reachedThresholds(3, 5)).toEqual([]);
    expect(reachedThresholds(4, 5)).toEqual([80]);
    expect(reachedThresholds(5, 5)).toEqual([80, 100]);
    expect(reachedThresholds(0, 0)).toEqual([]);
    expect(reachedThresholds(1, 0)).toEqual([80, 100]);
  });
});

describe.each(['sqlite', 'postgres'] as const)('district quotas (%s)', (backend) => {
  it('consume on confirmed accidents, warn once per threshold, and give back on dismissal and revision', async () => {
    const fresh = backend === 'sqlite' ? await freshSqliteStore() : await freshPostgresStore();
    onTestFinished(fresh.cleanup);
    const { store } = fresh;
    store.addProjection(createFactsProjection(factsDefinitions(statsWorkflows)));
    const clock = createManualClock('2026-03-02T02:00:00.000Z');
    const people = createKnexPeopleStore(store);
    const at = '2025-01-01T00:00:00.000Z';
    await people.addOrg({ id: 'city', name: '示范市', parentId: null, level: 'city', createdAt: at });
    await people.addOrg({ id: 'east', name: '东城区', parentId: 'city', level: 'county', createdAt: at });
    await people.addOrg({ id: 'east-t1', name: '东城街道', parentId: 'east', level: 'township', createdAt: at });
    await people.addOrg({ id: 'west', name: '西城区', parentId: 'city', level: 'county', createdAt: at });
    const orgs = createOrgDirectory(people);
    const engine = await createEngine({ store, clock, workflows: statsWorkflows });
    const stats = createKnexStatsStore(store);
    const warnings: (QuotaCrossing & { name: string })[] = [];
    const errors: unknown[] = [];
    const watch = watchQuotas({ engine, stats, orgs, onRaised: (w) => warnings.push(w), onError: (e) => errors.push(e) });
    onTestFinished(watch.stop);
    await stats.quotas.set({ district: 'east', year: 2026, measure: 'accidents', quota: 5, setBy: 'admin', at });
    await stats.quotas.set({ district: 'east', year: 2026, measure: 'deaths', quota: 10, setBy: 'admin', at });
    const warned = () => warnings.map((w) => `${w.measure}:${w.threshold}`);
    const accident = async (deaths: number, org = 'east-t1') => {
      const id = (await engine.createCase({ workflowId: 'accident', org, actor: clerk(org), data: { occurredAt: clock.now().toISOString(), deaths, seriousInjuries: 0, directLossCny: 0 } })).case.id;
      await engine.send(id, { type: 'confirm', payload: { grade: 'general' } }, clerk(org));
      await watch.idle();
      return id;
    };

    const a1 = await accident(8); // deaths 8/10: 80%
    expect(warned()).toEqual(['deaths:80']);
    await accident(0);
    await accident(0);
    await accident(0, 'west'); // another district's
    expect(warned()).toEqual(['deaths:80']);
    const a4 = await accident(0); // 4 of 5
    expect(warned()).toEqual(['deaths:80', 'accidents:80']);
    // More steps of the same accidents raise nothing new.
    await engine.send(a4, { type: 'updateCasualties', payload: { deaths: 0, grade: 'general' } }, clerk('east-t1'));
    await watch.idle();
    expect(warned()).toEqual(['deaths:80', 'accidents:80']);
    // An accident reported but not confirmed consumes nothing.
    await engine.createCase({ workflowId: 'accident', org: 'east', actor: clerk('east'), data: { deaths: 1 } });
    await watch.idle();
    expect(warned()).toEqual(['deaths:80', 'accidents:80']);
    const a5 = await accident(0); // 5 of 5
    expect(warned()).toEqual(['deaths:80', 'accidents:80', 'accidents:100']);
    expect(crossingText(warnings[2]!)).toBe('东城区2026年事故起数控制指标已使用5/5，达到100%');

    // Dismissed, and the casualties of the first revised: the quota is given back, and so are the thresholds it falls under.
    await engine.send(a5, { type: 'dismiss' }, clerk('east-t1'));
    await engine.send(a1, { type: 'updateCasualties', payload: { deaths: 5, grade: 'serious' } }, clerk('east-t1'));
    await watch.idle();
    const [east, west] = await quotaStatus(stats, orgs, { year: 2026, scope: 'city' });
    expect(east).toMatchObject({ name: '东城区', measures: [{ label: '事故起数', quota: 5, used: 4, warned: [80] }, { label: '死亡人数', quota: 10, used: 5, warned: [] }] });
    expect(west).toMatchObject({ name: '西城区', measures: [{ quota: null, used: 1, warned: [] }, { quota: null, used: 0 }] });
    // 80% is still reached (4 of 5): no new warning. Reaching 100% again is a second crossing and warns again.
    await accident(0);
    expect(warned()).toEqual(['deaths:80', 'accidents:80', 'accidents:100', 'accidents:100']);
    expect(warnings.map((w) => w.crossing)).toEqual([1, 1, 1, 2]);
    const crossings = await stats.quotas.crossings({ year: 2026, district: 'east' });
    expect(crossings.map((c) => [c.measure, c.threshold, c.crossing, c.givenBackAt === null])).toEqual([
      ['accidents', 80, 1, true], ['accidents', 100, 1, false], ['accidents', 100, 2, true], ['deaths', 80, 1, false],
    ]);
    // A district's own view.
    expect((await quotaStatus(stats, orgs, { year: 2026, scope: 'east-t1' })).map((r) => r.name)).toEqual(['东城区']);
    expect(errors).toEqual([]);
  });
});
