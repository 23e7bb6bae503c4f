/**
 * Web sessions (issue 8): signing in with an API token opens a session with
 * its own random id; the cookie carries that id, never the token. Only the
 * id's sha256 is stored (people store, migration 009). A session ends at its
 * absolute expiry, after an idle time without requests, at logout (revoked
 * server-side, so a copied cookie stops working too), or when the token it
 * was opened with is revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../engine/index.js';
import { tokenUsable, type Authenticator, type Principal } from './access.js';
import { type PeopleStore, type SessionRecord } from './people-ports.js';

/** How long sessions live. */
export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

/** The last use is written at most this often per session (the idle expiry is this coarse). */
const TOUCH_EVERY_MS = 60_000;
/** What a session id looks like (32 random bytes, base64url); anything else is refused before hashing. */
const SESSION_TEXT = /^[A-Za-z0-9_-]{43}$/;

export interface Sessions {
  readonly policy: SessionPolicy;
  /** Opens a session for a principal signed in with a token; returns the id to put in the cookie (shown once). */
  open(p: Principal): Promise<{ id: string; session: SessionRecord }>;
  /** The principal of a live session, or undefined (unknown, expired, idle too long, logged out, token revoked). Records the use. */
  authenticate(id: string): Promise<Principal | undefined>;
  /** Revokes a session (logout); unknown ids are ignored. */
  close(id: string): Promise<void>;
}

function hashSession(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * Creates the session service over the people store.
 * @example
 * const sessions = createSessions(people, auth, clock, { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 });
 * const { id } = await sessions.open(await auth.authenticateToken(token));
 */
export function createSessions(people: PeopleStore, auth: Authenticator, clock: Clock, policy: SessionPolicy = DEFAULT_SESSION_POLICY): Sessions {
  const live = async (id: string): Promise<SessionRecord | undefined> => {
    if (!SESSION_TEXT.test(id)) return undefined;
    const s = await people.sessions.find(hashSession(id));
    if (!s || s.revokedAt !== null) return undefined;
    const now = clock.now().getTime();
    if (now >= Date.parse(s.expiresAt) || now - Date.parse(s.lastSeenAt) >= policy.idleMs) return undefined;
    return s;
  };
  return {
    policy,
    async open(p) {
      const now = clock.now();
      const id = randomBytes(32).toString('base64url');
      const session: SessionRecord = {
        id: `ses_${randomBytes(8).toString('hex')}`, hash: hashSession(id), userId: p.user.id, tokenId: p.token.id,
        createdAt: now.toISOString(), lastSeenAt: now.toISOString(), expiresAt: new Date(now.getTime() + policy.absoluteMs).toISOString(), revokedAt: null,
      };
      await people.sessions.add(session);
      // Sessions that ended more than a day ago are of no use to anyone; signing in clears them away.
      await people.sessions.purge(new Date(now.getTime() - 86_400_000).toISOString());
      return { id, session };
    },
    async authenticate(id) {
      const s = await live(id);
      if (!s) return undefined;
      const token = await people.findToken({ id: s.tokenId });
      const user = token && tokenUsable(token) ? await people.getUser(s.userId) : undefined;
      if (!token || !user) return undefined;
      const now = clock.now();
      // Awaited (unlike a token's last use): the idle expiry depends on it.
      if (now.getTime() - Date.parse(s.lastSeenAt) >= TOUCH_EVERY_MS) await people.sessions.touch(s.id, now.toISOString());
      return auth.principalOf(user, token);
    },
    async close(id) {
      if (!SESSION_TEXT.test(id)) return;
      const s = await people.sessions.find(hashSession(id));
      if (s && s.revokedAt === null) await people.sessions.revoke(s.id, clock.now().toISOString());
    },
  };
}
