/**
 * People and access (DESIGN §7): bearer tokens, the org tree and the rules.
 *
 * - A token is 32 random bytes in base64url, shown once; only its sha256 is stored.
 * - A user sees the cases of their org's subtree.
 * - Sending an event needs the case in that subtree and a role the
 *   transition allows (the engine's `forbidden`).
 * - Whatever lies outside the subtree (cases, their notifications and outbox
 *   rows, users, orgs, tokens) answers exactly like what does not exist: 404
 *   with the same code and message.
 * - An `auditor` reads its subtree and changes nothing (`read_only`).
 * - An `admin` manages definitions, calendars, and the orgs and users of its subtree,
 *   granting only the roles the catalogue lets its level grant (`roles.ts`).
 * - An enterprise is an org of its own (level `enterprise`, below its grid), so
 *   its users' subtree is their enterprise: they see its cases and tasks only.
 * - A token an admin issued for someone else records the admin; the actor of
 *   every event sent with it carries `issuedBy`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { SYSTEM_ROLE, type Actor, type Clock, type OrgFacts, type OrgResolver } from '../engine/index.js';
import { HttpError } from './http-errors.js';
import { type OrgRecord, type PeopleStore, type TokenRecord, type UserRecord } from './people-ports.js';

/** The roles the server itself gives meaning to. */
export const ADMIN_ROLE = 'admin';
export const AUDITOR_ROLE = 'auditor';

/** The authenticated caller. */
export interface Principal {
  user: UserRecord;
  token: TokenRecord;
  /** The actor the engine records: `{ id, roles, org, name }`. */
  actor: Actor;
  /** Ids of the user's org and every org below it. */
  subtree: ReadonlySet<string>;
  isAdmin: boolean;
  isAuditor: boolean;
}

/** sha256 hex of a token's text: what is stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates a token for a user and stores its hash. Returns the text (shown
 * once) and the record. `issuedBy` is the user who issues it for someone else
 * (an admin): events sent with it then record that issuer beside the holder.
 * `expiresAt` (an ISO instant) ends it; null: never.
 */
export async function issueToken(
  people: PeopleStore, clock: Clock, userId: string,
  opts: { label?: string | null; issuedBy?: string | null; expiresAt?: string | null } = {},
): Promise<{ token: string; record: TokenRecord }> {
  const token = randomBytes(32).toString('base64url');
  const issuedBy = opts.issuedBy ?? null;
  const record: TokenRecord = {
    id: `tok_${randomBytes(8).toString('hex')}`, userId, hash: hashToken(token), label: opts.label ?? null, issuedBy: issuedBy === userId ? null : issuedBy,
    createdAt: clock.now().toISOString(), lastUsedAt: null, revokedAt: null, expiresAt: opts.expiresAt ?? null,
  };
  await people.addToken(record);
  return { token, record };
}

/** The org tree, cached for a few seconds (orgs change rarely; other processes' changes show up after `ttlMs`, or at once when a lookup names an org the cache lacks). */
export interface OrgDirectory {
  get(orgId: string): Promise<OrgRecord | undefined>;
  list(): Promise<OrgRecord[]>;
  /** The org and every org below it; empty when the org is unknown. */
  subtree(orgId: string): Promise<ReadonlySet<string>>;
  /** The org and the orgs above it (the org first, the root last); empty when the org is unknown. */
  ancestry(orgId: string): Promise<readonly OrgRecord[]>;
  /** The tree as the engine reads it for one step (org ancestries with levels). */
  facts(): Promise<OrgFacts>;
  /**
   * Whether `orgId` lies in `rootId`'s subtree. When the cached tree says no,
   * a fresh one is asked (at most every {@link MISS_RELOAD_MS}): another
   * process (`duban orgs import`) may just have added the org.
   */
  reaches(rootId: string, orgId: string): Promise<boolean>;
  /** Forgets the cache (after this process changed the tree). */
  invalidate(): void;
}

/** A lookup the cached tree cannot answer reloads it, but not more often than this (a stream of unknown ids must not become a stream of queries). */
export const MISS_RELOAD_MS = 250;

