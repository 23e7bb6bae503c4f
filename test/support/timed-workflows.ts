/**
 * Workflows with deadlines, for the scheduler tests and their child processes.
 *
 * - `timed`: `open` runs a two-day deadline with a reminder a day before, an
 *   escalation ladder after (the first rung sends `escalateToLeader`) and
 *   `markOverdue` on expiry; `submit` leaves for `review`, which has none.
 * - `paused`: `rectifying` runs a ten-day deadline that stops while
 *   `rectifying.appraising` is active and that a chief may extend.
 * - `quick`: a one-second deadline and a one-second escalation, for real-time
 *   (BullMQ) tests.
 * - `faulty` (and `quick-faulty`, due in a second): a deadline whose firing always fails.
 * - `twice-reminded`: a two-day deadline with reminders a day and half a day
 *   before it; only the next reminder has a timer row, so a late scheduler
 *   arms the second while the due time is already claimed.
 */
import { defineWorkflow } from '../../engine/index.js';

const flags = { type: 'object', properties: { overdue: { type: 'boolean' }, escalatedToLeader: { type: 'boolean' }, n: { type: 'integer' } } } as const;
const markOverdue = { roles: ['system'], assign: { overdue: true } };

export const timedWorkflow = defineWorkflow({
  id: 'timed',
  version: 1,
  title: { zh: '限时办理', en: 'Timed' },
  roles: ['clerk', 'chief', 'system'],
  data: flags,
  initial: 'open',
  states: {
    open: {
      task: { title: '办理', role: 'clerk' },
      deadlines: [{ id: 'handle', duration: 'P2D', remind: [{ before: '-P1D' }], escalate: [{ after: 'P1D', event: 'escalateToLeader' }, { after: 'P3D' }], onExpire: 'markOverdue' }],
      on: {
        markOverdue,
        escalateToLeader: { roles: ['system'], assign: { escalatedToLeader: true } },
        submit: { target: 'review', roles: ['clerk'] },
      },
    },
    review: {
      task: { title: '审核', role: 'chief' },
      on: { approve: { target: 'done', roles: ['chief'] } },
    },
    done: { type: 'final' },
  },
});

export const pausedWorkflow = defineWorkflow({
  id: 'paused',
  version: 1,
  title: { zh: '可暂停的整改', en: 'Pausable rectification' },
  roles: ['clerk', 'chief', 'appraiser', 'system'],
  data: flags,
  initial: 'rectifying',
  states: {
    rectifying: {
      initial: 'working',
      deadlines: [{ id: 'rectify', duration: 'P10D', pause: ['rectifying.appraising'], extension: { roles: ['chief'], max: 'P10D', times: 2 }, onExpire: 'markOverdue' }],
      on: { markOverdue, finish: { target: 'done', roles: ['clerk'] } },
      states: {
        working: { task: { title: '整改', role: 'clerk' }, on: { requestAppraisal: { target: 'appraising', roles: ['clerk'] } } },
        appraising: { task: { title: '技术鉴定', role: 'appraiser' }, on: { appraisalDone: { target: 'working', roles: ['appraiser'] } } },
      },
    },
    done: { type: 'final' },
  },
});

export const quickWorkflow = defineWorkflow({
  id: 'quick',
  version: 1,
  title: { zh: '秒级期限', en: 'Quick' },
  roles: ['clerk', 'system'],
  data: flags,
  initial: 'open',
  states: {
    open: {
      task: { title: '办理', role: 'clerk' },
      deadlines: [{ id: 'quick', duration: 'PT1S', escalate: [{ after: 'PT1S' }], onExpire: 'markOverdue' }],
      on: { markOverdue, finish: { target: 'done', roles: ['clerk'] } },
    },
    done: { type: 'final' },
  },
});

/** `faulty`: its expiry handler breaks the data schema, so firing its timer throws `invalid_data` every time. */
export const faultyWorkflow = defineWorkflow({
  id: 'faulty',
  version: 1,
  title: { zh: '故障', en: 'Faulty' },
  roles: ['clerk', 'system'],
  data: flags,
  initial: 'open',
  states: {
    open: {
      deadlines: [{ id: 'broken', duration: 'P1D', onExpire: 'markOverdue' }],
      on: { markOverdue: { roles: ['system'], assign: { n: 'not a number' } }, finish: { target: 'done', roles: ['clerk'] } },
    },
    done: { type: 'final' },
  },
});

/** `quickFaulty`: `faulty` due after one second, for real-time retry tests. */
export const quickFaultyWorkflow = defineWorkflow({
  ...faultyWorkflow,
  id: 'quick-faulty',
  states: { ...faultyWorkflow.states, open: { ...faultyWorkflow.states.open, deadlines: [{ id: 'broken', duration: 'PT1S', onExpire: 'markOverdue' }] } },
});

export const twiceRemindedWorkflow = defineWorkflow({
  id: 'twice-reminded',
  version: 1,
  title: { zh: '两次提醒', en: 'Reminded twice' },
  roles: ['clerk', 'system'],
  data: flags,
  initial: 'open',
  states: {
    open: {
      task: { title: '办理', role: 'clerk' },
      deadlines: [{ id: 'handle', duration: 'P2D', remind: [{ before: '-P1D' }, { before: '-PT12H' }], onExpire: 'markOverdue' }],
      on: { markOverdue, submit: { target: 'done', roles: ['clerk'] } },
    },
    done: { type: 'final' },
  },
});

export const timedWorkflows = [timedWorkflow, pausedWorkflow, quickWorkflow, faultyWorkflow, quickFaultyWorkflow, twiceRemindedWorkflow];

export const clerk = { id: 'u-clerk', roles: ['clerk'], org: 'district-a' };
export const chief = { id: 'u-chief', roles: ['chief'], org: 'district-a' };
export const appraiser = { id: 'u-appraiser', roles: ['appraiser'], org: 'district-a' };
