/**
 * Built-in events every workflow accepts: `deadline.remind`, `deadline.due`
 * and `deadline.escalate` (sent by `system:timer` when a timer fires) and
 * `deadline.extend` (a role the deadline names grants more time) and
 * `deadline.rebaselined` (the engine recomputes deadlines that rested on a
 * provisional calendar year once its official notice is loaded). They change
 * the case's deadlines, not its states, except that a timer's declared event
 * then runs as a normal transition. Pure.
 */
import { z } from 'zod';
import { ForbiddenError, GuardFailedError, InvalidDataError, InvalidInputError, InvalidTransitionError, SystemOnlyEventError, TimerStaleError } from '../errors.js';
import { EMPTY_INPUT, expressionContext, machineContext, isSystemActor, rolesAllow, type CompiledWorkflow } from './compile.js';
import { isTruthy } from './expression.js';
import { validatorFor } from './field-schema.js';
import { spawnOfChild } from './step-effects.js';
import { activeNodeIds } from './state-tree.js';
import { formatStateValue, type Actor } from './types.js';
import { DurationSchema } from './calendar/duration.js';
import type { DeadlineState } from './deadline-state.js';
import { deadlineDef, extendDeadline, needsRebaseline, rebaselineDeadline, TimerPayloadSchema, type StepEnv } from './deadlines.js';
import { zodIssues } from './field-schema.js';
import type { CaseState, ChildRef, Command, Responsible } from './types.js';
import type { NotifyDefinition } from './definition-schema.js';
import { rungNotify } from './step-effects.js';

export const BUILTIN_EVENTS = [
  'deadline.remind',
  'deadline.due',
  'deadline.escalate',
  'deadline.extend',
  'deadline.rebaselined',
  'case.childDone',
  'notification.acknowledged',
  'notification.escalated',
  'case.routed',
] as const;
export type BuiltinEvent = (typeof BUILTIN_EVENTS)[number];

export const ChildDonePayloadSchema = z
  .object({
    child: z.string().min(1),
    finalState: z.string().min(1),
    /** The child data fields its spawn collects, read from the child when it ended (so replay has them). */
    result: z.record(z.string(), z.json()).optional(),
  })
  .strict();
export const AckPayloadSchema = z.object({ notification: z.string().min(1), comment: z.string().max(2000).optional() }).strict();
export const EscalatedPayloadSchema = z.object({ notification: z.string().min(1), step: z.number().int().nonnegative(), to: z.array(z.string()).max(1000) }).strict();

/** A notification a fired rung sends, with the deadline it is about. */
export interface RungNotice {
  notify: NotifyDefinition;
  /** The deadline after the step; a re-baseline adds the due time it had before. */
  deadline: DeadlineState & { previousDueAt?: string; previousDueDate?: string };
}

/** The template telling the people concerned that a re-baseline moved a due date earlier. */
export const REBASELINE_TEMPLATE = 'deadline-rebaselined';

/** One deadline a re-baseline recomputed, as the event records it. */
export const RebaselineChangeSchema = z
  .object({
    deadline: z.string(),
    fromVersion: z.number().int(),
    toVersion: z.number().int(),
    oldDueAt: z.string(),
    newDueAt: z.string(),
    oldDueDate: z.string().optional(),
    newDueDate: z.string().optional(),
  })
  .strict();

/**
 * The payload of `deadline.rebaselined`: the calendar and the reason. The
 * step fills in `changes` (what moved, and both calendar versions); a recorded
 * payload carries them too, and replay recomputes rather than trusts them.
 */
export const RebaselinePayloadSchema = z
  .object({ calendar: z.string().min(1), reason: z.string().min(1).max(2000), changes: z.array(RebaselineChangeSchema).optional() })
  .strict();

/**
 * The payload of `case.routed`: who is responsible for the case (网格、乡镇、
 * 行业主管部门) and why — the routing rule that decided it (sent by the
 * system when the case is opened), or a person's reason when they reassign
 * it. With `orgs` (routings since issue 10's last round) it makes the
 * responsibility effective: the case's `responsible` becomes `{ taskOrg,
 * orgs }`, so those orgs see the case, and every open task whose org reads
 * `case.routedOrg` moves to `taskOrg` (its claim dropped). Without `orgs` (an
 * older event) it changes no state, so old histories replay as they were.
 */
