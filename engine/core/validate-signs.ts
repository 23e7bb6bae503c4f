/**
 * Checks of a state's multi-person task (`task.sign`) and its copy (`copy`),
 * each problem with its JSON path: declared roles, data fields that exist,
 * orgs as valid expressions, and outcome events the state handles and lets
 * the system send (the engine sends them; a refusal would leave the task
 * signed but never finished). Pure.
 */
import type { Recipient, WorkflowDefinition } from './definition-schema.js';
import { fieldAt, type ObjectSchema } from './field-schema.js';
import { isWithin, type StateNodeInfo, type StateTree } from './state-tree.js';

type Path = (string | number)[];
type Add = (code: string, path: Path, message: string) => void;
type CheckExpression = (rule: unknown, path: Path, data: ObjectSchema, input: ObjectSchema | undefined, add: Add) => void;

/** Checks `task.sign` and `copy` of one state. */
export function checkSignAndCopy(tree: StateTree, node: StateNodeInfo, base: Path, def: WorkflowDefinition, checkRole: (r: string, p: Path) => void, add: Add, checkExpression: CheckExpression): void {
  const recipients = (list: Recipient[], p: Path) =>
    list.forEach((r, i) => {
      if ('role' in r) {
        checkRole(r.role, [...p, i, 'role']);
        if (r.org !== undefined) checkExpression(r.org, [...p, i, 'org'], def.data, undefined, add);
      }
      if ('field' in r && !fieldAt(def.data, r.field.replace(/^data\./, '').split('.'))) add('unknown_field', [...p, i, 'field'], `signer or recipient field "${r.field}" is not in the data schema`);
    });
  if (node.def.copy) recipients(node.def.copy.to, [...base, 'copy', 'to']);
  const sign = node.def.task?.sign;
  if (!sign) return;
  const path = [...base, 'task', 'sign'];
  recipients(sign.signers, [...path, 'signers']);
  sign.manage?.forEach((r, i) => checkRole(r, [...path, 'manage', i]));
  if (node.kind !== 'atomic') add('sign_not_atomic', path, `a multi-person task belongs on an atomic state; ${node.id} is ${node.kind}`);
  if (sign.onApprove === sign.onReject) add('sign_events_equal', [...path, 'onReject'], 'onApprove and onReject must be different events, so the history tells the outcomes apart');
  for (const key of ['onApprove', 'onReject'] as const) {
    const event = sign[key];
    const handlers = tree.transitions.filter((t) => t.event === event && isWithin(node, t.source));
    if (handlers.length === 0) add('unhandled_event', [...path, key], `"${event}" is sent when the signing ${key === 'onApprove' ? 'passes' : 'fails'}, but state ${node.id} does not handle it`);
    else if (!handlers.some((t) => t.def.roles?.includes('system'))) add('sign_event_not_system', [...path, key], `"${event}" is sent by the system when the signing decides: its transition must list the role "system"`);
  }
}
