/**
 * The small workflow the engine and HTTP benchmarks drive: an open case takes
 * any number of notes (each a durable transition), then closes.
 */
import { defineWorkflow } from '../engine/index.js';

export const benchWorkflow = defineWorkflow({
  id: 'bench-notes',
  version: 1,
  title: 'bench',
  roles: ['clerk'],
  data: { type: 'object', properties: { count: { type: 'integer', default: 0 }, text: { type: 'string' } } },
  initial: 'open',
  states: {
    open: {
      task: { title: '记录', role: 'clerk' },
      on: {
        note: { roles: ['clerk'], input: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }, assign: { count: { '+': [{ var: 'data.count' }, 1] }, text: { var: 'payload.text' } } },
        close: { target: 'closed', roles: ['clerk'] },
      },
    },
    closed: { type: 'final' },
  },
});
