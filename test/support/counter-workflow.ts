import { defineWorkflow } from '../../engine/index.js';

/** A small workflow for runtime tests: an open case takes any number of notes, then closes. */
export const counterWorkflow = defineWorkflow({
  id: 'counter',
  version: 1,
  title: { zh: '计数', en: 'Counter' },
  roles: ['clerk', 'chief'],
  data: { type: 'object', properties: { count: { type: 'integer' }, lastNote: { type: 'string' }, title: { type: 'string', maxLength: 100 } } },
  initial: 'open',
  states: {
    open: {
      task: { title: { zh: '记录', en: 'Take notes' }, role: 'clerk' },
      on: {
        note: {
          roles: ['clerk'],
          input: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] },
          assign: { count: { '+': [{ var: 'data.count' }, 1] }, lastNote: { var: 'payload.text' } },
        },
        submit: { target: 'review', roles: ['clerk'] },
      },
    },
    review: {
      task: { title: { zh: '审核', en: 'Review' }, role: 'chief' },
      on: {
        approve: { target: 'closed', roles: ['chief'], guard: { '>=': [{ var: 'data.count' }, 1] } },
        sendBack: { target: 'open', roles: ['chief'] },
      },
    },
    closed: { type: 'final', tags: ['closed'] },
  },
});

export const clerk = { id: 'u-clerk', roles: ['clerk'], org: 'district-a' };
export const chief = { id: 'u-chief', roles: ['chief'], org: 'district-a' };