export function createOrgDirectory(people: PeopleStore, ttlMs = 5_000): OrgDirectory {
  let loaded: { at: number; byId: Map<string, OrgRecord>; subtrees: Map<string, ReadonlySet<string>>; ancestries: Map<string, readonly OrgRecord[]>; facts: OrgFacts } | undefined;
  /** The cached tree, reloaded when older than `maxAgeMs` (the TTL; {@link MISS_RELOAD_MS} after a miss). */
  const load = async (maxAgeMs = ttlMs) => {
    if (loaded && Date.now() - loaded.at < maxAgeMs) return loaded;
    const orgs = await people.listOrgs();
    const byId = new Map(orgs.map((o) => [o.id, o]));
    const children = new Map<string, string[]>();
    for (const o of orgs) if (o.parentId !== null) children.set(o.parentId, [...(children.get(o.parentId) ?? []), o.id]);
    const subtrees = new Map<string, ReadonlySet<string>>();
    for (const o of orgs) {
      // Iterative, and guarded against a cycle a hand-edited database might hold.
      const seen = new Set<string>([o.id]);
      const stack = [o.id];
      while (stack.length > 0) {
        for (const c of children.get(stack.pop()!) ?? []) {
          if (seen.has(c)) continue;
          seen.add(c);
          stack.push(c);
        }
      }
      subtrees.set(o.id, seen);
    }
    const ancestries = new Map<string, readonly OrgRecord[]>();
    for (const o of orgs) {
      const chain: OrgRecord[] = [];
      // Guarded against a cycle, like the subtrees above.
      for (let at: OrgRecord | undefined = o; at && !chain.includes(at); at = at.parentId === null ? undefined : byId.get(at.parentId)) chain.push(at);
      ancestries.set(o.id, chain);
    }
    const facts: OrgFacts = { ancestry: (orgId) => ancestries.get(orgId)?.map((r) => ({ id: r.id, level: r.level })) };
    loaded = { at: Date.now(), byId, subtrees, ancestries, facts };
    return loaded;
  };
  return {
    async get(orgId) {
      return (await load()).byId.get(orgId) ?? (await load(MISS_RELOAD_MS)).byId.get(orgId);
    },
    async list() {
      return [...(await load()).byId.values()];
    },
    async subtree(orgId) {
      return (await load()).subtrees.get(orgId) ?? (await load(MISS_RELOAD_MS)).subtrees.get(orgId) ?? new Set();
    },
    async ancestry(orgId) {
      return (await load()).ancestries.get(orgId) ?? (await load(MISS_RELOAD_MS)).ancestries.get(orgId) ?? [];
    },
    async reaches(rootId, orgId) {
      return (await load()).subtrees.get(rootId)?.has(orgId) || ((await load(MISS_RELOAD_MS)).subtrees.get(rootId)?.has(orgId) ?? false);
    },
    async facts() {
      return (await load()).facts;
    },
    invalidate() {
      loaded = undefined;
    },
  };
}

/** The engine's view of the org tree, answered from the directory (and the people store for a person's org). */
export function createOrgResolver(orgs: OrgDirectory, people: PeopleStore): OrgResolver {
  return {
    facts: () => orgs.facts(),
    userOrg: async (userId) => (await people.getUser(userId))?.orgId,
  };
}

/**
 * How long a process trusts a token it has checked while nothing was revoked
 * (a revocation is noticed sooner: see {@link REVOCATION_CHECK_MS}).
 */
const TOKEN_CACHE_MS = 60_000;
/**
 * How often a process reads the count of revoked tokens (one small query, not
 * one per request); when it moved, another process revoked a token and the
 * whole cache is dropped. A revocation in another process thus takes effect
 * within this time; in this process at once (`forget`).
 */
export const REVOCATION_CHECK_MS = 1_000;
/** Last-use times are written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;
/** What a token text can look like (base64url); anything else is refused before hashing. */
const TOKEN_TEXT = /^[A-Za-z0-9_-]{20,200}$/;

export interface Authenticator {
  /** Resolves the caller of a request (`Authorization: Bearer`), or throws `unauthenticated`. */
  authenticate(req: Request): Promise<Principal>;
  /** Resolves the holder of a token text (the web pages' cookie), or throws `unauthenticated`. */
  authenticateToken(token: string): Promise<Principal>;
  /** Drops a token from the cache (after revoking it). */
  forget(tokenId: string): void;
  /** The principal of a user acting with a token (checked by the caller: the web sessions). */
  principalOf(user: UserRecord, token: TokenRecord, issuer?: UserRecord): Promise<Principal>;
}

/** Whether a token may still be used (not revoked). The one place a token's validity is decided. */
export function tokenUsable(token: TokenRecord): boolean {
  return token.revokedAt === null;
}

