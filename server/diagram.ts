/**
 * A workflow definition as a Mermaid `stateDiagram-v2`: compound states nest,
 * parallel regions are separated by `--`, final states lead to `[*]`, and
 * each transition is labelled with its event's Chinese title (完成 for a
 * compound state's end, no label for automatic ones); 退回 and 拿回 edges where the definition allows them.
 * Optionally the active states of a case are highlighted.
 * Pure.
 */
import { buildStateTree, resolveTarget, type LocalizedText, type StateNodeInfo, type StateValue, type WorkflowDefinition } from '../engine/index.js';

/** Mermaid ids allow letters, digits and `_`; nested keys are joined with `__` so equal keys in two parents stay apart. */
function mermaidId(node: StateNodeInfo): string {
  return node.path.join('__');
}

function label(text: LocalizedText | undefined, fallback: string): string {
  const raw = text === undefined ? fallback : typeof text === 'string' ? text : text.zh;
  // Quotes end a Mermaid label; colons and semicolons start syntax in transition labels.
  return raw.replace(/["\n\r]/g, ' ').replace(/[:;]/g, ' ').trim() || fallback;
}

/** A multi-person task's rule (会签 / 或签 / 票签 ≥ share) and a copy (抄送), marked in the state's label. */
function peopleMark(node: StateNodeInfo): string {
  const sign = node.def.task?.sign;
  const rule = sign === undefined ? '' : sign.rule === 'all' ? '会签' : sign.rule === 'any' ? '或签' : `票签≥${Math.round(sign.rule.share * 100)}%`;
  const marks = [rule, node.def.copy ? '抄送' : ''].filter((m) => m !== '');
  return marks.length > 0 ? ` ［${marks.join(' · ')}］` : '';
}

/** Ids of the active nodes of a state value (ancestors included). */
function activeIds(value: StateValue, prefix: string[] = []): string[] {
  if (typeof value === 'string') return [[...prefix, value].join('.')];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k].join('.'), ...activeIds(v, [...prefix, k])]);
}

/**
 * Renders the diagram. `active` (a case's state value) adds a `current` class
 * on its atomic states.
 * @example
 * toMermaid(definition).split('\n')[0]; // 'stateDiagram-v2'
 */
export function toMermaid(definition: Pick<WorkflowDefinition, 'initial' | 'states' | 'events'>, active?: StateValue): string {
  const tree = buildStateTree(definition);
  const lines: string[] = ['stateDiagram-v2'];
  const indent = (depth: number) => '  '.repeat(depth);

  const declare = (node: StateNodeInfo, depth: number) => {
    const id = mermaidId(node);
    lines.push(`${indent(depth)}state "${label(node.def.title, node.path[node.path.length - 1]!)}${peopleMark(node)}" as ${id}`);
    if (node.kind === 'compound' || node.kind === 'parallel') {
      lines.push(`${indent(depth)}state ${id} {`);
      body(node, depth + 1);
      lines.push(`${indent(depth)}}`);
    }
  };
  const body = (parent: StateNodeInfo, depth: number) => {
    if (parent.kind === 'parallel') {
      parent.children.forEach((region, i) => {
        if (i > 0) lines.push(`${indent(depth)}--`);
        declare(region, depth);
      });
      return;
    }
    const initial = parent.def.initial ?? parent.children[0]?.path.at(-1);
    const first = parent.children.find((c) => c.path.at(-1) === initial);
    if (first) lines.push(`${indent(depth)}[*] --> ${mermaidId(first)}`);
    for (const child of parent.children) declare(child, depth);
    for (const child of parent.children) if (child.kind === 'final') lines.push(`${indent(depth)}${mermaidId(child)} --> [*]`);
  };
  body(tree.root, 1);

  for (const t of tree.transitions) {
    if (t.source === tree.root) continue;
    const target = t.def.target ? resolveTarget(tree, t.source, t.def.target) : t.source;
    if (!target) continue;
    // Chinese labels only: an event's title; 完成 when a compound state is done; none for automatic (eventless) transitions or untitled events.
    const title = t.event === 'onDone' ? '完成' : t.event ? definition.events?.[t.event]?.title : undefined;
    const text = title ? label(title, '') : '';
    lines.push(`  ${mermaidId(t.source)} --> ${mermaidId(target)}${text ? `: ${text}` : ''}`);
  }

  // 退回 and 拿回 as the definition allows them: back to each declared earlier state; back to each state that hands on here.
  for (const node of tree.nodes) {
    for (const to of node.def.sendBack?.to ?? []) {
      const target = tree.byId.get(to);
      if (target) lines.push(`  ${mermaidId(node)} --> ${mermaidId(target)}: 退回`);
    }
    if (!node.def.takeBack) continue;
    const senders = new Set(tree.transitions.filter((t) => t.event && t.def.target && t.source !== tree.root && resolveTarget(tree, t.source, t.def.target) === node).map((t) => t.source));
    for (const from of senders) lines.push(`  ${mermaidId(node)} --> ${mermaidId(from)}: 拿回`);
  }

  if (active !== undefined) {
    const ids = new Set(activeIds(active));
    const current = tree.nodes.filter((n) => ids.has(n.id) && n.children.length === 0);
    if (current.length > 0) {
      lines.push('  classDef current fill:#ffd966,stroke:#b45f06,stroke-width:3px');
      lines.push(`  class ${current.map(mermaidId).join(',')} current`);
    }
  }
  return lines.join('\n');
}
