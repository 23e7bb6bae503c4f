import { describe, expect, it } from 'vitest';
import { toMermaid } from '../../server/diagram.js';
import { counterWorkflow } from '../support/counter-workflow.js';
import { movesWorkflow } from '../support/moves-workflow.js';
import { hazardWorkflow } from '../../workflows/index.js';
import { WorkflowDefinitionSchema } from '../../engine/index.js';

const nested = WorkflowDefinitionSchema.parse({
  id: 'gate', version: 1, title: '闸门', roles: ['clerk'], initial: 'open',
  states: {
    open: { on: { start: { target: 'checks', roles: ['clerk'] } } },
    checks: {
      type: 'parallel',
      states: {
        cause: { initial: 'pending', states: { pending: { on: { found: { target: 'done', roles: ['clerk'] } } }, done: { type: 'final' } } },
        people: { initial: 'pending', states: { pending: { on: { found: { target: 'done', roles: ['clerk'] } } }, done: { type: 'final' } } },
      },
      onDone: { target: 'closed' },
    },
    closed: { type: 'final', title: '已结案 "quoted"' },
  },
});

describe('toMermaid', () => {
  it('draws 退回 to each declared earlier state and 拿回 back to each state that hands on', () => {
    const lines = toMermaid(WorkflowDefinitionSchema.parse(movesWorkflow)).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['  review --> draft: 退回', '  archive --> draft: 退回', '  archive --> review: 退回', '  review --> draft: 拿回']));
    expect(lines.filter((l) => l.endsWith('拿回'))).toHaveLength(1);
  });

  it('draws states, the initial arrow, finals and transitions (labelled only by Chinese event titles)', () => {
    const text = toMermaid(WorkflowDefinitionSchema.parse(counterWorkflow));
    expect(text.split('\n')).toEqual(expect.arrayContaining(['stateDiagram-v2', '  [*] --> open', '  closed --> [*]', '  open --> review', '  review --> open', '  open --> open']));
  });

  it('nests compound states, separates parallel regions with -- and keeps equal keys apart', () => {
    const text = toMermaid(nested);
    expect(text).toContain('  state checks {');
    expect(text).toContain('    --');
    expect(text).toContain('checks__cause__pending --> checks__cause__done');
    expect(text).toContain('checks__people__pending --> checks__people__done');
    expect(text).toContain('checks --> closed: 完成');
    expect(text).toContain('state "已结案  quoted" as closed');
  });

  it('highlights the active atomic states of a case', () => {
    const text = toMermaid(nested, { checks: { cause: 'done', people: 'pending' } });
    expect(text).toContain('class checks__cause__done,checks__people__pending current');
  });

  it('draws the hazard workflow with every state declared', () => {
    const text = toMermaid(WorkflowDefinitionSchema.parse(hazardWorkflow));
    expect(text).toContain('state active {');
    expect(text.split('\n').filter((l) => l.includes('-->')).length).toBeGreaterThan(20);
  });
});

describe('toMermaid labels', () => {
  it('labels the hazard workflow in Chinese only: no English "always" or event ids on its edges', () => {
    const text = toMermaid(WorkflowDefinitionSchema.parse(hazardWorkflow));
    const labels = text.split('\n').filter((l) => l.includes('-->') && l.includes(': ')).map((l) => l.split(': ')[1]!);
    expect(labels.length).toBeGreaterThan(10);
    for (const l of labels) expect(l).not.toMatch(/[A-Za-z]/);
    expect(text).not.toContain('always');
  });
});

describe('toMermaid with signing tasks and copies', () => {
  it('marks a 会签 state with its rule and a state that copies the case with 抄送', async () => {
    const { signWorkflow } = await import('../support/sign-workflow.js');
    const text = toMermaid(WorkflowDefinitionSchema.parse(signWorkflow('all')));
    expect(text).toContain('state "联合验收 ［会签］" as joint');
    expect(text).toContain('state "已办结 ［抄送］" as closed');
    expect(toMermaid(WorkflowDefinitionSchema.parse(signWorkflow({ share: 0.6667 })))).toContain('联合验收 ［票签≥67%］');
    expect(toMermaid(WorkflowDefinitionSchema.parse(signWorkflow('any')))).toContain('联合验收 ［或签］');
  });
});
