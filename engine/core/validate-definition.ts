/**
 * Parses a workflow definition and runs every semantic check, reporting all
 * problems at once, each with a JSON path. Pure.
 */
import { withDocNumberField } from './doc-number.js';
import { checkHandOver, spawnOrgExpressions } from './validate-hand-over.js';
import type { Issue } from '../errors.js';
import { SpawnSchema, TransitionSpawnSchema, WorkflowDefinitionSchema, type TransitionSpawnDefinition, type DeadlineDefinition, type NotifyDefinition, type Recipient, type TransitionDefinition, type WorkflowDefinition } from './definition-schema.js';
import { checkDefinitionCounts, checkDefinitionSize } from './definition-limits.js';
import { analyseExpression } from './expression.js';
import { checkFieldSchema, fieldAt, zodIssues, type FieldSchema, type ObjectSchema } from './field-schema.js';
import { checkConfidential } from './validate-confidential.js';
import { checkMoves } from './validate-moves.js';
import { checkSignAndCopy } from './validate-signs.js';
import { buildStateTree, isWithin, resolveTarget, statesJsonPath, type StateNodeInfo, type StateTree, type TransitionInfo } from './state-tree.js';

/** What the loader knows about notification templates, to check the ones a definition names. */
export interface TemplateCatalog {
  has(templateId: string): boolean;
  /** Variables the template reads, as dotted paths (`data.description`, `case.id`, `deadline.dueAt`). */
  variables(templateId: string): string[];
}

export interface ValidateOptions {
  /** When given, every template a definition names must exist and be renderable with what a notification provides. */
  templates?: TemplateCatalog | undefined;
  /**
   * A definition read back from the store: it passed the checks of its day, so
   * the checks added since that only guide authors (size limits, computed
   * variable names, the system role on timer events) are skipped; everything
   * the runtime relies on is still checked.
   */
  stored?: boolean | undefined;
}

/** Issue codes of the author-guiding checks a stored definition is not held to. */
const AUTHOR_ONLY_CODES = new Set(['definition_too_large', 'computed_variable', 'invalid_arguments', 'timer_event_not_system']);

/** Variables a notification provides besides `data.*`: the rest is an error at load time, not an empty string at send time. */
const TEMPLATE_ROOTS: Record<string, ReadonlySet<string> | 'any'> = {
  case: new Set(['id', 'org', 'workflowId', 'workflowTitle', 'state', 'stateTitle', 'seq', 'link', 'title', 'due']),
  event: new Set(['type', 'actorId', 'actorName']),
  deadline: 'any',
  recipient: new Set(['id', 'name', 'locale', 'org', 'roles']),
  notification: new Set(['id', 'kind', 'ackUrl', 'ackDueAt']),
  app: new Set(['name', 'url']),
};

export type ValidationResult = { ok: true; definition: WorkflowDefinition; tree: StateTree } | { ok: false; issues: Issue[] };

/** Variables every expression may read besides `data.*` and `payload.*`. */
const ACTOR_FIELDS = new Set(['id', 'roles', 'org']);
const CASE_FIELDS = new Set(['id', 'org', 'parentId', 'orgAncestors', 'routedOrg']);

/**
 * Parses `input` as a definition and checks it: unknown targets, unreachable
 * states, unreachable final states, unhandled events, undeclared roles, guard
 * and assignment fields missing from the schemas, invalid schemas, malformed
 * state nodes. Pure.
 * @example
 * const r = validateDefinition(JSON.parse(text));
 * if (!r.ok) for (const i of r.issues) console.log(formatPath(i.path), i.message);
 */
