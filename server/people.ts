/**
 * Managing people, shared by the API, the CLI and the demo data: importing
 * an org tree, creating a user with a first token, revoking a token.
 */
import { randomBytes } from 'node:crypto';
import { ORG_LEVELS, type Clock, type OrgRecord, type PeopleStore, type Store, type TokenRecord, type UserRecord } from '../engine/index.js';
import { ADMIN_ROLE, AUDITOR_ROLE, hashToken, issueToken } from './access.js';
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

/** Roles no user may hold: the engine's own actor for timers and built-in events. */
const UNGRANTABLE_ROLES = new Set(['system']);

/**
 * The role catalogue: every role a registered workflow declares (stored
 * versions and `extra`, e.g. the built-ins before they are registered), plus
 * the server's own `admin` and `auditor`; never `system`. Sorted.
 */
export async function knownRoles(store: Pick<Store, 'listDefinitions'>, extra: readonly unknown[] = []): Promise<string[]> {
  const roles = new Set<string>([ADMIN_ROLE, AUDITOR_ROLE]);
  const add = (def: unknown) => {
    const declared = def && typeof def === 'object' ? (def as { roles?: unknown }).roles : undefined;
    if (Array.isArray(declared)) for (const r of declared) if (typeof r === 'string' && !UNGRANTABLE_ROLES.has(r)) roles.add(r);
  };
  for (const d of await store.listDefinitions()) add(d.definition);
  for (const d of extra) add(d);
  return [...roles].sort();
}

/** One issue per role that is not in the catalogue, naming the known roles (and the nearest one, for a typo). */
export function unknownRoleIssues(roles: readonly string[], known: readonly string[], path: (index: number) => (string | number)[]): { code: string; path: (string | number)[]; message: string }[] {
  const issues: { code: string; path: (string | number)[]; message: string }[] = [];
  roles.forEach((role, i) => {
    if (known.includes(role)) return;
    const near = known.map((k) => ({ k, d: editDistance(role.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
    const hint = near && near.d <= Math.max(2, Math.floor(role.length / 4)) ? ` (did you mean ${near.k}?)` : '';
    issues.push({ code: 'unknown_role', path: path(i), message: `"${role}" is not a known role${hint}; known roles: ${known.join(', ')}` });
  });
  return issues;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}
