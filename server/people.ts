/**
 * Managing people, shared by the API, the CLI and the demo data: importing
 * an org tree, creating a user with a first token, revoking a token.
 */
import { randomBytes } from 'node:crypto';
import { ORG_LEVELS, type Clock, type OrgRecord, type PeopleStore, type TokenRecord, type UserRecord } from '../engine/index.js';
import { hashToken, issueToken } from './access.js';
import { HttpError } from './http-errors.js';
import type { OrgTreeNode } from './schemas.js';

/** Inserts an org after checking its parent exists and sits above it. */
export async function addOrg(people: PeopleStore, clock: Clock, org: Omit<OrgRecord, 'createdAt'>, parent: OrgRecord | undefined): Promise<{ org: OrgRecord; created: boolean }> {
  if (org.parentId !== null && !parent) throw new HttpError('org_not_found', `parent org ${org.parentId} does not exist`);
  if (parent && ORG_LEVELS.indexOf(org.level) <= ORG_LEVELS.indexOf(parent.level)) {
    throw new HttpError('invalid_request', `a ${org.level} cannot sit below a ${parent.level}`, [{ code: 'invalid_level', path: ['body', 'level'], message: `must be below ${parent.level}` }]);
  }
  const record: OrgRecord = { ...org, createdAt: clock.now().toISOString() };
  const outcome = await people.addOrg(record);
  if (outcome === 'conflict') throw new HttpError('already_exists', `org ${org.id} already exists with other content`);
  return { org: record, created: outcome === 'created' };
}

/** Imports an org tree (nested `children`), parents first; orgs already there unchanged are skipped. */
export async function importOrgTree(people: PeopleStore, clock: Clock, root: OrgTreeNode, parentId: string | null = null): Promise<{ created: number; existing: number }> {
  const existing = new Map((await people.listOrgs()).map((o) => [o.id, o]));
  const counts = { created: 0, existing: 0 };
  const walk = async (node: OrgTreeNode, parent: string | null) => {
    const r = await addOrg(people, clock, { id: node.id, name: node.name, level: node.level, parentId: parent }, parent === null ? undefined : existing.get(parent));
    existing.set(r.org.id, r.org);
    counts[r.created ? 'created' : 'existing']++;
    for (const child of node.children ?? []) await walk(child, node.id);
  };
  await walk(root, parentId);
  return counts;
}

/** Creates a user (its org must exist) with their contact for notifications, and a first token. The token is returned once. */
export async function createUser(
  people: PeopleStore,
  clock: Clock,
  input: { id?: string | undefined; name: string; orgId: string; roles: string[]; locale?: UserRecord['locale'] | undefined; email?: string | undefined; webhookUrl?: string | undefined },
): Promise<{ user: UserRecord; token: string; tokenId: string }> {
  const user: UserRecord = {
    id: input.id ?? `u-${randomBytes(6).toString('hex')}`, name: input.name, orgId: input.orgId, roles: [...new Set(input.roles)], locale: input.locale ?? 'zh-CN',
    email: input.email ?? null, webhookUrl: input.webhookUrl ?? null, createdAt: clock.now().toISOString(),
  };
  const outcome = await people.addUser(user);
  if (outcome !== 'created') throw new HttpError('already_exists', `user ${user.id} already exists`);
  const { token, record } = await issueToken(people, clock, user.id, 'created with the user');
  return { user, token, tokenId: record.id };
}

/** Finds a token by its id (`tok_…`) or its text. */
export async function findToken(people: PeopleStore, idOrToken: string): Promise<TokenRecord | undefined> {
  return (await people.findToken({ id: idOrToken })) ?? (await people.findToken({ hash: hashToken(idOrToken) }));
}