export function validateDefinition(input: unknown, options: ValidateOptions = {}): ValidationResult {
  // The size first: the nesting is measured without recursion, before zod walks the document.
  const tooBig = checkDefinitionSize(input).filter((i) => !options.stored || !AUTHOR_ONLY_CODES.has(i.code));
  if (tooBig.length > 0) return { ok: false, issues: tooBig };
  const parsed = WorkflowDefinitionSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error).map((i) => withAdvice(i, input)) };
  const def = parsed.data;
  const tree = buildStateTree(def);
  const issues: Issue[] = [];
  const add = (code: string, path: (string | number)[], message: string) => {
    if (!options.stored || !AUTHOR_ONLY_CODES.has(code)) issues.push({ code, path, message });
  };
  for (const i of checkDefinitionCounts({ states: tree.nodes.length, transitions: tree.transitions.length })) add(i.code, i.path, i.message);
  const roles = new Set(def.roles);
  const checkRole = (role: string, path: (string | number)[]) => {
    if (!roles.has(role)) add('undeclared_role', path, `role "${role}" is not declared in "roles"`);
  };

  issues.push(...checkFieldSchema(def.data, ['data']));
  // The case title names data fields, never confidential ones (it shows in every list and mail subject).
  for (const m of (def.caseTitle ?? '').matchAll(/\{\{\s*([^}\s]*)\s*\}\}/g)) {
    const field = def.data.properties[m[1]!];
    if (!field) add('unknown_field', ['caseTitle'], `caseTitle names "${m[1]}", which is not a field of data`);
    else if (field.confidential) add('confidential_in_title', ['caseTitle'], `caseTitle names the confidential field "${m[1]}"`);
  }
  checkStructure(tree, add);
  checkConfidential(def, tree, add);

  // Transitions: targets, roles, input schemas, guards, assignments.
  const handled = new Map<string, StateNodeInfo[]>();
  for (const t of tree.transitions) {
    if (t.event && t.event !== 'onDone') handled.set(t.event, [...(handled.get(t.event) ?? []), t.source]);
    if (t.def.target !== undefined && !resolveTarget(tree, t.source, t.def.target)) add('unknown_target', [...t.jsonPath, 'target'], `target "${t.def.target}" is not a state (from ${t.source.id || '(root)'})`);
    t.def.roles?.forEach((r, i) => checkRole(r, [...t.jsonPath, 'roles', i]));
    if (t.event === null || t.event === 'onDone') {
      if (t.def.roles || t.def.input) add('eventless_with_input', t.jsonPath, 'an automatic transition (always/onDone) takes no roles or input');
    } else if (!t.def.roles || t.def.roles.length === 0) {
      add('missing_roles', [...t.jsonPath, 'roles'], `transition "${t.event}" names no roles that may send it`);
    }
    if (t.def.input) issues.push(...checkFieldSchema(t.def.input, [...t.jsonPath, 'input']));
    if (t.def.docNumber) {
      if (t.event === null || t.event === 'onDone') add('eventless_with_input', [...t.jsonPath, 'docNumber'], 'an automatic transition takes no document number');
      if (t.def.input?.properties?.[t.def.docNumber.field]) add('invalid_field', [...t.jsonPath, 'docNumber', 'field'], `"${t.def.docNumber.field}" is written by the counter: leave it out of the input`);
    }
    // The number's field reads like an input field (the runtime writes it into the payload).
    const withNumber = t.def.docNumber ? { ...t, def: { ...t.def, input: withDocNumberField(t.def.input ?? { type: 'object' as const, properties: {} }, t.def.docNumber) } } : t;
    if (t.def.guard !== undefined) checkExpression(t.def.guard, [...t.jsonPath, 'guard'], def.data, withNumber.def.input, add);
    checkAssign(withNumber.def, t.jsonPath, def.data, add);
    t.def.notify?.forEach((n, i) => checkNotify(n, [...t.jsonPath, 'notify', i], def, checkRole, add, options, false));
    if (t.def.spawn) checkSpawn(tree, t.source, [...t.jsonPath, 'spawn'], def, add, withNumber);
  }

  // Tasks and deadlines.
  for (const node of tree.nodes) {
    const base = statesJsonPath(node.path);
    if (node.def.task) {
      checkRole(node.def.task.role, [...base, 'task', 'role']);
      if (node.def.task.org !== undefined) checkExpression(node.def.task.org, [...base, 'task', 'org'], def.data, undefined, add);
      node.def.task.events?.forEach((e, i) => {
        if (!eventsReachableFrom(tree, node).has(e)) add('unhandled_event', [...base, 'task', 'events', i], `task offers event "${e}" that state ${node.id} does not handle`);
      });
    }
    (node.def.deadlines ?? []).forEach((d, i) => {
      checkDeadline(tree, node, d as DeadlineDefinition, [...base, 'deadlines', i], def, checkRole, add);
      const rungs: [unknown, (string | number)[]][] = [[d.notify, ['notify']], ...(d.remind ?? []).map((r, j): [unknown, (string | number)[]] => [r.notify, ['remind', j, 'notify']]), ...(d.escalate ?? []).map((r, j): [unknown, (string | number)[]] => [r.notify, ['escalate', j, 'notify']])];
      for (const [n, at] of rungs) {
        const p = [...base, 'deadlines', i, ...at];
        if (n === undefined) continue;
        if (typeof n === 'string') {
          if (!node.def.task) add('no_recipients', p, `"${n}" names no recipients and state ${node.id} has no task whose role could receive it`);
          checkTemplate(n, p, def, add, options, true);
        } else checkNotify(n as NotifyDefinition, p, def, checkRole, add, options, true);
      }
    });
    node.def.notify?.forEach((n, i) => checkNotify(n, [...base, 'notify', i], def, checkRole, add, options, false));
    if (node.def.spawn) checkSpawn(tree, node, [...base, 'spawn'], def, add);
    checkSignAndCopy(tree, node, base, def, checkRole, add, checkExpression);
  }

  // Event catalogue, when declared, matches the handled events exactly.
  if (def.events) {
    for (const e of handled.keys()) if (!(e in def.events)) add('undeclared_event', ['events'], `event "${e}" is handled but not listed in "events"`);
    for (const e of Object.keys(def.events)) if (!handled.has(e)) add('unhandled_event', ['events', e], `event "${e}" is listed but no state handles it`);
  }

  checkMoves(def, tree, checkRole, add);
  checkReachability(tree, add);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, definition: def, tree };
}

