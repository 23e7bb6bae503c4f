/**
 * The `PeopleStore` port over knex, on the store's database: orgs, users and
 * API tokens (hashes only). Same SQL on SQLite and PostgreSQL.
 */
import type { Knex } from 'knex';
import { RoleNotGrantableError, SYSTEM_ROLE } from '../engine/index.js';
import type { EnterpriseProfile, OrgRecord, PeopleStore, SaveOutcome, SessionRecord, SessionStore, TokenRecord, UserRecord } from './people-ports.js';

type Dialect = 'sqlite' | 'postgres';
/** JSON for a column (text on SQLite; pg casts text to jsonb). */
const encodeJson = (value: unknown): string => JSON.stringify(value ?? null);
/** A JSON column's value: text on SQLite, already parsed on PostgreSQL. */
const decodeJson = (dialect: Dialect, value: unknown): unknown => (dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value);

/** The database the people tables live in: the store's knex and its dialect (a `KnexStore` is one). */
export interface PeopleDatabase {
  readonly knex: Knex;
  readonly dialect: Dialect;
}

interface OrgRow {
  id: string;
  name: string;
  parent_id: string | null;
  level: string;
  /** The enterprise profile as JSON (migration 012); null for offices. */
  profile?: unknown;
  created_at: string;
}

interface UserRow {
  id: string;
  name: string;
  org_id: string;
  roles: unknown;
  locale: string;
  email: string | null;
  webhook_url: string | null;
  created_at: string;
}

interface TokenRow {
  id: string;
  user_id: string;
  hash: string;
  label: string | null;
  issued_by?: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  expires_at: string | null;
}

const toOrg = (dialect: Dialect, r: OrgRow): OrgRecord => {
  const profile = r.profile === null || r.profile === undefined ? null : (decodeJson(dialect, r.profile) as EnterpriseProfile | null);
  return { id: r.id, name: r.name, parentId: r.parent_id, level: r.level as OrgRecord['level'], ...(profile ? { enterprise: profile } : {}), createdAt: r.created_at };
};
/** The stored form of a profile: its keys in one order, so an identical re-import compares equal. */
const encodeProfile = (p: EnterpriseProfile | null | undefined): string | null =>
  p ? encodeJson({ industry: p.industry, address: p.address, creditCode: p.creditCode ?? null, supervisors: [...p.supervisors], ...(p.majorHazard === true ? { majorHazard: true } : {}) }) : null;

interface SessionRow {
  id: string;
  hash: string;
  user_id: string;
  token_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
}
const toUser = (dialect: Dialect, r: UserRow): UserRecord => ({
  id: r.id, name: r.name, orgId: r.org_id, roles: decodeJson(dialect, r.roles) as string[], locale: r.locale as UserRecord['locale'],
  email: r.email ?? null, webhookUrl: r.webhook_url ?? null, createdAt: r.created_at,
});
const toToken = (r: TokenRow): TokenRecord => ({ id: r.id, userId: r.user_id, hash: r.hash, label: r.label, ...(r.issued_by ? { issuedBy: r.issued_by } : {}), createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at, expiresAt: r.expires_at ?? null });
const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id, hash: r.hash, userId: r.user_id, tokenId: r.token_id, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at, revokedAt: r.revoked_at,
});

