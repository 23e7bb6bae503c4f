/**
 * Who owns a workflow definition version (DESIGN §10, issue 8), as the API,
 * the CLI and the admin pages use it:
 *
 * - An admin registers a version at an org of its own subtree (its own org by
 *   default); it governs new cases in that org's subtree only.
 * - A version registered at the root of the tree (the built-in workflows, or a
 *   root admin's version) is stored as the root's (`null` owner): it governs
 *   every org not overridden below. Only a root admin can register there.
 * - Callers see the versions that govern them (owned on their ancestry) and,
 *   admins, those registered below them; other districts' definitions are
 *   answered like missing ones.
 */
import type { StoredDefinition } from '../engine/index.js';
import type { OrgDirectory, Principal } from './access.js';
import { assertJurisdiction } from './access.js';
import { HttpError } from './http-errors.js';

/** The owner a registration by `p` at `org` (its own org by default) is stored under: `null` for the root. */
export async function registrationOwner(orgs: OrgDirectory, p: Principal, org: string | undefined): Promise<string | null> {
  const at = org ?? p.user.orgId;
  const record = await orgs.get(at);
  if (!record) throw new HttpError('org_not_found', `org ${at} does not exist`);
  assertJurisdiction(p, at, 'the definition');
  const roots = (await orgs.list()).filter((o) => o.parentId === null);
  // The single root of the tree is "the root": its versions replace the built-in ones everywhere.
  return record.parentId === null && roots.length === 1 ? null : at;
}

/** Which owners' definitions `p` may read: the root's, those on its ancestry, and (admins) those in its subtree. */
export async function definitionVisibility(orgs: OrgDirectory, p: Principal): Promise<(owner: string | null) => boolean> {
  const above = new Set((await orgs.ancestry(p.user.orgId)).map((o) => o.id));
  return (owner) => owner === null || above.has(owner) || (p.isAdmin && p.subtree.has(owner));
}

/** The name people read for an owner: the org's name; the root's name for `null` (or 根机构 when the tree has several roots). */
export async function ownerName(orgs: OrgDirectory, owner: string | null): Promise<string> {
  if (owner !== null) return (await orgs.get(owner))?.name ?? owner;
  const roots = (await orgs.list()).filter((o) => o.parentId === null);
  return roots.length === 1 ? roots[0]!.name : '根机构';
}

/** The stored versions `p` may read, grouped by workflow id, each list by version. */
export async function visibleDefinitions(all: StoredDefinition[], orgs: OrgDirectory, p: Principal): Promise<Map<string, StoredDefinition[]>> {
  const visible = await definitionVisibility(orgs, p);
  const byId = new Map<string, StoredDefinition[]>();
  for (const d of all) if (visible(d.ownerOrg)) byId.set(d.workflowId, [...(byId.get(d.workflowId) ?? []), d]);
  return byId;
}
