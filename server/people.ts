/**
 * Managing people, shared by the API, the CLI and the demo data: importing
 * an org tree, creating a user with a first token, revoking a token.
 */
import { randomBytes } from 'node:crypto';
import { type Clock } from '../engine/index.js';
import { hashToken, issueToken } from './access.js';
import { HttpError } from './http-errors.js';
import type { OrgTreeNode } from './schemas.js';
import { ORG_LEVELS, type OrgRecord, type PeopleStore, type TokenRecord, type UserRecord } from './people-ports.js';

/** An enterprise profile as given (the API's or an import file's). */
type ProfileInput = { industry: string; address: string; creditCode?: string | null | undefined; supervisors?: string[] | undefined; majorHazard?: boolean | undefined };

/**
 * Inserts an org after checking its parent exists and sits above it. An
 * `enterprise` needs its profile (an office has none), a parent (the grid it
 * sits in) and supervisors that are existing offices (`known`: the orgs, when
 * the caller has them; read from the store otherwise).
 */
export async function addOrg(
  people: PeopleStore,
  clock: Clock,
  input: Omit<OrgRecord, 'createdAt' | 'enterprise'> & { enterprise?: ProfileInput | null | undefined },
  parent: OrgRecord | undefined,
  known?: ReadonlyMap<string, OrgRecord>,
): Promise<{ org: OrgRecord; created: boolean }> {
  if (input.parentId !== null && !parent) throw new HttpError('org_not_found', `parent org ${input.parentId} does not exist`);
  if (parent && ORG_LEVELS.indexOf(input.level) <= ORG_LEVELS.indexOf(parent.level)) {
    throw new HttpError('invalid_request', `a ${input.level} cannot sit below a ${parent.level}`, [{ code: 'invalid_level', path: ['body', 'level'], message: `must be below ${parent.level}` }]);
  }
  const { enterprise: profile, ...org } = input;
  const isEnterprise = org.level === 'enterprise';
  if (isEnterprise !== !!profile) {
    const message = isEnterprise ? 'an enterprise needs its profile: industry, address, supervisors' : 'only an enterprise has an enterprise profile';
    throw new HttpError('invalid_request', message, [{ code: isEnterprise ? 'profile_required' : 'profile_not_allowed', path: ['body', 'enterprise'], message }]);
  }
  if (isEnterprise && !parent) throw new HttpError('invalid_request', 'an enterprise sits in a grid (or another office): give its parentId', [{ code: 'parent_required', path: ['body', 'parentId'], message: 'the grid it sits in' }]);
  let enterprise: OrgRecord['enterprise'];
  if (profile) {
    const supervisors = [...new Set(profile.supervisors ?? [])];
    const orgs = known ?? new Map((await people.listOrgs()).map((o) => [o.id, o]));
    for (const [i, id] of supervisors.entries()) {
      const s = orgs.get(id);
      if (!s) throw new HttpError('org_not_found', `supervising department ${id} does not exist`);
      if (s.level === 'enterprise') throw new HttpError('invalid_request', `${id} is an enterprise, not a supervising department`, [{ code: 'invalid_supervisor', path: ['body', 'enterprise', 'supervisors', i], message: 'must be an office' }]);
    }
    enterprise = { industry: profile.industry, address: profile.address, creditCode: profile.creditCode ?? null, supervisors, ...(profile.majorHazard === true ? { majorHazard: true } : {}) };
  }
  const record: OrgRecord = { ...org, ...(enterprise ? { enterprise } : {}), createdAt: clock.now().toISOString() };
  const outcome = await people.addOrg(record);
  if (outcome === 'conflict') throw new HttpError('already_exists', `org ${org.id} already exists with other content`);
  return { org: record, created: outcome === 'created' };
}

/** Imports an org tree (nested `children`), parents first; orgs already there unchanged are skipped. */
export async function importOrgTree(people: PeopleStore, clock: Clock, root: OrgTreeNode, parentId: string | null = null): Promise<{ created: number; existing: number }> {
  const existing = new Map((await people.listOrgs()).map((o) => [o.id, o]));
  const counts = { created: 0, existing: 0 };
  const walk = async (node: OrgTreeNode, parent: string | null) => {
    const r = await addOrg(people, clock, { id: node.id, name: node.name, level: node.level, parentId: parent, enterprise: node.enterprise }, parent === null ? undefined : existing.get(parent), existing);
    existing.set(r.org.id, r.org);
    counts[r.created ? 'created' : 'existing']++;
    for (const child of node.children ?? []) await walk(child, node.id);
  };
  await walk(root, parentId);
  return counts;
}

/**
 * Creates a user (its org must exist) with their contact for notifications,
 * and a first token, returned once. `issuedBy` is the admin creating it: the
 * first token records that admin (the user replaces it with one of their own,
 * `POST /api/v1/me/tokens`). Roles are checked against the catalogue by the
 * callers (`roles.ts`); the store refuses `system` whatever the caller.
 */
export async function createUser(
  people: PeopleStore,
  clock: Clock,
  input: { id?: string | undefined; name: string; orgId: string; roles: string[]; locale?: UserRecord['locale'] | undefined; email?: string | undefined; webhookUrl?: string | undefined },
  issuedBy: string | null = null,
): Promise<{ user: UserRecord; token: string; tokenId: string }> {
  const user: UserRecord = {
    id: input.id ?? `u-${randomBytes(6).toString('hex')}`, name: input.name, orgId: input.orgId, roles: [...new Set(input.roles)], locale: input.locale ?? 'zh-CN',
    email: input.email ?? null, webhookUrl: input.webhookUrl ?? null, createdAt: clock.now().toISOString(),
  };
  const outcome = await people.addUser(user);
  if (outcome !== 'created') throw new HttpError('already_exists', `user ${user.id} already exists`);
  const { token, record } = await issueToken(people, clock, user.id, { label: 'created with the user', issuedBy });
  return { user, token, tokenId: record.id };
}

/** Finds a token by its id (`tok_…`) or its text. */
export async function findToken(people: PeopleStore, idOrToken: string): Promise<TokenRecord | undefined> {
  return (await people.findToken({ id: idOrToken })) ?? (await people.findToken({ hash: hashToken(idOrToken) }));
}