export const RoutedPayloadSchema = z
  .object({
    rule: z.string().min(1).max(100).optional(),
    ruleTitle: z.string().min(1).max(200).optional(),
    grid: z.string().min(1).max(64).nullable(),
    township: z.string().min(1).max(64).nullable(),
    departments: z.array(z.string().min(1).max(100)).max(20),
    reason: z.string().min(1).max(2000).optional(),
    /** The orgs responsible in practice: the grid, the township and the departments that are orgs. */
    orgs: z.array(z.string().min(1).max(64)).max(30).optional(),
    /** The org the routed tasks are offered at (null: the case's org). */
    taskOrg: z.string().min(1).max(64).nullable().optional(),
  })
  .strict();

export const ExtendPayloadSchema = z.object({ deadline: z.string().min(1), by: DurationSchema, reason: z.string().min(1).max(2000) }).strict();

export function isBuiltinEvent(type: string): type is BuiltinEvent {
  return (BUILTIN_EVENTS as readonly string[]).includes(type);
}

export interface BuiltinOutcome {
  deadlines: DeadlineState[];
  /** Updated children, when a child reported its end. */
  children?: ChildRef[] | undefined;
  /** Who is responsible now, when a routing made it effective. */
  responsible?: Responsible | undefined;
  payload: Record<string, unknown>;
  /** The workflow event the fired rung (or the spawn) declares, to run after the update. */
  followUp?: string | undefined;
  notify?: RungNotice | RungNotice[] | undefined;
}

function parse<T>(schema: z.ZodType<T>, payload: unknown, type: string): T {
  const r = schema.safeParse(payload ?? {});
  if (!r.success) throw new InvalidInputError(`payload of "${type}" is invalid`, zodIssues(r.error, ['payload']), { event: type });
  return r.data;
}

