/**
 * The `case_facts` read model: the projection that keeps it in each step's
 * transaction, its rebuild from the event history (`duban stats rebuild`),
 * and reading the facts now or as of a past instant (recomputed from the
 * events up to it).
 */
import { builtinWorkflows } from '../../workflows/index.js';
import { belongsAt, factsOf, foldFacts, type CaseFacts, type CommitProjection, type EventRecord, type FactsDefinition, type WorkflowDefinitionInput } from '../../engine/index.js';
import type { FactsReader } from './stats-ports.js';

/** Fold inputs for each workflow id, from definitions (final states tagged `terminated`). */
export function factsDefinitions(definitions: readonly WorkflowDefinitionInput[]): Map<string, FactsDefinition> {
  const out = new Map<string, FactsDefinition>();
  for (const d of definitions as unknown as readonly { id: string; states?: Record<string, { type?: string; tags?: string[] }> }[]) {
    const terminatedStates = Object.entries(d.states ?? {}).filter(([, s]) => s.type === 'final' && (s.tags ?? []).includes('terminated')).map(([k]) => k);
    out.set(d.id, { id: d.id, terminatedStates });
  }
  return out;
}

/** The fold inputs of the built-in workflows (other workflows count with no terminated states). */
export const BUILTIN_FACTS: Map<string, FactsDefinition> = factsDefinitions(builtinWorkflows);

const defOf = (defs: Map<string, FactsDefinition>, workflowId: string): FactsDefinition => defs.get(workflowId) ?? { id: workflowId, terminatedStates: [] };

const UPSERT = 'INSERT INTO case_facts (case_id, workflow_id, org, seq, opened_at, closed_at, belongs_at, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET workflow_id = excluded.workflow_id, org = excluded.org, seq = excluded.seq, opened_at = excluded.opened_at, closed_at = excluded.closed_at, belongs_at = excluded.belongs_at, facts = excluded.facts';

function rowOf(f: CaseFacts): unknown[] {
  return [f.caseId, f.workflowId, f.org, f.seq, f.openedAt, f.closedAt, belongsAt(f), JSON.stringify(f)];
}

/**
 * The projection: folds the step's event into the case's facts row. A case
 * whose row is missing past its first event (it predates the read model) is
 * left for `duban stats rebuild`.
 */
export function createFactsProjection(defs: Map<string, FactsDefinition>): CommitProjection {
  return async (req, conn) => {
    const { event, record } = req;
    let prev: CaseFacts | undefined;
    if (event.seq > 1) {
      const [row] = await conn.all<{ facts: string }>('SELECT facts FROM case_facts WHERE case_id = ?', [record.id]);
      if (!row) return;
      prev = JSON.parse(row.facts) as CaseFacts;
    }
    await conn.run(UPSERT, rowOf(foldFacts(defOf(defs, record.workflowId), prev, event)));
  };
}

/** Reads a case's events in seq order (the engine's `history`). */
export type HistoryReader = (caseId: string) => Promise<EventRecord[]>;

/** The facts of every case recomputed from its events; with `at`, from the events up to that instant. */
export async function computeFacts(facts: FactsReader, history: HistoryReader, defs: Map<string, FactsDefinition>, at?: string): Promise<CaseFacts[]> {
  const out: CaseFacts[] = [];
  for (const c of await facts.cases(at)) {
    const f = factsOf(defOf(defs, c.workflowId), await history(c.id), at);
    if (f) out.push(f);
  }
  return out;
}

/** Replaces the whole table with the facts recomputed from the history. Returns how many rows it wrote. */
export async function rebuildFacts(facts: FactsReader, history: HistoryReader, defs: Map<string, FactsDefinition>): Promise<number> {
  const all = await computeFacts(facts, history, defs);
  await facts.replaceAll(all);
  return all.length;
}

/** The facts now (the table) or as of `at` (recomputed from the history up to it). */
export async function factsAsOf(facts: FactsReader, history: HistoryReader, defs: Map<string, FactsDefinition>, at?: string): Promise<CaseFacts[]> {
  return at === undefined ? facts.list() : computeFacts(facts, history, defs, at);
}

/** The projection over the built-in workflows: one function, so adding it twice to a store adds it once. */
export const builtinFactsProjection: CommitProjection = createFactsProjection(BUILTIN_FACTS);
