/**
 * Registration checks of a spawn's org rules (issue 8): a child's org is
 * named either by `org` (inside the owner's subtree, checked at run time) or
 * by a declared hand-over rule, never both; both are expressions checked like
 * any other. Kept apart from validate-definition.ts, which calls it. Pure.
 */
import type { SpawnDefinition } from './definition-schema.js';
import { HAND_OVER_RULES } from './jurisdiction.js';

type Path = (string | number)[];

/** Adds an issue for every problem of the spawn's hand-over rule. */
export function checkHandOver(spawn: Pick<SpawnDefinition, 'org' | 'handOver'>, path: Path, add: (code: string, path: Path, message: string) => void): void {
  if (!spawn.handOver) return;
  if (spawn.org !== undefined) add('conflicting_spawn_org', [...path, 'org'], 'a spawn names its child\'s org by `org` or by `handOver`, not both');
  if (!(HAND_OVER_RULES as readonly string[]).includes(spawn.handOver.to)) add('unknown_hand_over_rule', [...path, 'handOver', 'to'], `the hand-over rule must be one of ${HAND_OVER_RULES.join(', ')}`);
}

/** The expressions of a spawn that compute an org, with their paths (for the expression checks). */
export function spawnOrgExpressions(spawn: Pick<SpawnDefinition, 'org' | 'handOver'>, path: Path): [unknown, Path][] {
  return [
    ...(spawn.org === undefined ? [] : [[spawn.org, [...path, 'org']] as [unknown, Path]]),
    ...(spawn.handOver === undefined ? [] : [[spawn.handOver.org, [...path, 'handOver', 'org']] as [unknown, Path]]),
  ];
}
