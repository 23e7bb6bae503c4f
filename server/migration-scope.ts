/**
 * Who may migrate which cases (issue 15): an admin moves only the running
 * cases of its own subtree (or of one org inside it), and only between
 * definition versions it governs — versions owned in its subtree, or the
 * root's (built-in) versions when it is the admin of the root.
 */
import type { MigrateCasesOptions, MigrationReport, Engine } from '../engine/index.js';
import type { OrgDirectory, Principal } from './access.js';
import { assertJurisdiction } from './access.js';
import { HttpError } from './http-errors.js';

/** Throws `out_of_jurisdiction` unless `p` governs the definitions its owner `owner` holds. */
export async function assertGovernsDefinition(orgs: OrgDirectory, p: Principal, workflowId: string, version: number, owner: string | null): Promise<void> {
  if (owner !== null) return assertJurisdiction(p, owner, `version ${version} of ${workflowId}`);
  const roots = (await orgs.list()).filter((o) => o.parentId === null);
  const isRootAdmin = roots.length === 1 && roots[0]!.id === p.user.orgId;
  if (!isRootAdmin) throw new HttpError('out_of_jurisdiction', `version ${version} of ${workflowId} is the root's; only the root's admin migrates its cases`);
}

/** What an admin asks for: the workflow, both versions, the mapping, dry or not, and optionally one org of its subtree. */
export interface MigrationRequest {
  workflowId: string;
  fromVersion: number;
  toVersion: number;
  map: unknown;
  dryRun?: boolean | undefined;
  org?: string | undefined;
}

/**
 * Checks the scope and runs (or plans) the migration over the cases of the
 * named org's subtree (the admin's own by default). Definitions the admin
 * may not read answer `workflow_not_found` like missing ones.
 */
export async function migrateInScope(engine: Engine, orgs: OrgDirectory, p: Principal, req: MigrationRequest): Promise<MigrationReport> {
  const at = req.org ?? p.user.orgId;
  if (!(await orgs.get(at))) throw new HttpError('org_not_found', `org ${at} does not exist`);
  assertJurisdiction(p, at, 'the cases to migrate');
  for (const version of [req.fromVersion, req.toVersion]) {
    const owner = await engine.registry.ownerOf(req.workflowId, version);
    await assertGovernsDefinition(orgs, p, req.workflowId, version, owner);
  }
  const opts: MigrateCasesOptions = {
    workflowId: req.workflowId, fromVersion: req.fromVersion, toVersion: req.toVersion, map: req.map, dryRun: req.dryRun === true,
    orgs: [...(await orgs.subtree(at))], actor: p.actor,
  };
  return engine.migrateCases(opts);
}