/** Applies a built-in event to the case's deadlines. Pure. */
export function stepBuiltin(wf: CompiledWorkflow, current: CaseState, cmd: Command, now: Date, env: StepEnv): BuiltinOutcome {
  const type = cmd.type as BuiltinEvent;
  if (type === 'deadline.extend') {
    const p = parse(ExtendPayloadSchema, cmd.payload, type);
    const dl = current.deadlines.find((d) => d.key === p.deadline);
    if (!dl) throw new InvalidInputError(`no running deadline "${p.deadline}"`, [{ code: 'unknown_deadline', path: ['payload', 'deadline'], message: `running: ${current.deadlines.map((d) => d.key).join(', ') || '(none)'}` }]);
    const extension = deadlineDef(wf, dl.stateId, dl.deadlineId)?.extension;
    if (!extension) throw new InvalidDataError(`deadline ${dl.key} cannot be extended`, [{ code: 'not_extensible', path: ['payload', 'deadline'], message: 'the definition declares no extension' }]);
    const roles = extension.roles;
    if (!rolesAllow(roles, cmd.actor)) throw new ForbiddenError(`extending ${dl.key} needs one of the roles ${roles.join(', ') || '(none declared)'}`, { event: type, roles, actorRoles: cmd.actor.roles });
    // An extension that names its approval event is one step: refused unless the workflow takes that event now.
    if (extension.event !== undefined) assertApprovalAccepted(wf, current, extension.event, cmd.actor, now);
    const extended = extendDeadline(wf, dl, p.by, now, env);
    const entry = { by: p.by, reason: p.reason, at: now.toISOString(), actor: cmd.actor.id };
    return { deadlines: current.deadlines.map((d) => (d.key === dl.key ? { ...extended, extensions: [...dl.extensions, entry] } : d)), payload: p, followUp: extension.event };
  }

  // Acknowledging is done by the recipient: the notifications' acknowledgement checks who received it, and the
  // server refuses this event on its generic route (`reserved_event`); the event only records it.
  if (type === 'notification.acknowledged') return { deadlines: current.deadlines, payload: parse(AckPayloadSchema, cmd.payload, type) };
  if (type === 'case.routed') {
    // A rule routes as the system and names itself; a person reassigns with a reason (the server checks who may).
    const p = parse(RoutedPayloadSchema, cmd.payload, type);
    const ok = isSystemActor(cmd.actor) ? p.rule !== undefined : p.reason !== undefined && p.rule === undefined;
    if (!ok) throw new InvalidInputError('a routing names its rule; a reassignment by a person gives its reason', [{ code: isSystemActor(cmd.actor) ? 'rule_required' : 'reason_required', path: ['payload', isSystemActor(cmd.actor) ? 'rule' : 'reason'], message: 'required' }]);
    if (p.orgs === undefined) return { deadlines: current.deadlines, payload: p };
    const taskOrg = p.taskOrg ?? null;
    const orgs = [...new Set([...p.orgs, ...(taskOrg === null ? [] : [taskOrg])])];
    return { deadlines: current.deadlines, payload: p, responsible: { taskOrg, orgs } };
  }
  if (!isSystemActor(cmd.actor)) throw new SystemOnlyEventError(type);
  if (type === 'deadline.rebaselined') return rebaseline(wf, current, parse(RebaselinePayloadSchema, cmd.payload, type), now, env);
  if (type === 'notification.escalated') return { deadlines: current.deadlines, payload: parse(EscalatedPayloadSchema, cmd.payload, type) };
  if (type === 'case.childDone') {
    const p = parse(ChildDonePayloadSchema, cmd.payload, type);
    const child = current.children?.find((c) => c.caseId === p.child);
    if (!child) throw new InvalidInputError(`case ${current.caseId} has no child ${p.child}`, [{ code: 'unknown_child', path: ['payload', 'child'], message: 'not a child of this case' }]);
    if (child.finalState !== null) throw new TimerStaleError(`child ${p.child}`, 'its end was already recorded');
    const spawn = spawnOfChild(wf, child);
    // Only what the spawn collects is recorded, whatever the signal carries.
    const wanted = new Set(spawn?.collect ?? []);
    const result = spawn?.collect ? Object.fromEntries(Object.entries(p.result ?? {}).filter(([k]) => wanted.has(k))) : undefined;
    const children = (current.children ?? []).map((c) => (c.caseId === p.child ? { ...c, finalState: p.finalState, ...(result ? { result } : {}) } : c));
    return { deadlines: current.deadlines, children, payload: p, followUp: spawn?.onChildDone };
  }
  const p = parse(TimerPayloadSchema, cmd.payload, type);
  const dl = current.deadlines.find((d) => d.key === p.deadline);
  if (!dl) throw new TimerStaleError(p.deadline, 'the deadline is no longer running (its state was left)');
  if (dl.generation !== p.generation) throw new TimerStaleError(p.deadline, `the due date moved (generation ${dl.generation}, timer ${p.generation})`);
  if (dl.status === 'paused') throw new TimerStaleError(p.deadline, 'the deadline is paused');
  const def = deadlineDef(wf, dl.stateId, dl.deadlineId);
  let next: DeadlineState;
  let followUp: string | undefined;
  let notice: NotifyDefinition | undefined;
  const rung = (n: string | NotifyDefinition | undefined, kind: 'dueSoon' | 'overdue' | 'escalated') => (n === undefined ? undefined : rungNotify(wf, dl.stateId, n, kind));
  switch (type) {
    case 'deadline.remind':
      if (dl.status !== 'running' || p.index !== dl.reminded) throw new TimerStaleError(p.deadline, `reminder ${p.index} is not the next one`);
      next = { ...dl, reminded: dl.reminded + 1 };
      followUp = def?.remind?.[p.index]?.event;
      notice = rung(def?.remind?.[p.index]?.notify, 'dueSoon');
      break;
    case 'deadline.due':
      if (dl.status !== 'running') throw new TimerStaleError(p.deadline, 'already overdue');
      next = { ...dl, status: 'overdue' };
      followUp = def?.onExpire;
      notice = rung(def?.notify, 'overdue');
      break;
    case 'deadline.escalate':
      if (dl.status !== 'overdue' || p.index !== dl.escalated) throw new TimerStaleError(p.deadline, `escalation ${p.index} is not the next one`);
      next = { ...dl, escalated: dl.escalated + 1 };
      followUp = def?.escalate?.[p.index]?.event;
      notice = rung(def?.escalate?.[p.index]?.notify, 'escalated');
      break;
  }
  return { deadlines: current.deadlines.map((d) => (d.key === dl.key ? next : d)), payload: p, followUp, notify: notice && { notify: notice, deadline: next } };
}

/**
 * Recomputes every deadline that rested on a provisional year of the named
 * calendar on its latest version. The people of a deadline's task hear of it
 * when its due date moved earlier. Throws `timer_stale` when there is nothing
 * to recompute (already done), so a repeated pass appends nothing. Pure.
 */
