/**
 * Small stand-ins for the built-in hazard, accident, tip-off and supervision
 * letter workflows, for the statistics tests: the same ids and the data
 * fields the facts read (grade, sector, source, occurredAt, casualties,
 * gradedAt, listed), with one deadline that can go overdue and escalate.
 */
import { defineWorkflow } from '../../engine/index.js';

const markOverdue = { roles: ['system'], assign: { overdue: true } };
const str = { type: 'string' } as const;
const n = { type: 'number' } as const;

export const miniHazard = defineWorkflow({
  id: 'hazard', version: 1, title: { zh: '隐患', en: 'Hazard' }, roles: ['clerk', 'system'],
  data: { type: 'object', properties: { grade: str, sector: str, source: str, overdue: { type: 'boolean' } } },
  initial: 'rectifying',
  states: {
    rectifying: {
      task: { title: '整改', role: 'clerk' },
      deadlines: [{ id: 'rectify', duration: 'P10D', escalate: [{ after: 'P1D' }], onExpire: 'markOverdue' }],
      on: { markOverdue, writeOff: { target: 'closed', roles: ['clerk'] }, reject: { target: 'rejected', roles: ['clerk'] }, regrade: { roles: ['clerk'], input: { type: 'object', properties: { grade: str } }, assign: { grade: { var: 'payload.grade' } } } },
    },
    closed: { type: 'final', tags: ['closed'] },
    rejected: { type: 'final', tags: ['terminated'] },
  },
});

export const miniAccident = defineWorkflow({
  id: 'accident', version: 1, title: { zh: '事故', en: 'Accident' }, roles: ['clerk'],
  data: { type: 'object', properties: { grade: str, sector: str, occurredAt: str, deaths: n, seriousInjuries: n, directLossCny: n, gradedAt: str, listed: { type: 'boolean' } } },
  initial: 'reported',
  states: {
    reported: {
      task: { title: '核定', role: 'clerk' },
      on: {
        confirm: { target: 'handling', roles: ['clerk'], input: { type: 'object', properties: { grade: str, listed: { type: 'boolean' } } }, assign: { grade: { var: 'payload.grade' }, listed: { var: 'payload.listed' }, gradedAt: { var: 'now' } } },
        dismiss: { target: 'dismissed', roles: ['clerk'] },
      },
    },
    handling: {
      task: { title: '调查', role: 'clerk' },
      on: {
        updateCasualties: { roles: ['clerk'], input: { type: 'object', properties: { deaths: n, grade: str } }, assign: { deaths: { var: 'payload.deaths' }, grade: { var: 'payload.grade' } } },
        close: { target: 'closed', roles: ['clerk'] },
        dismiss: { target: 'dismissed', roles: ['clerk'] },
      },
    },
    closed: { type: 'final', tags: ['closed'] },
    dismissed: { type: 'final', tags: ['terminated'] },
  },
});

export const miniTipOff = defineWorkflow({
  id: 'tip-off', version: 1, title: { zh: '举报', en: 'Tip-off' }, roles: ['clerk'],
  data: { type: 'object', properties: { sector: str } },
  initial: 'received',
  states: {
    received: { task: { title: '办理', role: 'clerk' }, on: { handle: { target: 'closed', roles: ['clerk'] }, notAccept: { target: 'notAccepted', roles: ['clerk'] } } },
    closed: { type: 'final', tags: ['closed'] },
    notAccepted: { type: 'final', tags: ['terminated'] },
  },
});

export const miniLetter = defineWorkflow({
  id: 'supervision-letter', version: 1, title: { zh: '督办函', en: 'Letter' }, roles: ['clerk'],
  data: { type: 'object', properties: {} },
  initial: 'open',
  states: {
    open: { task: { title: '办理', role: 'clerk' }, on: { accept: { target: 'accepted', roles: ['clerk'] } } },
    accepted: { type: 'final', tags: ['closed'] },
  },
});

export const statsWorkflows = [miniHazard, miniAccident, miniTipOff, miniLetter];
export const statsClerk = { id: 'u-clerk', roles: ['clerk'], org: 'district-a' };
