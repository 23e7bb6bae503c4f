/**
 * The workflow registry: stores definition versions (immutable, content-hashed)
 * and keeps compiled machines in memory, loading pinned versions on demand.
 */
import { compileWorkflow, type CompiledWorkflow } from '../core/compile.js';
import { WorkflowNotFoundError } from '../errors.js';
import type { Clock, Store } from '../ports.js';
import { hashDefinition } from './hash.js';

export interface WorkflowRegistry {
  /** Validates, compiles and stores a definition version; returns its ref and whether it was new. */
  register(definition: unknown): Promise<{ ref: string; created: boolean; workflow: CompiledWorkflow }>;
  /** A version, or the latest stored version. Throws `workflow_not_found`. */
  get(workflowId: string, version?: number): Promise<CompiledWorkflow>;
}

export function createWorkflowRegistry(store: Store, clock: Clock): WorkflowRegistry {
  const compiled = new Map<string, CompiledWorkflow>();
  return {
    async register(definition) {
      const workflow = compileWorkflow(definition);
      const { id, version } = workflow.definition;
      // The stored form is the parsed definition (defaults filled in), so the hash is stable across authoring styles.
      const stored = JSON.parse(JSON.stringify(workflow.definition)) as unknown;
      const result = await store.saveDefinition({ workflowId: id, version, hash: hashDefinition(stored), definition: stored, createdAt: clock.now().toISOString() });
      compiled.set(workflow.ref, workflow);
      return { ref: workflow.ref, created: result === 'created', workflow };
    },
    async get(workflowId, version) {
      if (version !== undefined) {
        const hit = compiled.get(`${workflowId}@${version}`);
        if (hit) return hit;
      }
      const stored = await store.getDefinition(workflowId, version);
      if (!stored) throw new WorkflowNotFoundError(workflowId, version);
      const ref = `${stored.workflowId}@${stored.version}`;
      const hit = compiled.get(ref);
      if (hit) return hit;
      const workflow = compileWorkflow(stored.definition);
      compiled.set(ref, workflow);
      return workflow;
    },
  };
}
