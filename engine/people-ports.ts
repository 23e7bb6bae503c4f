/**
 * The people port: the org tree, users and their API tokens (DESIGN §7). The
 * engine itself never reads it; the server uses it for access and the
 * notifications for recipients.
 */

/** The levels of the org tree (DESIGN §7), top down. */
export const ORG_LEVELS = ['province', 'city', 'county', 'township', 'grid'] as const;
export type OrgLevel = (typeof ORG_LEVELS)[number];

/** An org: a node of the jurisdiction tree. */
export interface OrgRecord {
  id: string;
  name: string;
  /** `null` for a root. */
  parentId: string | null;
  level: OrgLevel;
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
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** When the token stops working (an ISO instant); null or absent: never. */
  expiresAt?: string | null | undefined;
}

/** What an insert of an org or a user found: new, the same row already there, or a different row under that id. */
export type SaveOutcome = 'created' | 'exists' | 'conflict';

/** Orgs, users and their tokens. */
export interface PeopleStore {
  /** Inserts an org (its parent must exist); `exists` when identical, `conflict` when the id holds another. */
  addOrg(org: OrgRecord): Promise<SaveOutcome>;
  listOrgs(): Promise<OrgRecord[]>;
  /** Inserts a user (its org must exist); `exists` when identical, `conflict` when the id holds another. */
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
}
