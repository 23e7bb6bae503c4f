/**
 * The workflow registry: stores definition versions (immutable, content-hashed)
 * and keeps compiled machines in memory, loading pinned versions on demand.
 */
import { compileWorkflow, type CompiledWorkflow } from '../core/compile.js';
import type { TemplateCatalog } from '../core/validate-definition.js';
import { WorkflowNotFoundError } from '../errors.js';
import type { Clock, Store } from '../ports.js';
import { hashDefinition } from './hash.js';

export interface WorkflowRegistry {
  /** Validates, compiles and stores a definition version; returns its ref and whether it was new. */
  register(definition: unknown): Promise<{ ref: string; created: boolean; workflow: CompiledWorkflow }>;
  /**
   * A version, or the latest stored version. Throws `workflow_not_found`.
   * Inside a transaction pass it as `reader`, so a cache miss reads through it, not the pool.
   */
  get(workflowId: string, version?: number, reader?: Pick<Store, 'getDefinition'>): Promise<CompiledWorkflow>;
}

export function createWorkflowRegistry(store: Store, clock: Clock, templates?: TemplateCatalog): WorkflowRegistry {
  const compiled = new Map<string, CompiledWorkflow>();
  return {
    async register(definition) {
      // New versions are checked against the templates that exist now; stored ones were checked when registered.
      const workflow = compileWorkflow(definition, { templates });
      const { id, version } = workflow.definition;
      // The stored form is the parsed definition (defaults filled in), so the hash is stable across authoring styles.
      const stored = JSON.parse(JSON.stringify(workflow.definition)) as unknown;
      const result = await store.saveDefinition({ workflowId: id, version, hash: hashDefinition(stored), definition: stored, createdAt: clock.now().toISOString() });
      compiled.set(workflow.ref, workflow);
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
      const hit = compiled.get(ref);
      if (hit) return hit;
      const workflow = compileWorkflow(stored.definition, { stored: true });
      compiled.set(ref, workflow);
      return workflow;
    },
  };
}