/** The web sessions (migration 009). Times are ISO strings, which order like the instants they name. */
function knexSessions(knex: Knex): SessionStore {
  return {
    async add(s) {
      const row: SessionRow = { id: s.id, hash: s.hash, user_id: s.userId, token_id: s.tokenId, created_at: s.createdAt, last_seen_at: s.lastSeenAt, expires_at: s.expiresAt, revoked_at: s.revokedAt };
      await knex('web_sessions').insert(row);
    },
    async find(hash) {
      const row = await knex<SessionRow>('web_sessions').where({ hash }).first();
      return row && toSession(row);
    },
    async touch(sessionId, at) {
      // Never moves the last use backwards (two requests finishing out of order).
      await knex('web_sessions').where({ id: sessionId }).andWhere('last_seen_at', '<', at).update({ last_seen_at: at });
    },
    async revoke(sessionId, at) {
      return (await knex('web_sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: at })) === 1;
    },
    async purge(before) {
      return knex('web_sessions').where('expires_at', '<', before).orWhere('revoked_at', '<', before).delete();
    },
  };
}

/**
 * Creates the people store on the database of a knex store (call the store's
 * `migrate()` first: migrations 003 and 009 create the tables).
 * @example
 * const people = createKnexPeopleStore(store);
 * await people.addOrg({ id: 'jiangzhou', name: '江州市', parentId: null, level: 'city', createdAt: new Date().toISOString() });
 */
export function createKnexPeopleStore(store: PeopleDatabase): PeopleStore {
  const { knex, dialect } = store;

  /** Insert-or-nothing, then compare with what is there (two processes seeding at once both succeed). */
  async function insertOnce<R extends object>(table: string, row: R, same: (existing: R) => boolean): Promise<SaveOutcome> {
    const inserted = await knex(table).insert(row).onConflict('id').ignore().returning('id');
    if (inserted.length === 1) return 'created';
    const existing = (await knex(table).where({ id: (row as { id: string }).id }).first()) as R | undefined;
    return existing && same(existing) ? 'exists' : 'conflict';
  }

  return {
    sessions: knexSessions(knex),
    addOrg(org) {
      const row: OrgRow = { id: org.id, name: org.name, parent_id: org.parentId, level: org.level, profile: encodeProfile(org.enterprise), created_at: org.createdAt };
      const profileOf = (e: OrgRow) => encodeProfile(e.profile === null || e.profile === undefined ? null : (decodeJson(dialect, e.profile) as EnterpriseProfile));
      return insertOnce('orgs', row, (e) => e.name === row.name && e.parent_id === row.parent_id && e.level === row.level && profileOf(e) === row.profile);
    },
    async listOrgs() {
      return (await knex<OrgRow>('orgs').orderBy('id')).map((r) => toOrg(dialect, r));
    },
    async addUser(user) {
      if (user.roles.includes(SYSTEM_ROLE)) throw new RoleNotGrantableError(SYSTEM_ROLE, 'it is the engine\'s own role (timers, escalations), never a person\'s');
      const row: UserRow = {
        id: user.id, name: user.name, org_id: user.orgId, roles: encodeJson(user.roles), locale: user.locale,
        email: user.email ?? null, webhook_url: user.webhookUrl ?? null, created_at: user.createdAt,
      };
      return insertOnce(
        'users',
        row,
        (e) => e.name === row.name && e.org_id === row.org_id && e.locale === row.locale && (e.email ?? null) === row.email && (e.webhook_url ?? null) === row.webhook_url && encodeJson(decodeJson(dialect, e.roles)) === row.roles,
      );
    },
    async getUser(userId) {
      const row = await knex<UserRow>('users').where({ id: userId }).first();
      return row && toUser(dialect, row);
    },
    async listUsers(orgIds) {
      const q = knex<UserRow>('users').orderBy('id');
      if (orgIds !== undefined) q.whereIn('org_id', orgIds);
      return (await q).map((r) => toUser(dialect, r));
    },
    async addToken(token) {
      const row: TokenRow = { id: token.id, user_id: token.userId, hash: token.hash, label: token.label, issued_by: token.issuedBy ?? null, created_at: token.createdAt, last_used_at: token.lastUsedAt, revoked_at: token.revokedAt, expires_at: token.expiresAt ?? null };
      await knex('api_tokens').insert(row);
    },
    async findToken(by) {
      const row = await knex<TokenRow>('api_tokens').where('id' in by ? { id: by.id } : { hash: by.hash }).first();
      return row && toToken(row);
    },
    async touchToken(tokenId, at, skipIfAfter) {
      await knex('api_tokens')
        .where({ id: tokenId })
        .andWhere((w) => w.whereNull('last_used_at').orWhere('last_used_at', '<', skipIfAfter))
        .update({ last_used_at: at });
    },
    async revokeToken(tokenId, at) {
      const n = await knex('api_tokens').where({ id: tokenId }).whereNull('revoked_at').update({ revoked_at: at });
      return n === 1;
    },
    async tokenRevocations() {
      const row = (await knex('api_tokens').whereNotNull('revoked_at').count({ n: '*' }).first()) as { n?: string | number } | undefined;
      return Number(row?.n ?? 0);
    },
  };
}
