/**
 * Accident grades (DOMAIN §3.1, Order 493 Art. 3) as data: the thresholds, and
 * the JSON Logic that computes the grade from deaths, serious injuries and
 * direct loss, so a stored definition recomputes it on replay. Pure data.
 */
// Type-only: the definition is plain data and loads without the engine.
import type { TransitionDefinition } from '../engine/index.js';
import { copy, increment } from './field-helpers.js';

/** A JSON Logic rule, as guards and assignments take it. */
export type Expression = NonNullable<TransitionDefinition['guard']>;

export const ACCIDENT_GRADES = ['general', 'serious', 'major', 'extraordinary'] as const;
export type AccidentGrade = (typeof ACCIDENT_GRADES)[number];
export const INVESTIGATING_LEVELS = ['county', 'city', 'province', 'stateCouncil'] as const;

/**
 * Art. 3 thresholds ("以上" includes the bound): the lowest deaths, serious
 * injuries and direct loss (CNY) that reach each grade above `general`,
 * highest grade first.
 */
export const GRADE_THRESHOLDS = [
  { grade: 'extraordinary', deaths: 30, seriousInjuries: 100, directLossCny: 100_000_000 },
  { grade: 'major', deaths: 10, seriousInjuries: 50, directLossCny: 50_000_000 },
  { grade: 'serious', deaths: 3, seriousInjuries: 10, directLossCny: 10_000_000 },
] as const satisfies readonly { grade: AccidentGrade; deaths: number; seriousInjuries: number; directLossCny: number }[];

export const LEVEL_OF_GRADE = { extraordinary: 'stateCouncil', major: 'province', serious: 'city', general: 'county' } as const satisfies Record<AccidentGrade, (typeof INVESTIGATING_LEVELS)[number]>;
const RANK_OF_GRADE = { extraordinary: 4, major: 3, serious: 2, general: 1 } as const satisfies Record<AccidentGrade, number>;

/**
 * JSON Logic for the grade from `<source>.deaths`, `.seriousInjuries` and
 * `.directLossCny`: the first grade whose threshold any of the three reaches.
 */
export function gradeExpression(source: 'payload' | 'data'): Expression {
  const reaches = (t: (typeof GRADE_THRESHOLDS)[number]) => ({
    or: (['deaths', 'seriousInjuries', 'directLossCny'] as const).map((k) => ({ '>=': [{ var: `${source}.${k}` }, t[k]] })),
  });
  return { if: [...GRADE_THRESHOLDS.flatMap((t) => [reaches(t), t.grade]), 'general'] };
}

/** Maps a grade expression through a table (JSON Logic `if` chain). */
export const lookup = (grade: Expression, table: Record<AccidentGrade, string | number>) => ({
  if: [...(['extraordinary', 'major', 'serious'] as const).flatMap((g) => [{ '==': [grade, g] }, table[g]]), table.general],
});
export const gradeRaisedBy = (next: Expression) => ({ '>': [lookup(next, RANK_OF_GRADE), lookup({ var: 'data.grade' }, RANK_OF_GRADE)] });

/** The assignments of a casualty update: new numbers, the grade recomputed, the rise recorded. */
export function regrade(): Record<string, Expression> {
  const next = gradeExpression('payload');
  return {
    ...copy('deaths', 'seriousInjuries', 'directLossCny', 'casualtyUpdateNote'),
    missingPersons: { if: [{ '!=': [{ var: 'payload.missingPersons' }, null] }, { var: 'payload.missingPersons' }, { var: 'data.missingPersons' }] },
    previousGrade: { var: 'data.grade' },
    grade: next,
    gradeRaised: gradeRaisedBy(next),
    // Art. 20: a higher grade may move the investigation up; a lower one does not move it down.
    investigatingLevel: { if: [gradeRaisedBy(next), lookup(next, LEVEL_OF_GRADE), { var: 'data.investigatingLevel' }] },
    gradeHistory: { merge: [{ var: 'data.gradeHistory' }, [next]] },
    casualtyUpdateCount: increment('casualtyUpdateCount'),
    lastCasualtyUpdateAt: { var: 'now' },
  };
}