type Add = (code: string, path: (string | number)[], message: string) => void;

function checkTemplate(template: string, path: (string | number)[], def: WorkflowDefinition, add: Add, options: ValidateOptions, withDeadline: boolean): void {
  const catalog = options.templates;
  if (!catalog) return;
  if (!catalog.has(template)) {
    add('unknown_template', path, `template "${template}" does not exist`);
    return;
  }
  for (const v of catalog.variables(template)) {
    const [root, ...rest] = v.split('.');
    const allowed = root === undefined ? undefined : TEMPLATE_ROOTS[root];
    const ok =
      root === 'data' ? rest.length === 0 || fieldAt(def.data, rest) !== undefined : root === 'deadline' ? withDeadline : allowed === 'any' || (allowed !== undefined && (rest.length === 0 || allowed.has(rest[0]!)));
    if (!ok) add('unknown_template_variable', path, `template "${template}" uses "${v}", which ${root === 'deadline' ? 'only deadline notifications provide' : 'a notification of this workflow cannot provide'}`);
  }
}

function checkNotify(n: NotifyDefinition, path: (string | number)[], def: WorkflowDefinition, checkRole: (r: string, p: (string | number)[]) => void, add: Add, options: ValidateOptions, withDeadline: boolean): void {
  checkTemplate(n.template, [...path, 'template'], def, add, options, withDeadline);
  const recipients = (list: Recipient[], p: (string | number)[]) =>
    list.forEach((r, i) => {
      if ('role' in r) {
        checkRole(r.role, [...p, i, 'role']);
        if (r.org !== undefined) checkExpression(r.org, [...p, i, 'org'], def.data, undefined, add);
      }
      if ('field' in r && !fieldAt(def.data, r.field.replace(/^data\./, '').split('.'))) add('unknown_field', [...p, i, 'field'], `recipient field "${r.field}" is not in the data schema`);
    });
  recipients(n.to, [...path, 'to']);
  if (n.when !== undefined) checkExpression(n.when, [...path, 'when'], def.data, undefined, add);
  n.ack?.chain.forEach((step, i) => recipients(step, [...path, 'ack', 'chain', i]));
}

