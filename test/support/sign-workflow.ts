/**
 * A small workflow with a multi-person task, a delegable task and a copy, for
 * the core, property, HTTP and browser tests of signatures, delegation and 抄送.
 */
import { defineWorkflow, type SignRule } from '../../engine/index.js';

/** The sign workflow with the given completion rule (会签 by default). */
export function signWorkflow(rule: SignRule = 'all', id = 'sign-demo') {
  return defineWorkflow({
    id,
    version: 1,
    title: '联合验收演示',
    roles: ['clerk', 'reviewer', 'leader', 'staff', 'system'],
    data: { type: 'object', properties: { units: { type: 'array', items: { type: 'string' }, title: '验收单位' }, opinion: { type: 'string', title: '意见' } } },
    initial: 'drafting',
    states: {
      drafting: {
        title: '起草',
        task: { title: '起草验收申请', role: 'clerk' },
        on: { submit: { target: 'review', roles: ['clerk'], input: { type: 'object', properties: { units: { type: 'array', items: { type: 'string' }, title: '验收单位' } }, required: ['units'] }, assign: ['units'] } },
      },
      review: {
        title: '领导审核',
        task: { title: '审核验收申请', role: 'leader' },
        on: { approve: { target: 'joint', roles: ['leader'], input: { type: 'object', properties: { opinion: { type: 'string', title: '意见' } } }, assign: ['opinion'] } },
      },
      joint: {
        title: '联合验收',
        task: {
          title: '联合验收签字',
          role: 'leader',
          sign: { signers: [{ role: 'reviewer', org: { var: 'data.units' } }], rule, onApprove: 'jointPassed', onReject: 'jointFailed', manage: ['leader'] },
        },
        on: {
          jointPassed: { target: 'closed', roles: ['system'] },
          jointFailed: { target: 'drafting', roles: ['system'] },
        },
      },
      closed: {
        type: 'final',
        title: '已办结',
        copy: { title: '验收结果抄送', to: [{ role: 'clerk', org: { var: 'data.units' } }, { user: 'watcher' }] },
      },
    },
  });
}
