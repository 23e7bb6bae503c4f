/**
 * Small builders for the notifications the built-in workflows send. Plain
 * data: each helper returns a `notify` entry of the definition format.
 * Templates are the ids of `notifications/templates`; they read only `case.*`,
 * `event.*`, `recipient.*`, `notification.*`, `app.*` (and `deadline.*` on
 * deadline rungs), so any of them fits any workflow.
 */
import type { NotifyDefinition, Recipient } from '../engine/index.js';

type Kind = NonNullable<NotifyDefinition['kind']>;
type OrgExpression = Extract<Recipient, { role: string }>['org'];

/** Everyone holding `role` at the case's org, or at the org `org` computes. */
export const role = (name: string, org?: OrgExpression): Recipient => (org === undefined ? { role: name } : { role: name, org });

/** A notification of `kind` from `template` to the given recipients. */
export const notice = (template: string, kind: Kind, ...to: Recipient[]): NotifyDefinition => ({ template, kind, to });

/** "You have a task": `task-assigned`, action required. */
export const assigned = (...to: Recipient[]): NotifyDefinition => notice('task-assigned', 'actionRequired', ...to);