function rebaseline(wf: CompiledWorkflow, current: CaseState, p: z.infer<typeof RebaselinePayloadSchema>, now: Date, env: StepEnv): BuiltinOutcome {
  if (!env.calendar) throw new InvalidInputError('no calendars are loaded', [{ code: 'invalid_calendar', path: ['payload', 'calendar'], message: 'no calendars' }]);
  const cal = env.calendar(p.calendar);
  const due = current.deadlines.filter((d) => needsRebaseline(d, cal));
  if (due.length === 0) throw new TimerStaleError(`${p.calendar}@${cal.version}`, 'no deadline of this case rests on a provisional year of an older version');
  const changes: z.infer<typeof RebaselineChangeSchema>[] = [];
  const notices: RungNotice[] = [];
  const deadlines = current.deadlines.map((dl) => {
    if (!needsRebaseline(dl, cal)) return dl;
    const next = rebaselineDeadline(wf, dl, cal, current.data, now, env);
    changes.push({
      deadline: dl.key, fromVersion: dl.calendar.version, toVersion: cal.version, oldDueAt: dl.dueAt, newDueAt: next.dueAt,
      ...(dl.dueDate !== undefined ? { oldDueDate: dl.dueDate } : {}), ...(next.dueDate !== undefined ? { newDueDate: next.dueDate } : {}),
    });
    const earlier = Date.parse(next.dueAt) < Date.parse(dl.dueAt);
    const notify = earlier ? rungNotify(wf, dl.stateId, REBASELINE_TEMPLATE, 'dueSoon') : undefined;
    if (notify) notices.push({ notify, deadline: { ...next, previousDueAt: dl.dueAt, ...(dl.dueDate !== undefined ? { previousDueDate: dl.dueDate } : {}) } });
    return next;
  });
  return { deadlines, payload: { calendar: p.calendar, reason: p.reason, changes }, notify: notices };
}

/** The approval events of a workflow: an extension's `event`, which only `deadline.extend` may take. */
export function extensionApprovalEvents(wf: CompiledWorkflow): Set<string> {
  const out = new Set<string>();
  for (const node of wf.tree.byId.values()) for (const d of node.def.deadlines ?? []) if (d.extension?.event) out.add(d.extension.event);
  return out;
}

/**
 * Refuses a command that sends an extension's approval event on its own: the
 * approval and the move of the due date are one step (`deadline.extend`), so
 * they can never disagree. Pure.
 */
export function assertNotApprovalOnly(wf: CompiledWorkflow, current: CaseState, cmd: Command): void {
  if (!extensionApprovalEvents(wf).has(cmd.type)) return;
  // Where no active state handles it, it stays invalid_transition, like any other event.
  const active = activeNodeIds(current.value);
  if (!wf.tree.transitions.some((t) => t.event === cmd.type && active.includes(t.source.id))) return;
  throw new ForbiddenError(`event "${cmd.type}" records an extension's approval: send deadline.extend, which moves the due date and takes it in one step`, { event: cmd.type, sendInstead: 'deadline.extend' });
}

/**
 * Throws unless the active states take `event` from `actor` with an empty
 * payload (role, input and guard, as the step will check them), so the
 * follow-up of `deadline.extend` cannot be skipped.
 */
function assertApprovalAccepted(wf: CompiledWorkflow, current: CaseState, event: string, actor: Actor, now: Date): void {
  const active = activeNodeIds(current.value);
  const where = formatStateValue(current.value);
  const candidates = wf.tree.transitions.filter((t) => t.event === event && active.includes(t.source.id));
  if (candidates.length === 0) throw new InvalidTransitionError(event, where, []);
  const allowed = candidates.filter((t) => rolesAllow(t.def.roles, actor));
  if (allowed.length === 0) throw new ForbiddenError(`approving needs one of the roles of "${event}"`, { event, roles: [...new Set(candidates.flatMap((t) => t.def.roles ?? []))], actorRoles: actor.roles });
  const ctx = expressionContext(machineContext(current), { payload: {}, actor, now: now.toISOString() });
  const ok = allowed.some((t) => validatorFor(t.def.input ?? EMPTY_INPUT).safeParse({}).success && (t.def.guard === undefined || isTruthy(t.def.guard, ctx)));
  if (!ok) throw new GuardFailedError(event, where, allowed.map((t) => t.def.guardMessage ?? t.def.guard), allowed.find((t) => t.def.guardMessage !== undefined)?.def.guardMessage);
}