function checkSpawn(tree: StateTree, node: StateNodeInfo, path: (string | number)[], def: WorkflowDefinition, add: Add, transition?: TransitionInfo): void {
  const spawn: TransitionSpawnDefinition = transition ? TransitionSpawnSchema.parse(transition.def.spawn) : SpawnSchema.parse(node.def.spawn);
  const list = spawn.forEach === undefined ? undefined : fieldAt(def.data, spawn.forEach.replace(/^data\./, '').split('.'));
  if (spawn.forEach !== undefined && !list) add('unknown_field', [...path, 'forEach'], `"${spawn.forEach}" is not in the data schema`);
  else if (list && list.type !== 'array') add('invalid_field', [...path, 'forEach'], `"${spawn.forEach}" must be an array`);
  const items = list && list.type === 'array' ? (list as FieldSchema).items : undefined;
  const itemSchema: ObjectSchema | undefined = items?.type === 'object' ? { type: 'object', properties: items.properties ?? {} } : undefined;
  checkHandOver(spawn, path, add);
  const exprs: [unknown, (string | number)[]][] = [...spawnOrgExpressions(spawn, path), ...Object.entries(spawn.input).map(([k, e]): [unknown, (string | number)[]] => [e, [...path, 'input', k]])];
  for (const [e, p] of exprs) checkExpression(e, p, def.data, transition?.def.input, add, { item: items ? itemSchema ?? true : false });
  if (transition) {
    // A transition's child may end whenever: the event must be handled somewhere, by the system (an unhandled one is recorded).
    if (spawn.onChildDone && !tree.transitions.some((t) => t.event === spawn.onChildDone)) add('unhandled_event', [...path, 'onChildDone'], `event "${spawn.onChildDone}" is not handled by any state`);
    return;
  }
  if (spawn.onChildDone && !eventsReachableFrom(tree, node).has(spawn.onChildDone)) add('unhandled_event', [...path, 'onChildDone'], `event "${spawn.onChildDone}" is not handled by ${node.id} or the states around it`);
  checkSentBySystem(tree, node, spawn.onChildDone, [...path, 'onChildDone'], 'when a child case ends', add);
}

/**
 * An event the engine sends itself (a deadline's `onExpire`, a reminder's or
 * an escalation's `event`, a spawn's `onChildDone`) is sent by the `system`
 * role: some transition for it around `node` must allow that role, or the
 * event would be refused at run time and silently do nothing.
 */
function checkSentBySystem(tree: StateTree, node: StateNodeInfo, event: string | undefined, path: (string | number)[], when: string, add: Add): void {
  if (event === undefined) return;
  const handlers = tree.transitions.filter((t) => t.event === event && (isWithin(node, t.source) || isWithin(t.source, node)));
  if (handlers.length === 0 || handlers.some((t) => t.def.roles?.includes('system'))) return;
  const where = handlers.map((t) => formatJsonPath([...t.jsonPath, 'roles'])).join(', ');
  add('timer_event_not_system', path, `"${event}" is sent by the system ${when}, but no transition for it allows the role "system": add "system" to ${where} (and to the workflow's "roles")`);
}

function formatJsonPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function checkStructure(tree: StateTree, add: Add): void {
  for (const node of [tree.root, ...tree.nodes]) {
    const base = statesJsonPath(node.path);
    const keys = node.children.map((c) => c.path[c.path.length - 1]!);
    if (node.kind === 'compound') {
      if (keys.length === 0) add('invalid_state', base, 'a compound state needs child states');
      else if (node.def.initial === undefined) add('missing_initial', [...base, 'initial'], `state ${node.id || '(root)'} has children but no "initial"`);
      else if (!keys.includes(node.def.initial)) add('unknown_initial', node.path.length ? [...base, 'initial'] : ['initial'], `initial "${node.def.initial}" is not a child of ${node.id || '(root)'}`);
    }
    if (node.kind === 'parallel') {
      if (node.def.initial !== undefined) add('invalid_state', [...base, 'initial'], 'a parallel state has no "initial": all its regions start together');
      if (keys.length < 2) add('invalid_state', [...base, 'states'], 'a parallel state needs at least two regions');
    }
    if (node.kind === 'final' && (node.def.states || node.def.on || node.def.always || node.def.task || node.def.deadlines)) add('invalid_state', base, 'a final state has no children, events, task or deadlines');
    if (node.kind === 'atomic' && node.def.initial !== undefined) add('invalid_state', [...base, 'initial'], 'an atomic state has no "initial"');
    if (node.def.onDone && node.kind !== 'compound' && node.kind !== 'parallel') add('invalid_state', [...base, 'onDone'], '"onDone" applies to compound and parallel states');
  }
}

