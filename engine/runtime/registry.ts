/**
 * The workflow registry: stores definition versions (immutable, content-hashed),
 * each registered at an owner org, and keeps compiled machines in memory,
 * loading pinned versions on demand. A case takes the nearest definition up
 * its org's ancestry (see {@link WorkflowRegistry.resolve}).
 */
import { compileWorkflow, type CompiledWorkflow } from '../core/compile.js';
import type { OrgFacts } from '../core/jurisdiction.js';
import type { TemplateCatalog } from '../core/validate-definition.js';
import { OrgNotFoundError, WorkflowNotFoundError } from '../errors.js';
import type { Clock, Store } from '../ports.js';
import { hashDefinition } from './hash.js';

/** Where a registry reads stored definitions: the pool, or a transaction (pass it inside one). */
export type DefinitionReader = Pick<Store, 'getDefinition' | 'listDefinitionOwners'>;

/** A definition chosen for a case, with the org that owns it (`null`: the root). */
export interface ResolvedWorkflow {
  workflow: CompiledWorkflow;
  owner: string | null;
}

export interface WorkflowRegistry {
  /**
   * Validates, compiles and stores a definition version at `owner` (an org id;
   * `null`, the default, is the root: the built-in workflows). Returns its ref
   * and whether it was new; `definition_conflict` when the version number is
   * taken by other content or another owner.
   */
  register(definition: unknown, opts?: { owner?: string | null }): Promise<{ ref: string; created: boolean; workflow: CompiledWorkflow }>;
  /**
   * A version, or the latest stored version whatever its owner. Throws `workflow_not_found`.
   * Inside a transaction pass it as `reader`, so a cache miss reads through it, not the pool.
   */
  get(workflowId: string, version?: number, reader?: DefinitionReader): Promise<CompiledWorkflow>;
  /**
   * The definition that governs a new case in `org`: among the versions owned
   * by the org, then its parent, … up to the root (`null` owner), the first
   * owner that has any; its latest version. A pinned `version` must be owned
   * on that ancestry. Throws `workflow_not_found` (also for a version owned
   * elsewhere: nothing is said about other orgs' definitions) and
   * `org_not_found`. Without `facts` the ancestry is the org alone.
   */
  resolve(workflowId: string, org: string, opts?: { version?: number | undefined; facts?: OrgFacts | undefined; reader?: DefinitionReader }): Promise<ResolvedWorkflow>;
  /** The owner org of a stored version (`null`: the root). Throws `workflow_not_found`. */
  ownerOf(workflowId: string, version: number, reader?: DefinitionReader): Promise<string | null>;
}

export function createWorkflowRegistry(store: Store, clock: Clock, templates?: TemplateCatalog): WorkflowRegistry {
  const compiled = new Map<string, CompiledWorkflow>();
  // A version number belongs to one owner, so ref → owner never changes once read.
  const owners = new Map<string, string | null>();
  const registry: WorkflowRegistry = {
    async register(definition, opts = {}) {
      // New versions are checked against the templates that exist now; stored ones were checked when registered.
      const workflow = compileWorkflow(definition, { templates });
      const { id, version } = workflow.definition;
      const ownerOrg = opts.owner ?? null;
      // The stored form is the parsed definition (defaults filled in), so the hash is stable across authoring styles.
      const stored = JSON.parse(JSON.stringify(workflow.definition)) as unknown;
      const result = await store.saveDefinition({ workflowId: id, version, hash: hashDefinition(stored), definition: stored, createdAt: clock.now().toISOString(), ownerOrg });
      compiled.set(workflow.ref, workflow);
      owners.set(workflow.ref, ownerOrg);
      return { ref: workflow.ref, created: result === 'created', workflow };
    },
    async get(workflowId, version, reader = store) {
      if (version !== undefined) {
        const hit = compiled.get(`${workflowId}@${version}`);
        if (hit) return hit;
      }
      const stored = await reader.getDefinition(workflowId, version);
      if (!stored) throw new WorkflowNotFoundError(workflowId, version);
      const ref = `${stored.workflowId}@${stored.version}`;
      owners.set(ref, stored.ownerOrg);
      const hit = compiled.get(ref);
      if (hit) return hit;
      const workflow = compileWorkflow(stored.definition, { stored: true });
      compiled.set(ref, workflow);
      return workflow;
    },
    async resolve(workflowId, org, opts = {}) {
      const reader = opts.reader ?? store;
      const chain = opts.facts ? opts.facts.ancestry(org)?.map((o) => o.id) : [org];
      if (!chain) throw new OrgNotFoundError(org, `a ${workflowId} case`);
      // Distance up the ancestry: 0 for the org itself, the root owner (null) above every org; -1 off the ancestry.
      const distance = (owner: string | null) => (owner === null ? chain.length : chain.indexOf(owner));
      const versions = await reader.listDefinitionOwners(workflowId);
      let chosen: { version: number; ownerOrg: string | null } | undefined;
      if (opts.version !== undefined) {
        chosen = versions.find((v) => v.version === opts.version && distance(v.ownerOrg) >= 0);
      } else {
        for (const v of versions) {
          const d = distance(v.ownerOrg);
          if (d < 0) continue;
          const best = chosen ? distance(chosen.ownerOrg) : Infinity;
          if (d < best || (d === best && v.version > chosen!.version)) chosen = v;
        }
      }
      if (!chosen) throw new WorkflowNotFoundError(workflowId, opts.version);
      owners.set(`${workflowId}@${chosen.version}`, chosen.ownerOrg);
      return { workflow: await registry.get(workflowId, chosen.version, reader), owner: chosen.ownerOrg };
    },
    async ownerOf(workflowId, version, reader = store) {
      const ref = `${workflowId}@${version}`;
      if (!owners.has(ref)) {
        const stored = await reader.getDefinition(workflowId, version);
        if (!stored) throw new WorkflowNotFoundError(workflowId, version);
        owners.set(ref, stored.ownerOrg);
      }
      return owners.get(ref) ?? null;
    },
  };
  return registry;
}
