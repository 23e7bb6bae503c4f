/**
 * The people port: the org tree, users, their API tokens and web sessions
 * (DESIGN §7). It belongs to the server: the engine never reads it (it sees
 * the org tree through its `OrgResolver`), and the notifications see people
 * through the `RecipientDirectory` the server builds over it.
 */

import { ORG_LEVEL_NAMES } from '../engine/index.js';

/**
 * The levels of the org tree (DESIGN §7), top down. `enterprise` is a party,
 * not an office: a unit of its own, placed below the grid (or other office)
 * it sits in, whose users see only their own enterprise.
 */
export const ORG_LEVELS = ORG_LEVEL_NAMES;
export type OrgLevel = (typeof ORG_LEVELS)[number];

/** What an enterprise org records about the enterprise (its grid is its parent org). */
export interface EnterpriseProfile {
  /** 行业领域, e.g. 危险化学品. */
  industry: string;
  /** 地址. */
  address: string;
  /** 统一社会信用代码 (18 characters), when known. */
  creditCode?: string | null | undefined;
  /** Ids of the departments (orgs) that supervise it (行业主管/监管部门). */
  supervisors: string[];
  /** 重大危险源: holds a major hazard installation (GB 18218); absent means no. */
  majorHazard?: boolean | undefined;
}

/** An org: a node of the jurisdiction tree. */
export interface OrgRecord {
  id: string;
  name: string;
  /** `null` for a root. */
  parentId: string | null;
  level: OrgLevel;
  /** Set for (and only for) an `enterprise`. */
  enterprise?: EnterpriseProfile | null | undefined;
  createdAt: string;
}

/** A person: belongs to one org, holds roles. */
export interface UserRecord {
  id: string;
  name: string;
  orgId: string;
  roles: string[];
  locale: 'zh-CN' | 'en';
  /** Where e-mail notifications go; none when absent. */
  email?: string | null | undefined;
  /** Where the webhook channel posts this user's notifications (an http(s) URL); none when absent. */
  webhookUrl?: string | null | undefined;
  createdAt: string;
}

/** An API token. Only the sha256 of the token is stored; the token itself is shown once. */
export interface TokenRecord {
  id: string;
  userId: string;
  /** sha256 hex of the token text. */
  hash: string;
  label: string | null;
  /**
   * The user who issued it, when someone other than its holder (an admin) did:
   * events sent with it record both. `null` when the holder issued it or the
   * operator did (CLI, first start).
   */
  issuedBy?: string | null | undefined;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** When the token stops working (an ISO instant); null or absent: never. */
  expiresAt?: string | null | undefined;
}

/**
 * A web session: its own random id (the cookie), never the API token. Only
 * the id's sha256 is stored. It ends at `expiresAt` (absolute), after the
 * configured idle time since `lastSeenAt`, at logout (`revokedAt`), or when
 * the token it was opened with is revoked.
 */
export interface SessionRecord {
  id: string;
  /** sha256 hex of the session id the cookie carries. */
  hash: string;
  userId: string;
  /** The API token the user signed in with. */
  tokenId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** The web sessions (part of the people store). */
export interface SessionStore {
  add(session: SessionRecord): Promise<void>;
  /** A session by the sha256 of its id. */
  find(hash: string): Promise<SessionRecord | undefined>;
  /** Records a use at `at`. */
  touch(sessionId: string, at: string): Promise<void>;
  /** Revokes a session; false when it does not exist or was revoked before. */
  revoke(sessionId: string, at: string): Promise<boolean>;
  /** Deletes the sessions that expired (or were revoked) before `before`; resolves to how many. */
  purge(before: string): Promise<number>;
}

/** What an insert of an org or a user found: new, the same row already there, or a different row under that id. */
export type SaveOutcome = 'created' | 'exists' | 'conflict';

/** Orgs, users and their tokens. */
export interface PeopleStore {
  /** Inserts an org (its parent must exist); `exists` when identical, `conflict` when the id holds another. */
  addOrg(org: OrgRecord): Promise<SaveOutcome>;
  listOrgs(): Promise<OrgRecord[]>;
  /**
   * Inserts a user (its org must exist); `exists` when identical, `conflict`
   * when the id holds another. Throws `role_not_grantable` for the role
   * `system`, which no person holds.
   */
  addUser(user: UserRecord): Promise<SaveOutcome>;
  getUser(userId: string): Promise<UserRecord | undefined>;
  /** Users of the given orgs (all users when omitted), by id. */
  listUsers(orgIds?: string[]): Promise<UserRecord[]>;
  addToken(token: TokenRecord): Promise<void>;
  /** A token by its id or by the sha256 of its text. */
  findToken(by: { id: string } | { hash: string }): Promise<TokenRecord | undefined>;
  /** Records a use; skips the write when the stored time is newer than `skipIfAfter`. */
  touchToken(tokenId: string, at: string, skipIfAfter: string): Promise<void>;
  /** Revokes a token; false when it does not exist or was revoked before. */
  revokeToken(tokenId: string, at: string): Promise<boolean>;
  /**
   * How many tokens were ever revoked: a generation number that only grows
   * (tokens are never deleted), so a process caching tokens reads it now and
   * then and drops its cache when it moved (another process revoked one).
   */
  tokenRevocations(): Promise<number>;
  /** The web sessions. */
  readonly sessions: SessionStore;
}