function checkReachability(tree: StateTree, add: Add): void {
  const reached = new Set<StateNodeInfo>();
  const queue: StateNodeInfo[] = [];
  const enter = (node: StateNodeInfo): void => {
    for (let n: StateNodeInfo | undefined = node; n && n.path.length > 0; n = n.parent) {
      if (reached.has(n)) continue;
      reached.add(n);
      queue.push(n);
    }
    if (node.kind === 'compound') {
      const init = node.children.find((c) => c.path[c.path.length - 1] === node.def.initial);
      if (init) enter(init);
    } else if (node.kind === 'parallel') node.children.forEach(enter);
  };
  enter(tree.root);
  const bySource = new Map<StateNodeInfo, typeof tree.transitions>();
  for (const t of tree.transitions) bySource.set(t.source, [...(bySource.get(t.source) ?? []), t]);
  for (const t of bySource.get(tree.root) ?? []) if (t.def.target) queue.push(tree.root);
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const t of bySource.get(node) ?? []) {
      const target = t.def.target ? resolveTarget(tree, node, t.def.target) : undefined;
      if (target && !reached.has(target)) enter(target);
    }
  }
  let finalReached = false;
  for (const node of tree.nodes) {
    if (node.kind === 'final' && node.path.length === 1 && reached.has(node)) finalReached = true;
    if (reached.has(node)) continue;
    if (node.kind === 'final') add('unreachable_final_state', statesJsonPath(node.path), `final state ${node.id} can never be reached`);
    else add('unreachable_state', statesJsonPath(node.path), `state ${node.id} can never be reached`);
  }
  if (!finalReached) add('no_final_state', ['states'], 'no top-level final state can be reached: a case could never close');
}

/** Events handled by `node`, its ancestors or its descendants (active together). */
function eventsReachableFrom(tree: StateTree, node: StateNodeInfo): Set<string> {
  const out = new Set<string>();
  for (const t of tree.transitions) if (t.event && (isWithin(node, t.source) || isWithin(t.source, node))) out.add(t.event);
  return out;
}

function checkDeadline(tree: StateTree, node: StateNodeInfo, d: DeadlineDefinition, path: (string | number)[], def: WorkflowDefinition, checkRole: (r: string, p: (string | number)[]) => void, add: Add): void {
  const events = eventsReachableFrom(tree, node);
  const needEvent = (e: string | undefined, p: (string | number)[]) => {
    if (e !== undefined && !events.has(e)) add('unhandled_event', p, `deadline event "${e}" is not handled by ${node.id} or the states around it`);
  };
  needEvent(d.onExpire, [...path, 'onExpire']);
  d.remind?.forEach((r, i) => needEvent(r.event, [...path, 'remind', i, 'event']));
  d.escalate?.forEach((r, i) => needEvent(r.event, [...path, 'escalate', i, 'event']));
  checkSentBySystem(tree, node, d.onExpire, [...path, 'onExpire'], 'when the deadline falls due', add);
  d.remind?.forEach((r, i) => checkSentBySystem(tree, node, r.event, [...path, 'remind', i, 'event'], 'with the reminder', add));
  d.escalate?.forEach((r, i) => checkSentBySystem(tree, node, r.event, [...path, 'escalate', i, 'event'], 'with the escalation', add));
  d.extension?.roles.forEach((r, i) => checkRole(r, [...path, 'extension', 'roles', i]));
  needEvent(d.extension?.event, [...path, 'extension', 'event']);
  d.pause?.forEach((p, i) => {
    if (!tree.byId.has(p)) add('unknown_state', [...path, 'pause', i], `pause state "${p}" does not exist`);
  });
  const dateField = (field: string, p: (string | number)[]) => {
    const f = fieldAt(def.data, field.replace(/^data\./, '').split('.'));
    if (!f) add('unknown_field', p, `data field "${field}" is not in the data schema`);
    else if (f.type !== 'string' || !('format' in f) || (f.format !== 'date' && f.format !== 'date-time')) add('invalid_field', p, `field "${field}" must be a string with format date or date-time`);
  };
  if (typeof d.anchor === 'object') dateField(d.anchor.field, [...path, 'anchor', 'field']);
  if (d.dueField) dateField(d.dueField, [...path, 'dueField']);
}

