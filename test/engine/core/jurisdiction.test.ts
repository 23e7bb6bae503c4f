/**
 * checkStepOrgs: every org a step names must exist and lie under the
 * definition's owner, except the case's own org, which was settled when the
 * case was opened (a case opened by an engine without an org tree keeps
 * running where one is present).
 */
import { describe, expect, it } from 'vitest';
import { checkStepOrgs, type OrgFacts } from '../../../engine/index.js';
import type { Effect } from '../../../engine/core/effects.js';

const tree: Record<string, { id: string; level: string }[]> = {
  jiangzhou: [{ id: 'jiangzhou', level: 'city' }],
  donghu: [{ id: 'donghu', level: 'county' }, { id: 'jiangzhou', level: 'city' }],
  xishan: [{ id: 'xishan', level: 'county' }, { id: 'jiangzhou', level: 'city' }],
};
const facts: OrgFacts = { ancestry: (org) => tree[org] };
const task = (org: string): Effect => ({ type: 'open-task', id: 'e1', taskKey: 'c:open', stateId: 'open', role: 'clerk', org, title: '办理' });

describe('checkStepOrgs', () => {
  it('refuses an unknown org and one outside the owner', () => {
    expect(() => checkStepOrgs([task('nowhere')], 'donghu', facts)).toThrow(expect.objectContaining({ code: 'org_not_found' }));
    expect(() => checkStepOrgs([task('xishan')], 'donghu', facts)).toThrow(expect.objectContaining({ code: 'org_out_of_jurisdiction' }));
    expect(() => checkStepOrgs([task('donghu')], 'donghu', facts)).not.toThrow();
  });

  it("accepts the case's own org, even one the tree lacks, and still checks the others", () => {
    expect(() => checkStepOrgs([task('district-a')], null, facts, undefined, 'district-a')).not.toThrow();
    expect(() => checkStepOrgs([task('district-a'), task('nowhere')], null, facts, undefined, 'district-a')).toThrow(expect.objectContaining({ code: 'org_not_found' }));
    expect(() => checkStepOrgs([task('xishan')], 'donghu', facts, undefined, 'donghu')).toThrow(expect.objectContaining({ code: 'org_out_of_jurisdiction' }));
  });

  it('keeps a hand-over scoped "below" below the case\'s org: a city hands to its district, not a neighbour or itself', () => {
    const handOver = (named: string, to: string): Effect => ({
      type: 'spawn-case', id: 'e2', parentCaseId: 'a', childCaseId: 'a/2/0', workflowId: 'four-no-pass', org: to, data: {}, stateId: 'handling', index: 0,
      handOver: { rule: 'regulatorOf', named, scope: 'below' },
    });
    expect(() => checkStepOrgs([handOver('donghu', 'donghu')], null, facts, undefined, 'jiangzhou')).not.toThrow();
    expect(() => checkStepOrgs([handOver('xishan', 'xishan')], null, facts, undefined, 'donghu')).toThrow(expect.objectContaining({ code: 'org_out_of_jurisdiction' }));
    expect(() => checkStepOrgs([handOver('jiangzhou', 'jiangzhou')], null, facts, undefined, 'donghu')).toThrow(expect.objectContaining({ code: 'org_out_of_jurisdiction' }));
    expect(() => checkStepOrgs([handOver('donghu', 'donghu')], null, facts, undefined, 'donghu')).toThrow(expect.objectContaining({ code: 'org_out_of_jurisdiction' }));
    expect(() => checkStepOrgs([handOver('nowhere', 'nowhere')], null, facts, undefined, 'jiangzhou')).toThrow(expect.objectContaining({ code: 'org_not_found' }));
    // Without the scope a hand-over may leave the case's subtree (移交 to another body).
    const free: Effect = { ...(handOver('xishan', 'xishan') as Extract<Effect, { type: 'spawn-case' }>), handOver: { rule: 'regulatorOf', named: 'xishan' } };
    expect(() => checkStepOrgs([free], 'donghu', facts, undefined, 'donghu')).not.toThrow();
  });
});
