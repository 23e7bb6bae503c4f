import { defineWorkflow } from '../../engine/index.js';

const data = { type: 'object', properties: { count: { type: 'integer', default: 0 }, note: { type: 'string' } } } as const;

/** A small workflow with every administrative move declared: 终止 by chiefs, 退回 and 拿回 around the review. */
export const movesWorkflow = defineWorkflow({
  id: 'moves',
  version: 1,
  title: { zh: '流转演示', en: 'Moves' },
  roles: ['clerk', 'chief'],
  data,
  terminate: { roles: ['chief'] },
  initial: 'draft',
  states: {
    draft: {
      title: '起草',
      task: { title: '起草', role: 'clerk' },
      on: { submit: { target: 'review', roles: ['clerk'], assign: { count: { '+': [{ var: 'data.count' }, 1] } } } },
    },
    review: {
      title: '审核',
      task: { title: '审核', role: 'chief' },
      takeBack: true,
      sendBack: { to: ['draft'] },
      deadlines: [{ id: 'review', duration: 'P3D' }],
      on: { approve: { target: 'archive', roles: ['chief'] } },
    },
    archive: {
      title: '归档',
      task: { title: '归档', role: 'clerk' },
      sendBack: { to: ['draft', 'review'] },
      on: { file: { target: 'done', roles: ['clerk'] } },
    },
    done: { type: 'final', title: '办结' },
  },
});

/** Version 2: the review is renamed `check`, runs 5 days and gains a comment field; the old `note` becomes `comment`. */
export const movesWorkflowV2 = defineWorkflow({
  ...movesWorkflow,
  version: 2,
  data: { type: 'object', properties: { count: { type: 'integer', default: 0 }, comment: { type: 'string' } } },
  states: {
    draft: { ...movesWorkflow.states.draft, on: { submit: { target: 'check', roles: ['clerk'], assign: { count: { '+': [{ var: 'data.count' }, 1] } } } } },
    check: { ...movesWorkflow.states.review, title: '复核', deadlines: [{ id: 'check', duration: 'P5D' }] },
    archive: { ...movesWorkflow.states.archive, sendBack: { to: ['draft', 'check'] } },
    done: movesWorkflow.states.done,
  },
});

export const clerk = { id: 'u-clerk', roles: ['clerk'], org: 'district-a' };
export const clerk2 = { id: 'u-clerk-2', roles: ['clerk'], org: 'district-a' };
export const chief = { id: 'u-chief', roles: ['chief'], org: 'district-a' };
export const admin = { id: 'u-admin', roles: ['admin'], org: 'district-a' };
