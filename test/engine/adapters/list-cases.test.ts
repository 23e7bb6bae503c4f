/**
 * `Store.listCases`, `Store.countCasesByState` and the people store, on
 * SQLite and PostgreSQL: the same filters and the same order on both.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKnexPeopleStore } from '../../../server/knex-people.js';
import type { CaseRecord, DeadlineState } from '../../../engine/index.js';
import { createCommit, fixtureAt } from '../../support/builders.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../../support/stores.js';
import { commit } from './store-contract-groups.js';
import { type PeopleStore } from '../../../server/people-ports.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

function deadline(key: string, dueAt: string, status: DeadlineState['status'] = 'running'): DeadlineState {
  return {
    key, stateId: key.split('#')[0]!, deadlineId: 'd', startSeq: 1, calendar: { id: 'cn', version: 1 }, startedAt: fixtureAt(1), baseDueAt: dueAt, dueAt, status,
    pausedDays: 0, pausedMs: 0, extensions: [], reminded: 0, escalated: 0, generation: 0,
  };
}

describe.each(backends)('listing cases and people on $name', ({ make, enabled }) => {
  let fresh: FreshStore;
  beforeEach(async () => {
    if (enabled) fresh = await make();
  });
  afterEach(async () => {
    if (enabled) await fresh.cleanup();
  });

  async function add(id: string, opts: { value?: CaseRecord['state']['value']; org?: string; workflowId?: string; data?: Record<string, unknown>; at?: string; deadlines?: DeadlineState[]; status?: 'active' | 'done' } = {}) {
    const req = createCommit(id, { org: opts.org, workflowId: opts.workflowId, at: opts.at, value: opts.value, data: opts.data });
    req.record.state.deadlines = opts.deadlines ?? [];
    if (opts.status) req.record.status = opts.status;
    req.event.state = req.record.state;
    await commit(fresh.store, req);
  }
  const ids = async (filter: Parameters<FreshStore['store']['listCases']>[0]) => (await fresh.store.listCases(filter)).map((c) => c.id);

  it.skipIf(!enabled)('lists newest first and pages with a keyset cursor', async () => {
    for (let i = 1; i <= 5; i++) await add(`c${i}`, { at: fixtureAt(i) });
    await add('c0', { at: fixtureAt(5) });
    expect(await ids({ limit: 10 })).toEqual(['c5', 'c0', 'c4', 'c3', 'c2', 'c1']);
    const first = await fresh.store.listCases({ limit: 2 });
    expect(first.map((c) => c.id)).toEqual(['c5', 'c0']);
    expect(await ids({ limit: 2, after: { createdAt: first[1]!.createdAt, id: first[1]!.id } })).toEqual(['c4', 'c3']);
  });

  it.skipIf(!enabled)('filters by workflow, status, org list, state key or path, and text', async () => {
    await add('a', { value: 'draft', org: 'o1', workflowId: 'hazard', data: { title: '化工厂 Alpha 50%' } });
    await add('b', { value: { active: { major: 'planReview' } }, org: 'o2', workflowId: 'hazard' });
    await add('c', { value: { active: 'rectifying' }, org: 'o1', workflowId: 'letter', status: 'done' });
    expect(await ids({ workflowId: 'hazard', limit: 10 })).toEqual(['b', 'a']);
    expect(await ids({ status: 'done', limit: 10 })).toEqual(['c']);
    expect(await ids({ orgs: ['o1'], limit: 10 })).toEqual(['c', 'a']);
    expect(await ids({ orgs: [], limit: 10 })).toEqual([]);
    expect(await ids({ state: 'active', limit: 10 })).toEqual(['c', 'b']);
    expect(await ids({ state: 'planReview', limit: 10 })).toEqual(['b']);
    expect(await ids({ state: 'active.rectifying', limit: 10 })).toEqual(['c']);
    expect(await ids({ state: 'draft', limit: 10 })).toEqual(['a']);
    expect(await ids({ state: 'plan', limit: 10 })).toEqual([]);
    expect(await ids({ text: '化工厂', limit: 10 })).toEqual(['a']);
    expect(await ids({ text: 'ALPHA', limit: 10 })).toEqual(['a']);
    expect(await ids({ text: '50%', limit: 10 })).toEqual(['a']);
    expect(await ids({ text: '5_%', limit: 10 })).toEqual([]);
    expect(await ids({ text: 'b', limit: 10 })).toEqual(['b']);
  });

  it.skipIf(!enabled)('filters by running deadlines due before an instant, ignoring paused ones', async () => {
    await add('soon', { deadlines: [deadline('a#d', '2026-03-05T16:00:00.000Z'), deadline('b#d', '2026-04-01T16:00:00.000Z')] });
    await add('later', { deadlines: [deadline('a#d', '2026-03-20T16:00:00.000Z')] });
    await add('paused', { deadlines: [deadline('a#d', '2026-03-01T16:00:00.000Z', 'paused')] });
    await add('none');
    expect((await ids({ dueBefore: '2026-03-06T00:00:00.000Z', limit: 10 })).sort()).toEqual(['soon']);
    expect((await ids({ dueBefore: '2026-03-05T16:00:00.000Z', limit: 10 })).sort()).toEqual(['soon']);
    expect((await ids({ dueBefore: '2026-03-21T00:00:00.000Z', limit: 10 })).sort()).toEqual(['later', 'soon']);
    expect((await ids({ notDueBefore: '2026-03-06T00:00:00.000Z', limit: 10 })).sort()).toEqual(['later', 'none', 'paused']);
  });

  it.skipIf(!enabled)('counts cases by workflow, status and state', async () => {
    await add('a', { value: 'draft' });
    await add('b', { value: 'draft' });
    await add('c', { value: { active: 'rectifying' } });
    const counts = await fresh.store.countCasesByState();
    expect(counts.sort((x, y) => JSON.stringify(x.state).localeCompare(JSON.stringify(y.state)))).toEqual([
      { workflowId: 'hazard', status: 'active', state: 'draft', count: 2 },
      { workflowId: 'hazard', status: 'active', state: { active: 'rectifying' }, count: 1 },
    ]);
  });

  describe('people store', () => {
    let people: PeopleStore;
    beforeEach(() => {
      if (enabled) people = createKnexPeopleStore(fresh.store);
    });
    const at = '2026-03-02T02:00:00.000Z';

    it.skipIf(!enabled)('adds orgs and users once: created, then exists, then conflict for other content', async () => {
      const city = { id: 'city', name: '江州市', parentId: null, level: 'city' as const, createdAt: at };
      expect(await people.addOrg(city)).toBe('created');
      expect(await people.addOrg(city)).toBe('exists');
      expect(await people.addOrg({ ...city, name: '别的' })).toBe('conflict');
      expect(await people.addOrg({ id: 'd1', name: '东湖区', parentId: 'city', level: 'county', createdAt: at })).toBe('created');
      await expect(people.addOrg({ id: 'd2', name: 'x', parentId: 'missing', level: 'county', createdAt: at })).rejects.toThrow();
      expect((await people.listOrgs()).map((o) => o.id)).toEqual(['city', 'd1']);
      const user = { id: 'u1', name: '张三', orgId: 'd1', roles: ['inspector', 'admin'], locale: 'zh-CN' as const, email: 'zhangsan@example.test', webhookUrl: null, createdAt: at };
      expect(await people.addUser(user)).toBe('created');
      expect(await people.addUser(user)).toBe('exists');
      expect(await people.addUser({ ...user, roles: ['inspector'] })).toBe('conflict');
      expect(await people.addUser({ ...user, email: 'other@example.test' })).toBe('conflict');
      expect(await people.getUser('u1')).toEqual(user);
      expect(await people.listUsers(['city'])).toEqual([]);
      expect(await people.listUsers()).toEqual([user]);
    });

    it.skipIf(!enabled)('stores tokens by hash, records use at most once per window, and revokes once', async () => {
      await people.addOrg({ id: 'city', name: '江州市', parentId: null, level: 'city', createdAt: at });
      await people.addUser({ id: 'u1', name: '张三', orgId: 'city', roles: ['clerk'], locale: 'en', createdAt: at });
      const token = { id: 'tok_1', userId: 'u1', hash: 'ab'.repeat(32), label: null, createdAt: at, lastUsedAt: null, revokedAt: null, expiresAt: null };
      await people.addToken(token);
      expect(await people.findToken({ hash: token.hash })).toEqual(token);
      const expiring = { ...token, id: 'tok_2', hash: 'cd'.repeat(32), label: 'laptop', expiresAt: '2026-04-01T16:00:00.000Z' };
      await people.addToken(expiring);
      expect(await people.findToken({ id: 'tok_2' })).toEqual(expiring);
      await people.touchToken('tok_1', '2026-03-02T03:00:00.000Z', '2026-03-02T02:59:00.000Z');
      await people.touchToken('tok_1', '2026-03-02T03:00:30.000Z', '2026-03-02T02:59:30.000Z');
      expect((await people.findToken({ id: 'tok_1' }))?.lastUsedAt).toBe('2026-03-02T03:00:00.000Z');
      expect(await people.revokeToken('tok_1', '2026-03-02T04:00:00.000Z')).toBe(true);
      expect(await people.revokeToken('tok_1', '2026-03-02T05:00:00.000Z')).toBe(false);
      expect((await people.findToken({ id: 'tok_1' }))?.revokedAt).toBe('2026-03-02T04:00:00.000Z');
      expect(await people.revokeToken('nope', at)).toBe(false);
    });

    it.skipIf(!enabled)('keeps an enterprise\'s profile with the org, and compares it on a second insert', async () => {
      await people.addOrg({ id: 'city', name: '江州市', parentId: null, level: 'city', createdAt: at });
      await people.addOrg({ id: 'g1', name: '第一网格', parentId: 'city', level: 'grid', createdAt: at });
      const chem = {
        id: 'chem', name: '清水化工', parentId: 'g1', level: 'enterprise' as const, createdAt: at,
        enterprise: { industry: '危险化学品', address: '工业园一路1号', creditCode: '91320100MA1XQP0C3Y', supervisors: ['city'] },
      };
      expect(await people.addOrg(chem)).toBe('created');
      expect(await people.addOrg(chem)).toBe('exists');
      expect(await people.addOrg({ ...chem, enterprise: { ...chem.enterprise, supervisors: [] } })).toBe('conflict');
      const orgs = await people.listOrgs();
      expect(orgs.find((o) => o.id === 'chem')).toEqual(chem);
      expect(orgs.find((o) => o.id === 'g1')).toEqual({ id: 'g1', name: '第一网格', parentId: 'city', level: 'grid', createdAt: at });
    });

    it.skipIf(!enabled)('refuses a user holding the role system, and keeps who issued a token for someone else', async () => {
      await people.addOrg({ id: 'city', name: '江州市', parentId: null, level: 'city', createdAt: at });
      await expect(people.addUser({ id: 'sys', name: '系统', orgId: 'city', roles: ['inspector', 'system'], locale: 'zh-CN', createdAt: at })).rejects.toMatchObject({ code: 'role_not_grantable' });
      expect(await people.getUser('sys')).toBeUndefined();
      await people.addUser({ id: 'admin', name: '管理员', orgId: 'city', roles: ['admin'], locale: 'zh-CN', createdAt: at });
      await people.addUser({ id: 'u1', name: '张三', orgId: 'city', roles: ['inspector'], locale: 'zh-CN', createdAt: at });
      const token = { id: 'tok_2', userId: 'u1', hash: 'cd'.repeat(32), label: '管理员代发', issuedBy: 'admin', createdAt: at, lastUsedAt: null, revokedAt: null, expiresAt: null };
      await people.addToken(token);
      expect(await people.findToken({ id: 'tok_2' })).toEqual(token);
    });
  });
});
