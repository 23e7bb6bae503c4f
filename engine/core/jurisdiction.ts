/**
 * Jurisdiction at run time: what the org tree says about the orgs a step
 * names, the hand-over rule that may send a child case into a foreign
 * subtree, and the check that every org a step names exists and lies inside
 * what the definition's owner org governs. The facts come in as data (the
 * runtime reads them before the transaction), so this stays pure. Pure.
 */
import { EngineError, OrgNotFoundError, OrgOutOfJurisdictionError } from '../errors.js';
import type { Effect } from './effects.js';

/** One org of an ancestry: its id and its level (`province` … `grid`). */
export interface OrgFact {
  id: string;
  level: string;
}

/** The org tree as one step sees it. */
export interface OrgFacts {
  /** The org and the orgs above it, the org first and the root last; undefined when the org does not exist. */
  ancestry(org: string): readonly OrgFact[] | undefined;
}

/** The levels that hold a regulator office (应急管理部门): county and above. Townships and grids do not. */
export const REGULATOR_LEVELS: readonly string[] = ['province', 'city', 'county'];

/** The hand-over rules a spawn may declare. `regulatorOf`: the regulator that governs the named org. */
export const HAND_OVER_RULES = ['regulatorOf'] as const;
export type HandOverRule = (typeof HAND_OVER_RULES)[number];

/**
 * Resolves a hand-over: the receiving org for `rule` applied to the named org,
 * or undefined when the named org is unknown or nothing receives it. The
 * runtime builds it from {@link OrgFacts} and records what it answered with
 * the event, so replay answers the same.
 */
export type HandOverLookup = (rule: HandOverRule, named: string) => string | undefined;

/** Whether `org` is `ancestor` or lies below it; `null` (the root owner) governs every existing org. */
export function isWithin(facts: OrgFacts, org: string, ancestor: string | null): boolean {
  const chain = facts.ancestry(org);
  if (!chain) return false;
  return ancestor === null || chain.some((o) => o.id === ancestor);
}

/**
 * The regulator that governs `org`: the nearest org at or above it at a
 * regulator level (a company's grid → its county). Undefined when the org is
 * unknown or no org above it is a regulator.
 */
export function regulatorOf(facts: OrgFacts, org: string): string | undefined {
  return facts.ancestry(org)?.find((o) => REGULATOR_LEVELS.includes(o.level))?.id;
}

/** A hand-over lookup over the facts that records each answer in `used` (`"rule:named"` → receiving org). */
export function recordingHandOver(facts: OrgFacts, used: Record<string, string>): HandOverLookup {
  return (rule, named) => {
    const to = rule === 'regulatorOf' ? regulatorOf(facts, named) : undefined;
    if (to !== undefined) used[handOverKey(rule, named)] = to;
    return to;
  };
}

/** A hand-over lookup answering from what an event recorded (replay). */
export function recordedHandOver(recorded: Record<string, string> | undefined): HandOverLookup {
  return (rule, named) => recorded?.[handOverKey(rule, named)];
}

export function handOverKey(rule: HandOverRule, named: string): string {
  return `${rule}:${named}`;
}

/** What a transfer hands a task to: the person and the org they belong to (undefined: no such person). */
export interface TransferTarget {
  userId: string;
  org: string | undefined;
}

/**
 * Checks every org the effects of one step name: task orgs, notification
 * recipients' orgs (and acknowledgement chains), child case orgs, and the
 * person a task is transferred to. Each must exist (`org_not_found`) and lie
 * inside `owner`'s subtree (`org_out_of_jurisdiction`); a child created
 * through a declared hand-over is exempt from the second check only. The
 * case's own org (`caseOrg`, for a step of an existing case) needs no check:
 * it was settled when the case was opened, and a case opened without an org
 * tree (an engine embedded without an org resolver) must not be stuck when a
 * runtime that has one fires its timers or re-baselines its deadlines. Pure.
 * @example
 * checkStepOrgs(effects, 'donghu', facts); // throws org_out_of_jurisdiction for a spawn into xishan
 */
export function checkStepOrgs(effects: readonly Effect[], owner: string | null, facts: OrgFacts, transfer?: TransferTarget, caseOrg?: string): void {
  const check = (org: string, what: string, exempt = false) => {
    if (caseOrg !== undefined && org === caseOrg) return;
    if (!facts.ancestry(org)) throw new OrgNotFoundError(org, what);
    if (!exempt && !isWithin(facts, org, owner)) throw new OrgOutOfJurisdictionError(org, owner ?? '(root)', what);
  };
  for (const e of effects) {
    switch (e.type) {
      case 'open-task':
        if (e.orgScope === 'below' && caseOrg !== undefined && (e.org === caseOrg || !isWithin(facts, e.org, caseOrg))) {
          if (!facts.ancestry(e.org)) throw new OrgNotFoundError(e.org, `task ${e.stateId}`);
          throw new EngineError('org_out_of_jurisdiction', `task ${e.stateId} names org ${e.org}, which does not lie below ${caseOrg}, the case's org (the task is offered only below it)`, { org: e.org, caseOrg, what: `task ${e.stateId}` });
        }
        check(e.org, `task ${e.stateId}`);
        break;
      case 'notify':
        for (const r of [...e.to, ...(e.ack?.chain.flat() ?? [])]) if ('role' in r) check(r.org, `notification ${e.template}`);
        break;
      case 'spawn-case':
        if (e.handOver?.scope === 'below' && caseOrg !== undefined && (e.handOver.named === caseOrg || !isWithin(facts, e.handOver.named, caseOrg))) {
          if (!facts.ancestry(e.handOver.named)) throw new OrgNotFoundError(e.handOver.named, `child case of ${e.workflowId}`);
          throw new EngineError('org_out_of_jurisdiction', `the hand-over of a ${e.workflowId} case names org ${e.handOver.named}, which does not lie below ${caseOrg}, the case's org`, { org: e.handOver.named, caseOrg, what: `child case of ${e.workflowId}` });
        }
        check(e.org, `child case of ${e.workflowId}`, e.handOver !== undefined);
        break;
      case 'copy-case':
        for (const r of e.to) if ('role' in r) check(r.org, `the copy of ${e.stateId}`);
        break;
      default:
        break;
    }
  }
  if (transfer) {
    if (transfer.org === undefined) throw new EngineError('org_not_found', `the transfer names user ${transfer.userId}, who belongs to no known org`, { user: transfer.userId, what: 'the transfer' });
    check(transfer.org, `the transfer to ${transfer.userId}`);
  }
}
