/**
 * Access rules that depend only on the definition and the actor, as pure
 * checks the engine and the server share: who may send an event (roles, the
 * engine's own `system` role), who reads and changes nothing (the auditor),
 * whose jurisdiction reaches an org (the org tree as data), and to whom a task
 * may be transferred. Pure.
 */
import { rolesAllow, type CompiledWorkflow } from './compile.js';
import { isWithin, type OrgFacts } from './jurisdiction.js';
import type { Actor } from './types.js';

/** The role of people who read their jurisdiction's cases and change nothing. */
export const AUDITOR_ROLE = 'auditor';

/** Whether the actor reads only (an auditor): it sends no event, whatever its other roles. */
export function isAuditor(actor: Pick<Actor, 'roles'>): boolean {
  return actor.roles.includes(AUDITOR_ROLE);
}

/** Whether the actor's roles let it take a transition declaring `roles` (see {@link rolesAllow}). */
export function mayTake(roles: readonly string[] | null | undefined, actor: Actor): boolean {
  return !isAuditor(actor) && rolesAllow(roles, actor);
}

/**
 * Whether an actor's jurisdiction (its org and everything below it in the
 * org tree) reaches `org`. An actor without an org (the engine's own) reaches
 * every existing org.
 */
export function jurisdictionReaches(facts: OrgFacts, actor: Pick<Actor, 'org'>, org: string): boolean {
  return isWithin(facts, org, actor.org ?? null);
}

/**
 * Why a task may not be transferred to a person, or undefined when it may:
 * `not_a_task` (no task of that id in the definition) or `missing_role` (the
 * person lacks the role the task is offered to), with that role.
 */
export function transferRefusal(wf: CompiledWorkflow, task: string, target: { roles: readonly string[] }): { code: 'not_a_task' | 'missing_role'; role?: string } | undefined {
  const role = wf.tree.byId.get(task)?.def.task?.role;
  if (role === undefined) return { code: 'not_a_task' };
  return target.roles.includes(role) ? undefined : { code: 'missing_role', role };
}
