/**
 * The people store's web sessions (migration 009), on SQLite and PostgreSQL:
 * found by hash, touched forwards only, revoked once, purged when long over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKnexPeopleStore } from '../../../engine/adapters/knex-people.js';
import type { PeopleStore, SessionRecord } from '../../../engine/index.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../../support/stores.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 2, minute)).toISOString();

describe.each(backends)('web sessions on $name', ({ make, enabled }) => {
  let fresh: FreshStore;
  let people: PeopleStore;
  beforeEach(async () => {
    if (!enabled) return;
    fresh = await make();
    people = createKnexPeopleStore(fresh.store);
    await people.addOrg({ id: 'o', name: 'O', parentId: null, level: 'city', createdAt: at(0) });
    await people.addUser({ id: 'u', name: 'U', orgId: 'o', roles: ['clerk'], locale: 'zh-CN', createdAt: at(0) });
    await people.addToken({ id: 'tok_1', userId: 'u', hash: 'h'.repeat(64), label: null, createdAt: at(0), lastUsedAt: null, revokedAt: null });
  });
  afterEach(async () => {
    if (enabled) await fresh.cleanup();
  });

  const session = (id: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
    id, hash: `${id}-hash`, userId: 'u', tokenId: 'tok_1', createdAt: at(0), lastSeenAt: at(0), expiresAt: at(30), revokedAt: null, ...over,
  });

  it.skipIf(!enabled)('finds a session by the hash of its id, and nothing by anything else', async () => {
    await people.sessions.add(session('s1'));
    expect(await people.sessions.find('s1-hash')).toEqual(session('s1'));
    expect(await people.sessions.find('s1')).toBeUndefined();
  });

  it.skipIf(!enabled)('moves the last use forwards only', async () => {
    await people.sessions.add(session('s1'));
    await people.sessions.touch('s1', at(5));
    await people.sessions.touch('s1', at(3));
    expect((await people.sessions.find('s1-hash'))?.lastSeenAt).toBe(at(5));
  });

  it.skipIf(!enabled)('revokes a session once', async () => {
    await people.sessions.add(session('s1'));
    expect(await people.sessions.revoke('s1', at(2))).toBe(true);
    expect(await people.sessions.revoke('s1', at(3))).toBe(false);
    expect(await people.sessions.revoke('nope', at(3))).toBe(false);
    expect((await people.sessions.find('s1-hash'))?.revokedAt).toBe(at(2));
  });

  it.skipIf(!enabled)('purges sessions that expired or were revoked before a time, and keeps the rest', async () => {
    await people.sessions.add(session('old', { expiresAt: at(10) }));
    await people.sessions.add(session('out', { revokedAt: at(11) }));
    await people.sessions.add(session('live', { expiresAt: at(50) }));
    expect(await people.sessions.purge(at(20))).toBe(2);
    expect(await people.sessions.find('live-hash')).toBeDefined();
    expect(await people.sessions.find('old-hash')).toBeUndefined();
  });

  it.skipIf(!enabled)('refuses two sessions with one hash', async () => {
    await people.sessions.add(session('s1'));
    await expect(people.sessions.add({ ...session('s2'), hash: 's1-hash' })).rejects.toThrow();
  });
});
