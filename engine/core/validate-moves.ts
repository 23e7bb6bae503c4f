/**
 * Registration checks of the administrative moves a definition declares
 * (issue 15): who may terminate (终止), the earlier states a state may be
 * sent back to (退回) and where taking back (拿回) is allowed. Kept apart from
 * validate-definition.ts, which calls it. Pure.
 */
import type { WorkflowDefinition } from './definition-schema.js';
import { isWithin, statesJsonPath, type StateNodeInfo, type StateTree } from './state-tree.js';
import { resolveTarget } from './state-tree.js';

type Path = (string | number)[];
type Add = (code: string, path: Path, message: string) => void;

/** The nodes active together with `node` when it is entered: its ancestors and the initial (or parallel) descendants. */
function entered(node: StateNodeInfo): StateNodeInfo[] {
  const out: StateNodeInfo[] = [];
  for (let n: StateNodeInfo | undefined = node; n && n.path.length > 0; n = n.parent) out.push(n);
  const down = (n: StateNodeInfo): void => {
    const next = n.kind === 'parallel' ? n.children : n.kind === 'compound' ? n.children.filter((c) => c.path[c.path.length - 1] === n.def.initial) : [];
    for (const c of next) {
      out.push(c);
      down(c);
    }
  };
  down(node);
  return out;
}

/**
 * Whether `to` lies before `from`: some path of transitions leads from `to`
 * into `from` (or a state inside it). That is what makes a 退回 target
 * "earlier" rather than any state at all.
 */
export function leadsTo(tree: StateTree, to: StateNodeInfo, from: StateNodeInfo): boolean {
  const seen = new Set<StateNodeInfo>();
  const queue = entered(to);
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (isWithin(node, from)) return true;
    for (const t of tree.transitions) {
      if (!t.def.target || !(isWithin(node, t.source) || isWithin(t.source, node))) continue;
      const target = resolveTarget(tree, t.source, t.def.target);
      if (target && !seen.has(target)) queue.push(...entered(target));
    }
  }
  return false;
}

/** Adds an issue for every problem of `terminate`, `sendBack` and `takeBack`. */
export function checkMoves(def: WorkflowDefinition, tree: StateTree, checkRole: (role: string, path: Path) => void, add: Add): void {
  def.terminate?.roles.forEach((r, i) => checkRole(r, ['terminate', 'roles', i]));
  for (const node of tree.nodes) {
    const base = statesJsonPath(node.path);
    if (node.def.takeBack && !node.def.task) add('take_back_without_task', [...base, 'takeBack'], `state ${node.id} has no task, so there is nothing to take back before it is opened`);
    const sb = node.def.sendBack;
    if (!sb) continue;
    sb.roles?.forEach((r, i) => checkRole(r, [...base, 'sendBack', 'roles', i]));
    if (!sb.roles && !node.def.task) add('send_back_without_role', [...base, 'sendBack'], `state ${node.id} has no task: name the roles that may send back`);
    sb.to.forEach((id, i) => {
      const p = [...base, 'sendBack', 'to', i];
      const target = tree.byId.get(id);
      if (!target) return add('unknown_target', p, `"${id}" is not a state (a dotted path from the root)`);
      if (target.kind === 'final') return add('send_back_to_final', p, `"${id}" is a final state: a case is sent back to work, not closed`);
      if (isWithin(target, node) || isWithin(node, target)) return add('send_back_to_self', p, `"${id}" is state ${node.id} itself or encloses it`);
      if (!leadsTo(tree, target, node)) add('send_back_not_earlier', p, `"${id}" is not an earlier state: no transitions lead from it to ${node.id}`);
    });
  }
}
