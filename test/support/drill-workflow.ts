/**
 * The workflow the fault tests and the scale bench drive through real
 * processes. A case's due instant is its own `dueAt` field, so a test knows
 * exactly when each timer falls due (on the machine's clock, which the child
 * processes use):
 *
 * - `drill`: a reminder one second before `dueAt` (mail `due-soon` to the grid
 *   officer), the due time (mail `overdue`) whose `expire` closes the case.
 *   Two timers and two mails per case; a reminder fired after its due time is
 *   stale and its mail never goes, so a lost order shows as a missing mail.
 * - `drill-ladder` (the scale run): two reminders, the due time and two
 *   escalations (five timers), one mail at the due time; the last escalation
 *   closes the case. Due 30 s after opening when `dueAt` is not given.
 */
import { defineWorkflow } from '../../engine/index.js';

const data = { type: 'object', properties: { dueAt: { type: 'string', format: 'date-time' }, n: { type: 'integer' }, client: { type: 'string' } } } as const;

export const drillWorkflow = defineWorkflow({
  id: 'drill',
  version: 1,
  title: { zh: '故障演练', en: 'Fault drill' },
  roles: ['inspector', 'gridOfficer', 'system'],
  data,
  initial: 'open',
  states: {
    open: {
      task: { title: '处置', role: 'gridOfficer' },
      deadlines: [{ id: 'respond', duration: 'PT1H', dueField: 'dueAt', remind: [{ before: '-PT1S', notify: 'due-soon' }], notify: 'overdue', onExpire: 'expire' }],
      on: {
        note: { roles: ['inspector'], input: { type: 'object', properties: { client: { type: 'string' }, n: { type: 'integer' } } } },
        expire: { target: 'expired', roles: ['system'] },
      },
    },
    expired: { type: 'final' },
  },
});

export const drillLadderWorkflow = defineWorkflow({
  id: 'drill-ladder',
  version: 1,
  title: { zh: '分级督办演练', en: 'Escalation drill' },
  roles: ['inspector', 'gridOfficer', 'system'],
  data,
  initial: 'open',
  states: {
    open: {
      task: { title: '处置', role: 'gridOfficer' },
      deadlines: [{
        // Thirty seconds from opening unless `dueAt` says otherwise (the scale run leaves it out: the server's clock then sets it).
        id: 'respond', duration: 'PT30S', dueField: 'dueAt',
        remind: [{ before: '-PT2S' }, { before: '-PT1S' }],
        notify: 'overdue',
        escalate: [{ after: 'PT1S' }, { after: 'PT2S', event: 'close' }],
      }],
      on: { close: { target: 'closed', roles: ['system'] } },
    },
    closed: { type: 'final' },
  },
});