export function createAuthenticator(people: PeopleStore, orgs: OrgDirectory, clock: Clock, onError: (err: unknown) => void): Authenticator {
  const cache = new Map<string, { at: number; token: TokenRecord; user: UserRecord; actor: Actor }>();
  const touched = new Map<string, number>();
  const refuse = (message: string) => new HttpError('unauthenticated', message);
  // The revocation count last read, when, and the read in flight (concurrent requests share it).
  let revocations: number | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | undefined;
  /** Drops the cache when a token was revoked anywhere since the last look; looks at most once per REVOCATION_CHECK_MS of the clock. */
  const checkRevocations = (now: number): Promise<void> | undefined => {
    if (now - checkedAt < REVOCATION_CHECK_MS && now >= checkedAt) return undefined;
    checking ??= people
      .tokenRevocations()
      .then((n) => {
        if (n !== revocations) cache.clear();
        revocations = n;
        checkedAt = now;
      })
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  const api: Authenticator = {
    async authenticate(req) {
      const header = req.headers.authorization;
      if (header === undefined) throw refuse('send an API token: Authorization: Bearer <token>');
      const m = /^Bearer (\S{1,500})$/.exec(header.trim());
      if (!m) throw refuse('the Authorization header must be "Bearer <token>"');
      return api.authenticateToken(m[1]!);
    },
    async authenticateToken(text) {
      if (!TOKEN_TEXT.test(text)) throw refuse('the token is unknown or revoked');
      const hash = hashToken(text);
      const now = clock.now().getTime();
      const check = checkRevocations(now);
      if (check) await check;
      let hit = cache.get(hash);
      if (!hit || now - hit.at > TOKEN_CACHE_MS || now < hit.at) {
        // A revocation noticed while this lookup ran may predate what it read: then it is not cached.
        const seen = revocations;
        const token = await people.findToken({ hash });
        const user = token && tokenUsable(token) ? await people.getUser(token.userId) : undefined;
        if (!token || !user || !tokenUsable(token)) {
          cache.delete(hash);
          throw refuse('the token is unknown or revoked');
        }
        if (cache.size > 10_000) cache.clear();
        const issuer = token.issuedBy ? await people.getUser(token.issuedBy) : undefined;
        hit = { at: now, token, user, actor: actorOf(user, token, issuer) };
        if (seen === revocations) cache.set(hash, hit);
      }
      const { token, user, actor } = hit;
      if (token.expiresAt && Date.parse(token.expiresAt) <= now) throw new HttpError('token_expired', 'the token has expired; ask an admin for a new one (duban tokens issue <user>)');
      if ((touched.get(token.id) ?? 0) < now - TOUCH_EVERY_MS) {
        touched.set(token.id, now);
        const at = clock.now();
        // Not awaited: recording the last use must not slow or fail the request.
        people.touchToken(token.id, at.toISOString(), new Date(at.getTime() - TOUCH_EVERY_MS).toISOString()).catch(onError);
      }
      return principal(user, token, actor);
    },
    async principalOf(user, token, knownIssuer) {
      const issuer = knownIssuer ?? (token.issuedBy ? await people.getUser(token.issuedBy) : undefined);
      return principal(user, token, actorOf(user, token, issuer));
    },
    forget(tokenId) {
      for (const [hash, entry] of cache) if (entry.token.id === tokenId) cache.delete(hash);
    },
  };
  async function principal(user: UserRecord, token: TokenRecord, actor: Actor): Promise<Principal> {
    return { user, token, actor, subtree: await orgs.subtree(user.orgId), isAdmin: user.roles.includes(ADMIN_ROLE), isAuditor: user.roles.includes(AUDITOR_ROLE) };
  }
  return api;
}

/**
 * The actor a token's holder acts as. The role `system` is dropped (no person
 * holds it, whatever an old row says); a token someone else issued adds
 * `issuedBy`, so every event sent with it shows who else held it.
 */
export function actorOf(user: UserRecord, token: TokenRecord, issuer: UserRecord | undefined): Actor {
  const issuedBy = token.issuedBy ? { id: token.issuedBy, ...(issuer ? { name: issuer.name } : {}) } : undefined;
  return { id: user.id, roles: user.roles.filter((r) => r !== SYSTEM_ROLE), org: user.orgId, name: user.name, ...(issuedBy ? { issuedBy } : {}) };
}

/**
 * Throws `notFound()` unless the org lies in the caller's subtree. What lies
 * outside answers exactly like what does not exist (same code, same message),
 * so no answer tells another district's ids from unused ones.
 */
export function assertVisible(p: Principal, orgId: string | undefined, notFound: () => HttpError): void {
  if (orgId === undefined || !p.subtree.has(orgId)) throw notFound();
}

/** An org of the caller's subtree, or `org_not_found` (whether it is missing or someone else's). */
export async function visibleOrg(p: Principal, orgs: OrgDirectory, orgId: string): Promise<OrgRecord> {
  // Not in the subtree the request started with: it may have been added a moment ago by another process (duban orgs import).
  const org = p.subtree.has(orgId) || (await orgs.reaches(p.user.orgId, orgId)) ? await orgs.get(orgId) : undefined;
  if (!org) throw new HttpError('org_not_found', `org ${orgId} does not exist`);
  return org;
}

/** Throws `out_of_jurisdiction` unless the org lies in the caller's subtree (for orgs the caller names and may know of; lookups use {@link assertVisible}). */
export function assertJurisdiction(p: Principal, orgId: string, what: string): void {
  if (!p.subtree.has(orgId)) throw new HttpError('out_of_jurisdiction', `${what} belongs to org ${orgId}, outside the jurisdiction of ${p.user.orgId}`);
}

/** Throws `read_only` for auditors: they read and change nothing. */
export function assertWriter(p: Principal): void {
  if (p.isAuditor) throw new HttpError('read_only', 'auditors read and change nothing');
}
