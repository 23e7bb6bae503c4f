/**
 * A flat view of a definition's state tree: every node with its path, kind and
 * transitions, and the resolution of transition targets. Pure.
 */
import type { StateDefinition, TransitionDefinition, WorkflowDefinition } from './definition-schema.js';

export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final';

export interface StateNodeInfo {
  /** Keys from the root, e.g. `['major', 'planReview']`. */
  path: string[];
  /** Dotted path, the node's id within the workflow (`major.planReview`). */
  id: string;
  kind: StateKind;
  def: StateDefinition;
  parent: StateNodeInfo | undefined;
  children: StateNodeInfo[];
}

/** A transition with where it is declared and its JSON path in the definition. */
export interface TransitionInfo {
  source: StateNodeInfo;
  /** The event type, or `null` for `always`, `onDone` for done transitions. */
  event: string | null;
  def: TransitionDefinition;
  jsonPath: (string | number)[];
}

export interface StateTree {
  root: StateNodeInfo;
  byId: Map<string, StateNodeInfo>;
  nodes: StateNodeInfo[];
  transitions: TransitionInfo[];
}

/** Builds the tree; the root is a synthetic compound node with path `[]`. */
export function buildStateTree(def: Pick<WorkflowDefinition, 'initial' | 'states'>): StateTree {
  const nodes: StateNodeInfo[] = [];
  const byId = new Map<string, StateNodeInfo>();
  const transitions: TransitionInfo[] = [];
  const make = (path: string[], sd: StateDefinition, parent: StateNodeInfo | undefined): StateNodeInfo => {
    const node: StateNodeInfo = { path, id: path.join('.'), kind: kindOf(sd), def: sd, parent, children: [] };
    if (path.length > 0) {
      nodes.push(node);
      byId.set(node.id, node);
    }
    for (const [key, child] of Object.entries(sd.states ?? {})) node.children.push(make([...path, key], child, node));
    const base = statesJsonPath(path);
    for (const [event, t] of Object.entries(sd.on ?? {})) {
      const list = Array.isArray(t) ? t : [t];
      list.forEach((td, i) => transitions.push({ source: node, event, def: td, jsonPath: Array.isArray(t) ? [...base, 'on', event, i] : [...base, 'on', event] }));
    }
    if (sd.always) {
      const list = Array.isArray(sd.always) ? sd.always : [sd.always];
      list.forEach((td, i) => transitions.push({ source: node, event: null, def: td, jsonPath: Array.isArray(sd.always) ? [...base, 'always', i] : [...base, 'always'] }));
    }
    if (sd.onDone) transitions.push({ source: node, event: 'onDone', def: sd.onDone, jsonPath: [...base, 'onDone'] });
    return node;
  };
  const root = make([], { type: 'compound', initial: def.initial, states: def.states }, undefined);
  return { root, byId, nodes, transitions };
}

function kindOf(sd: StateDefinition): StateKind {
  if (sd.type) return sd.type;
  return sd.states && Object.keys(sd.states).length > 0 ? 'compound' : 'atomic';
}

/** The JSON path of a state in the definition (`states.a.states.b`). */
export function statesJsonPath(path: readonly string[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (const key of path) out.push('states', key);
  return out;
}

/**
 * Resolves a transition target as xstate does: `name` is a sibling of the
 * source (or a dotted path below that sibling), `.child` is below the source,
 * `#a.b` is absolute from the root.
 */
export function resolveTarget(tree: StateTree, source: StateNodeInfo, target: string): StateNodeInfo | undefined {
  if (target.startsWith('#')) return tree.byId.get(target.slice(1));
  if (target.startsWith('.')) return tree.byId.get([...source.path, ...target.slice(1).split('.')].join('.'));
  const parentPath = source.parent ? source.parent.path : [];
  return tree.byId.get([...parentPath, ...target.split('.')].join('.'));
}

/** Ids of the active nodes for an xstate state value, ancestors included. */
export function activeNodeIds(value: unknown, prefix: string[] = []): string[] {
  if (typeof value === 'string') return [[...prefix, value].join('.')];
  if (value && typeof value === 'object') {
    const out: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k].join('.'));
      out.push(...activeNodeIds(v, [...prefix, k]));
    }
    return out;
  }
  return [];
}

/** Whether `node` is `other` or below it. */
export function isWithin(node: StateNodeInfo, other: StateNodeInfo): boolean {
  for (let n: StateNodeInfo | undefined = node; n; n = n.parent) if (n === other) return true;
  return false;
}
