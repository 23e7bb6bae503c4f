/**
 * Load-time checks of confidential field declarations: where they may stand,
 * that their roles are declared, and that no step copies a confidential value
 * into a place that is not (a clear data field, an input field of another
 * name, a child case). Pure.
 */
import { confidentialFields, type ConfidentialFields } from './confidential.js';
import { SpawnSchema, type WorkflowDefinition } from './definition-schema.js';
import { analyseExpression } from './expression.js';
import type { FieldSchema, ObjectSchema } from './field-schema.js';
import { statesJsonPath, type StateTree } from './state-tree.js';

type Add = (code: string, path: (string | number)[], message: string) => void;

/** Reports `confidential` declared below the top level of `data` or in an input schema (nothing would honour it there). */
function misplaced(schema: FieldSchema | ObjectSchema, path: (string | number)[], add: Add): void {
  for (const [name, f] of Object.entries(schema.properties ?? {})) {
    const p = [...path, 'properties', name];
    if (f.confidential) add('invalid_confidential', [...p, 'confidential'], 'only a top-level field of "data" can be confidential (an input field named like a confidential data field is confidential with it)');
    misplaced(f, p, add);
  }
  if ('items' in schema && schema.items) {
    if (schema.items.confidential) add('invalid_confidential', [...path, 'items', 'confidential'], 'only a top-level field of "data" can be confidential');
    misplaced(schema.items, [...path, 'items'], add);
  }
}

/** The confidential fields an expression reads (`data.<f>`, `payload.<f>`), as `[root, field]`. */
function confidentialReads(expr: unknown, fields: ConfidentialFields): { root: string; field: string }[] {
  const out: { root: string; field: string }[] = [];
  for (const v of analyseExpression(expr).vars) {
    const [root, field] = v.path.split('.');
    if ((root === 'data' || root === 'payload') && field !== undefined) out.push({ root, field });
    // `var: "data"` reads the whole record, confidential fields included.
    else if (root === 'data' && field === undefined) for (const f of fields.keys()) out.push({ root, field: f });
  }
  return out.filter((r) => fields.has(r.field) || r.root === 'payload');
}

/**
 * Checks a definition's confidential declarations; `roles` are the declared roles.
 * @example
 * checkConfidential(def, tree, add); // add('undeclared_role', ['data','properties','tipsterName','confidential','roles',0], …)
 */
export function checkConfidential(def: WorkflowDefinition, tree: StateTree, add: Add): void {
  const roles = new Set(def.roles);
  for (const [name, f] of Object.entries(def.data.properties)) {
    misplaced(f, ['data', 'properties', name], add);
    if (!f.confidential) continue;
    const base = ['data', 'properties', name, 'confidential'];
    const list = Array.isArray(f.confidential) ? f.confidential : f.confidential.roles;
    list.forEach((r, i) => {
      if (!roles.has(r)) add('undeclared_role', Array.isArray(f.confidential) ? [...base, i] : [...base, 'roles', i], `role "${r}" is not declared in "roles"`);
    });
  }
  for (const t of tree.transitions) if (t.def.input) misplaced(t.def.input, [...t.jsonPath, 'input'], add);
  const fields = confidentialFields(def);
  if (fields.size === 0) return;

  // Assignments: a confidential value must not land in a clear field, and a confidential field must be filled
  // from an input field of its own name (the payload is recorded too, and only that name is confidential there).
  for (const t of tree.transitions) {
    if (!t.def.assign || Array.isArray(t.def.assign)) continue;
    for (const [target, expr] of Object.entries(t.def.assign)) {
      const at = [...t.jsonPath, 'assign', target];
      for (const r of confidentialReads(expr, fields)) {
        if (!fields.has(target) && fields.has(r.field)) add('confidential_leak', at, `"${target}" is not confidential but is computed from the confidential field "${r.root}.${r.field}"`);
        else if (fields.has(target) && r.root === 'payload' && r.field !== target) add('confidential_leak', at, `confidential field "${target}" is filled from "payload.${r.field}", which is recorded in the clear; name the input field "${target}"`);
      }
    }
  }
  // Children: their definitions declare nothing confidential about what the parent hands them.
  for (const node of tree.nodes) {
    if (!node.def.spawn) continue;
    const spawn = SpawnSchema.safeParse(node.def.spawn);
    if (!spawn.success) continue;
    for (const [key, expr] of [['org', spawn.data.org] as const, ...Object.entries(spawn.data.input).map(([k, e]) => [`input.${k}`, e] as const)]) {
      if (expr === undefined) continue;
      for (const r of confidentialReads(expr, fields)) {
        if (r.root === 'data') add('confidential_leak', [...statesJsonPath(node.path), 'spawn', ...key.split('.')], `a child case would receive the confidential field "data.${r.field}"`);
      }
    }
  }
}
