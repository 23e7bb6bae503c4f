import { describe, expect, it, onTestFinished } from 'vitest';
import type { CaseFacts } from '../../../engine/index.js';
import { createKnexPeopleStore } from '../../../server/index.js';
import { createOrgDirectory } from '../../../server/access.js';
import { buildDashboard, figureCases } from '../../../server/stats/dashboard.js';
import { createKnexStatsStore } from '../../../server/stats/knex-stats.js';
import { districtName, monthlyReport } from '../../../server/stats/monthly.js';
import { buildMonthlyReport } from '../../../server/stats/report.js';
import { factsRow } from '../../../server/stats/facts-store.js';
import { MIGRATIONS_TABLE, migrationSource } from '../../../engine/adapters/migrations/index.js';
import { freshPostgresStore, freshSqliteStore } from '../../support/stores.js';

/** A seeded pseudo-random generator (mulberry32), so a failure can be replayed from the printed seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SEED = Number(process.env.TALLY_SEED ?? 20261129);
const ORGS = ['city', 'east', 'east-t1', 'west', 'west-t1', 'west-t2'];
const WORKFLOWS = ['hazard', 'hazard', 'accident', 'accident', 'tip-off', 'supervision-letter', 'interview'];

/** Facts with instants near month boundaries, offsets other than Z (an accident's `occurredAt` as entered) and nulls everywhere. */
function randomFacts(count: number): CaseFacts[] {
  const r = random(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(v: T): T | null => (r() < 0.25 ? null : v);
  // Around the Beijing month boundaries of 2025-11 … 2026-12 (16:00 UTC on the last day), a few hours either side.
  const instant = () => {
    const month = Math.floor(r() * 14);
    const edge = Date.UTC(2025, 10 + month, 1) - 8 * 3_600_000;
    return edge + Math.round((r() - 0.5) * (r() < 0.5 ? 6 * 3_600_000 : 40 * 86_400_000));
  };
  const withOffset = (t: number) => {
    const h = pick([8, -5, 0]);
    const local = new Date(t + h * 3_600_000).toISOString().slice(0, 19);
    return h === 0 ? `${local}Z` : `${local}${h > 0 ? '+' : '-'}${String(Math.abs(h)).padStart(2, '0')}:00`;
  };
  const out: CaseFacts[] = [];
  for (let i = 0; i < count; i++) {
    const workflowId = pick(WORKFLOWS);
    const opened = instant();
    const closed = r() < 0.5 ? opened + Math.round(r() * 60 * 86_400_000) : null;
    const overdue = r() < 0.4 ? opened + Math.round(r() * 50 * 86_400_000) : null;
    const accident = workflowId === 'accident';
    out.push({
      caseId: `c${String(i).padStart(4, '0')}`, workflowId, org: pick(ORGS), seq: 3,
      grade: maybe(accident ? pick(['general', 'serious', 'major', 'odd']) : pick(['general', 'major'])), industry: maybe(pick(['建筑施工', '道路运输', '工贸'])), source: null,
      openedAt: new Date(opened).toISOString(), closedAt: closed === null ? null : new Date(closed).toISOString(), terminated: closed !== null && r() < 0.3,
      firstOverdueAt: overdue === null ? null : new Date(overdue).toISOString(), occurredAt: accident ? maybe(withOffset(instant())) : null,
      confirmedAt: accident && r() < 0.8 ? new Date(opened).toISOString() : null, deaths: maybe(Math.floor(r() * 4)), injuries: maybe(Math.floor(r() * 5)),
      directLossCny: maybe(Math.floor(r() * 50) * 10_000), deadlinesMet: 0, deadlinesMissed: 0, escalations: 0, listed: r() < 0.3, openDeadlines: {},
    });
  }
  return out;
}

describe.each(['sqlite', 'postgres'] as const)('figures counted in the database (%s, seed %i)', (backend) => {
  it('equal the figures counted over the facts in memory, and each 统计 figure the length of its drill-down', async () => {
    const fresh = backend === 'sqlite' ? await freshSqliteStore() : await freshPostgresStore();
    onTestFinished(fresh.cleanup);
    const people = createKnexPeopleStore(fresh.store);
    const at = '2025-01-01T00:00:00.000Z';
    await people.addOrg({ id: 'city', name: '示范市', parentId: null, level: 'city', createdAt: at });
    for (const d of ['east', 'west']) await people.addOrg({ id: d, name: d === 'east' ? '东城区' : '西城区', parentId: 'city', level: 'county', createdAt: at });
    await people.addOrg({ id: 'east-t1', name: '东城街道', parentId: 'east', level: 'township', createdAt: at });
    await people.addOrg({ id: 'west-t1', name: '西城一街道', parentId: 'west', level: 'township', createdAt: at });
    await people.addOrg({ id: 'west-t2', name: '西城二街道', parentId: 'west', level: 'township', createdAt: at });
    const orgs = createOrgDirectory(people);
    const stats = createKnexStatsStore(fresh.store);
    const facts = randomFacts(600);
    await stats.facts.replaceAll(facts);
    await stats.quotas.set({ district: 'east', year: 2026, measure: 'accidents', quota: 10, setBy: 'admin', at });
    const noHistory = async () => [];

    for (const scope of ['city', 'west']) {
      const subtree = await orgs.subtree(scope);
      const names = new Map<string, string>();
      for (const id of subtree) names.set(id, districtName(await orgs.ancestry(id)));
      const districts = [...new Set((await orgs.list()).filter((o) => o.level === 'county' && subtree.has(o.id)).map((o) => o.name))];
      for (const month of ['2025-12', '2026-01', '2026-06', '2026-11']) {
        const inMemory = monthlyReport(facts.filter((f) => subtree.has(f.org)), { month, scope: scope === 'city' ? '示范市' : '西城区', districtOf: (o) => names.get(o) ?? '', districts });
        expect(await buildMonthlyReport(stats, noHistory, orgs, { month, org: scope })).toEqual(inMemory);
      }
      for (const now of ['2026-01-01T00:00:00.000Z', '2026-06-30T15:59:59.999Z', '2026-11-30T16:00:00.000Z']) {
        const d = await buildDashboard(stats, orgs, scope, now);
        for (const row of d.districts) {
          for (const figure of ['openMajor', 'overdue', 'accidents'] as const) {
            expect(row[figure], `${scope} ${now} ${row.name} ${figure}`).toBe((await figureCases(stats, orgs, scope, figure, { district: row.id }, now)).length);
          }
        }
        for (const u of d.overdueByUnit) expect(u.overdue).toBe((await figureCases(stats, orgs, scope, 'overdue', { org: u.org }, now)).length);
        for (const t of d.trend) {
          expect(t.accidents).toBe((await figureCases(stats, orgs, scope, 'accidents', { month: t.month }, now)).length);
          expect(t.hazardsFound).toBe((await figureCases(stats, orgs, scope, 'hazardsFound', { month: t.month }, now)).length);
        }
        expect(d.total.openMajor + d.total.overdue + d.total.accidents).toBeGreaterThan(0);
      }
    }
  });
});

describe.each(['sqlite', 'postgres'] as const)('migration 030 (%s)', (backend) => {
  it('fills the figure columns of existing rows from their JSON, with the instants in UTC', async () => {
    const fresh = backend === 'sqlite' ? await freshSqliteStore() : await freshPostgresStore();
    onTestFinished(fresh.cleanup);
    const { knex } = fresh.store;
    const facts = randomFacts(120);
    await createKnexStatsStore(fresh.store).facts.replaceAll(facts);
    await knex.migrate.down({ migrationSource, tableName: MIGRATIONS_TABLE, name: '030-facts-figures' });
    expect(await knex.schema.hasColumn('case_facts', 'first_overdue_at')).toBe(false);
    // As rows were before 030: the instants as entered.
    for (const f of facts) await knex('case_facts').where('case_id', f.caseId).update({ belongs_at: f.workflowId === 'accident' ? (f.occurredAt ?? f.openedAt) : f.openedAt });
    await fresh.store.migrate();
    const rows = (await knex('case_facts').orderBy('case_id')) as Record<string, unknown>[];
    const expected = facts.map(factsRow).sort((a, b) => String(a.case_id).localeCompare(String(b.case_id)));
    expect(rows.map((r) => ({ ...r, terminated: Number(r.terminated), listed: Number(r.listed), direct_loss_cny: r.direct_loss_cny === null ? null : Number(r.direct_loss_cny), deaths: r.deaths === null ? null : Number(r.deaths), injuries: r.injuries === null ? null : Number(r.injuries), seq: Number(r.seq) }))).toEqual(expected);
  });
});