function checkAssign(t: TransitionDefinition, path: (string | number)[], data: ObjectSchema, add: Add): void {
  if (!t.assign) return;
  if (Array.isArray(t.assign)) {
    t.assign.forEach((name, i) => {
      if (!data.properties[name]) add('unknown_field', [...path, 'assign', i], `assigned field "${name}" is not in the data schema`);
      if (!t.input?.properties[name]) add('unknown_field', [...path, 'assign', i], `assigned field "${name}" is not in the transition's input`);
    });
    return;
  }
  for (const [name, expr] of Object.entries(t.assign)) {
    if (!data.properties[name]) add('unknown_field', [...path, 'assign', name], `assigned field "${name}" is not in the data schema`);
    checkExpression(expr, [...path, 'assign', name], data, t.input, add);
  }
}

function checkExpression(rule: unknown, path: (string | number)[], data: ObjectSchema, input: ObjectSchema | undefined, add: Add, scope: { item?: ObjectSchema | boolean } = {}): void {
  const { vars, problems } = analyseExpression(rule);
  for (const p of problems) add(p.code, [...path, ...p.at], p.message);
  for (const v of vars) {
    const [root, ...rest] = v.path.split('.');
    const at = [...path, ...v.at];
    let known: FieldSchema | ObjectSchema | undefined | boolean;
    switch (root) {
      case 'data':
        known = rest.length === 0 || fieldAt(data, rest);
        break;
      case 'payload':
        known = input !== undefined && (rest.length === 0 || fieldAt(input, rest));
        break;
      case 'actor':
        known = rest.length === 0 || (rest.length === 1 && ACTOR_FIELDS.has(rest[0]!)) || (rest[0] === 'roles' && rest.length === 2);
        break;
      case 'case':
        known = rest.length === 1 && CASE_FIELDS.has(rest[0]!);
        break;
      case 'now':
        known = rest.length === 0;
        break;
      case 'children':
        known = true;
        break;
      case 'item':
        known = scope.item === true || (typeof scope.item === 'object' && (rest.length === 0 || fieldAt(scope.item, rest) !== undefined));
        break;
      default:
        known = false;
    }
    if (!known) add('unknown_field', at, `"${v.path}" is not a known field (data.* of the data schema, payload.* of the input, actor.id|roles|org, case.id|org|parentId|orgAncestors|routedOrg, children, now${scope.item ? ', item.*' : ''})`);
  }
}

/** The value at a JSON path of the raw input. */
function rawAt(input: unknown, path: readonly (string | number)[]): unknown {
  let v = input;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/**
 * Says what to write instead, where the shape of the mistake tells: a task
 * given as "role@org", a deadline without its id, a reminder counted forwards,
 * an escalation counted backwards, a missing field.
 */
function withAdvice(issue: Issue, input: unknown): Issue {
  const path = issue.path;
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  const value = rawAt(input, path);
  const missing = value === undefined && issue.code === 'invalid_type';
  let message: string | undefined;
  if (last === 'task' && !missing && (typeof value !== 'object' || value === null)) {
    message = 'task must be an object { role, title }, e.g. { "role": "inspector", "title": "复查验收" }; the task goes to the case\'s org unless "org" computes another';
  } else if (parent === 'task' && missing && last === 'title') {
    message = 'a task needs a "title" (what the worklist shows), e.g. "复查验收" or { "zh": "复查验收", "en": "Re-inspect" }';
  } else if (parent === 'task' && missing && last === 'role') {
    message = 'a task needs a "role": the role it is offered to, e.g. "inspector"';
  } else if (typeof parent === 'number' && path[path.length - 3] === 'deadlines' && missing && last === 'id') {
    message = 'a deadline needs an "id" (camelCase, e.g. "rectifyDue"): it names the deadline in the history and in deadline.extend';
  } else if (last === 'before' && typeof value === 'string' && !value.trim().startsWith('-')) {
    message = `a reminder comes before the due time, so "before" is negative: write "-${value.trim()}"`;
  } else if (last === 'after' && typeof value === 'string' && value.trim().startsWith('-')) {
    message = `an escalation comes after the due time, so "after" is positive: write "${value.trim().slice(1)}"`;
  } else if (missing) {
    message = `"${String(last)}" is required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`;
  }
  return message === undefined ? issue : { ...issue, message };
}

