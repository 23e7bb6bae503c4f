/**
 * The role catalogue: which roles exist, where their holders sit and which
 * admins may grant them (DESIGN §7, issue 8 "Built-in events have owners").
 *
 * - The known roles are those the registered workflows declare plus `admin`
 *   and `auditor`. `system` is the engine's own (timers, escalations, child
 *   cases) and is never granted (`role_not_grantable`); any other unknown role
 *   is refused with the list of known ones (`unknown_role`).
 * - Each role has the org levels its holders sit at (`holders`) and the org
 *   levels of the admins who may grant it (`grantors`). An admin grants only
 *   within its subtree (checked by the routes) and only roles whose
 *   `grantors` include its own org's level. The operator (CLI) is above every
 *   level; the holder levels still apply.
 * - Enterprise roles are held in `enterprise` orgs only, and an enterprise's
 *   users hold only enterprise roles: a company is never a user of an office.
 * - A role a workflow declares that the table does not list is an office role
 *   any admin may grant, held at any office level.
 */
import { SYSTEM_ROLE } from '../engine/index.js';
import { builtinWorkflows } from '../workflows/index.js';
import { HttpError } from './http-errors.js';
import { ORG_LEVELS, type OrgLevel, type OrgRecord } from './people-ports.js';

/** Where a role is held and who may grant it. */
export interface RoleRule {
  /** Org levels a holder may belong to. */
  holders: readonly OrgLevel[];
  /** Org levels of the admins who may grant it. */
  grantors: readonly OrgLevel[];
}

const OFFICES: readonly OrgLevel[] = ['province', 'city', 'county', 'township', 'grid'];
const REGULATORS: readonly OrgLevel[] = ['province', 'city', 'county', 'township'];
const UPPER: readonly OrgLevel[] = ['province', 'city', 'county'];

/** The rules of the roles the server and the built-in workflows give meaning to. */
export const ROLE_RULES: Readonly<Record<string, RoleRule>> = {
  // An admin is made by an admin of a county or above, never by a township's or a grid's.
  admin: { holders: REGULATORS, grantors: UPPER },
  // Auditors watch the admins: made only by a city or province admin.
  auditor: { holders: UPPER, grantors: ['province', 'city'] },
  safetyCommitteeLeader: { holders: REGULATORS, grantors: UPPER },
  safetyCommitteeOffice: { holders: REGULATORS, grantors: UPPER },
  governmentLeader: { holders: REGULATORS, grantors: UPPER },
  regulatorLeader: { holders: REGULATORS, grantors: UPPER },
  regulatorReviewer: { holders: REGULATORS, grantors: REGULATORS },
  inspector: { holders: REGULATORS, grantors: REGULATORS },
  townshipSafetyOffice: { holders: ['township'], grantors: REGULATORS },
  gridOfficer: { holders: ['township', 'grid'], grantors: REGULATORS },
  // A unit (单位) that handles a letter, an interview or a circular is an office or an enterprise.
  unitHead: { holders: [...OFFICES, 'enterprise'], grantors: OFFICES },
  unitHandler: { holders: [...OFFICES, 'enterprise'], grantors: OFFICES },
  enterprisePrincipal: { holders: ['enterprise'], grantors: OFFICES },
  enterpriseSafetyOfficer: { holders: ['enterprise'], grantors: OFFICES },
};

/** The rule of a workflow-declared role the table does not list. */
const DEFAULT_RULE: RoleRule = { holders: OFFICES, grantors: OFFICES };

/** The known roles and their rules. */
export interface RoleCatalogue {
  /** Every grantable role, sorted, with its rule. */
  roles: ReadonlyMap<string, RoleRule>;
}

/** Builds the catalogue from the built-in workflows and every stored definition. */
export async function loadRoleCatalogue(store: { listDefinitions(): Promise<{ definition: unknown }[]> }): Promise<RoleCatalogue> {
  const declared = new Set<string>(['admin', 'auditor']);
  const add = (def: unknown) => {
    const roles = (def as { roles?: unknown } | null)?.roles;
    if (Array.isArray(roles)) for (const r of roles) if (typeof r === 'string') declared.add(r);
  };
  for (const wf of builtinWorkflows) add(wf);
  for (const d of await store.listDefinitions()) add(d.definition);
  declared.delete(SYSTEM_ROLE);
  return { roles: new Map([...declared].sort().map((r) => [r, ROLE_RULES[r] ?? DEFAULT_RULE])) };
}

/** Who grants: an admin in an org, or the operator at the command line. */
export type Grantor = { admin: OrgRecord } | 'operator';

/**
 * Throws unless every role may be given to a user of `org` by `grantor`:
 * `role_not_grantable` (`system`, a level that may not hold it, an admin
 * whose level may not grant it) or `unknown_role` (with the known ones).
 */
export function assertGrantable(catalogue: RoleCatalogue, roles: readonly string[], org: OrgRecord, grantor: Grantor): void {
  for (const role of roles) {
    if (role === SYSTEM_ROLE) throw new HttpError('role_not_grantable', 'role system is the engine\'s own (timers, escalations) and is never granted to a person');
    const rule = catalogue.roles.get(role);
    if (!rule) {
      const issues = unknownRoleIssues([role], [...catalogue.roles.keys()], () => ['body', 'roles']);
      throw new HttpError('unknown_role', `role ${role} is not declared by any registered workflow: ${issues[0]!.message}`, issues);
    }
    if (!rule.holders.includes(org.level)) {
      throw new HttpError('role_not_grantable', `role ${role} is held in ${rule.holders.join('/')} orgs, not in the ${org.level} ${org.id}`);
    }
    if (grantor !== 'operator' && !rule.grantors.includes(grantor.admin.level)) {
      throw new HttpError('role_not_grantable', `role ${role} is granted by an admin of a ${rule.grantors.join('/')}, not of a ${grantor.admin.level}`);
    }
  }
}

/** The catalogue as a table for people (README, `duban roles`): role, holder levels, granting levels. */
export function describeCatalogue(catalogue: RoleCatalogue): { role: string; holders: OrgLevel[]; grantors: OrgLevel[] }[] {
  const order = (ls: readonly OrgLevel[]) => ORG_LEVELS.filter((l) => ls.includes(l));
  return [...catalogue.roles].map(([role, r]) => ({ role, holders: order(r.holders), grantors: order(r.grantors) }));
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
