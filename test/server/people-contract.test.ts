/**
 * The people port's contract (server/people-ports.ts), run on SQLite and
 * PostgreSQL through the port only (no SQL here): orgs and users inserted once
 * (identical again: `exists`; different: `conflict`), tokens found by id or
 * hash, touched, revoked once with a revocation count that only grows, and the
 * web sessions (migration 009): found by hash, touched forwards only, revoked
 * once, purged when long over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKnexPeopleStore } from '../../server/knex-people.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../support/stores.js';
import { type PeopleStore, type SessionRecord, type TokenRecord } from '../../server/people-ports.js';

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

describe.each(backends)('orgs, users and tokens on $name', ({ make, enabled }) => {
  let fresh: FreshStore;
  let people: PeopleStore;
  beforeEach(async () => {
    if (!enabled) return;
    fresh = await make();
    people = createKnexPeopleStore(fresh.store);
  });
  afterEach(async () => {
    if (enabled) await fresh.cleanup();
  });

  const city = { id: 'city', name: '江州市', parentId: null, level: 'city' as const, createdAt: at(0) };
  const ent = { id: 'e1', name: '某化工', parentId: 'city', level: 'enterprise' as const, enterprise: { industry: '危险化学品', address: '纬三路12号', creditCode: null, supervisors: ['city'] }, createdAt: at(0) };
  const user = { id: 'u1', name: '张三', orgId: 'city', roles: ['inspector', 'admin'], locale: 'zh-CN' as const, email: 'z@example.test', webhookUrl: null, createdAt: at(0) };
  const token = (id: string, over: Partial<TokenRecord> = {}): TokenRecord => ({ id, userId: 'u1', hash: id.padEnd(64, '0'), label: null, createdAt: at(0), lastUsedAt: null, revokedAt: null, expiresAt: null, ...over });

  it.skipIf(!enabled)('adds an org once: identical again is `exists`, another under the id a `conflict`', async () => {
    expect(await people.addOrg(city)).toBe('created');
    expect(await people.addOrg(city)).toBe('exists');
    expect(await people.addOrg({ ...city, name: '别的市' })).toBe('conflict');
    expect(await people.addOrg(ent)).toBe('created');
    expect(await people.addOrg(ent)).toBe('exists');
    expect(await people.addOrg({ ...ent, enterprise: { ...ent.enterprise, industry: '工贸' } })).toBe('conflict');
    expect(await people.listOrgs()).toEqual([city, ent]);
  });

  it.skipIf(!enabled)('refuses an org whose parent is missing', async () => {
    await expect(people.addOrg({ ...city, id: 'orphan', parentId: 'nowhere' })).rejects.toThrow();
  });

  it.skipIf(!enabled)('adds a user once, reads it back and lists users by org', async () => {
    await people.addOrg(city);
    await people.addOrg(ent);
    expect(await people.addUser(user)).toBe('created');
    expect(await people.addUser(user)).toBe('exists');
    expect(await people.addUser({ ...user, roles: ['inspector'] })).toBe('conflict');
    const worker = { ...user, id: 'u2', orgId: 'e1', roles: ['enterpriseSafetyOfficer'], email: null };
    await people.addUser(worker);
    expect(await people.getUser('u1')).toEqual(user);
    expect(await people.getUser('nobody')).toBeUndefined();
    expect((await people.listUsers()).map((u) => u.id)).toEqual(['u1', 'u2']);
    expect((await people.listUsers(['e1'])).map((u) => u.id)).toEqual(['u2']);
    expect(await people.listUsers([])).toEqual([]);
  });

  it.skipIf(!enabled)('refuses the role system and a user of a missing org', async () => {
    await people.addOrg(city);
    await expect(people.addUser({ ...user, roles: ['system'] })).rejects.toMatchObject({ code: 'role_not_grantable' });
    await expect(people.addUser({ ...user, orgId: 'nowhere' })).rejects.toThrow();
  });

  it.skipIf(!enabled)('finds a token by id or hash, records uses forwards, and counts revocations', async () => {
    await people.addOrg(city);
    await people.addUser(user);
    await people.addToken(token('t1', { expiresAt: at(59) }));
    await people.addToken(token('t2', { issuedBy: 'u1', label: '值班' }));
    expect(await people.findToken({ id: 't1' })).toEqual(token('t1', { expiresAt: at(59) }));
    expect(await people.findToken({ hash: token('t2').hash })).toEqual(token('t2', { issuedBy: 'u1', label: '值班' }));
    expect(await people.findToken({ id: 'none' })).toBeUndefined();

    await people.touchToken('t1', at(5), at(4));
    expect((await people.findToken({ id: 't1' }))?.lastUsedAt).toBe(at(5));
    // A use recorded after skipIfAfter is kept: the write is skipped.
    await people.touchToken('t1', at(6), at(4));
    expect((await people.findToken({ id: 't1' }))?.lastUsedAt).toBe(at(5));

    expect(await people.tokenRevocations()).toBe(0);
    expect(await people.revokeToken('t1', at(7))).toBe(true);
    expect(await people.revokeToken('t1', at(8))).toBe(false);
    expect(await people.revokeToken('none', at(8))).toBe(false);
    expect((await people.findToken({ id: 't1' }))?.revokedAt).toBe(at(7));
    expect(await people.tokenRevocations()).toBe(1);
    await people.revokeToken('t2', at(9));
    expect(await people.tokenRevocations()).toBe(2);
  });

  it.skipIf(!enabled)('refuses two tokens with one hash', async () => {
    await people.addOrg(city);
    await people.addUser(user);
    await people.addToken(token('t1'));
    await expect(people.addToken({ ...token('t2'), hash: token('t1').hash })).rejects.toThrow();
  });
});
