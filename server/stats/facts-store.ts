/**
 * The `case_facts` read model: the projection that keeps it in each step's
 * transaction, its rebuild from the event history (`duban stats rebuild`),
 * and reading the facts now or as of a past instant (recomputed from the
 * events up to it).
 */
import { builtinWorkflows } from '../../workflows/index.js';
import { belongsAt, factsOf, foldFacts, InvalidArchiveError, type CaseFacts, type CommitProjection, type EventRecord, type FactsDefinition, type WorkflowDefinitionInput } from '../../engine/index.js';
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

/** An instant as a UTC ISO string, so that the columns compare as text the way the instants compare (migration 030). */
function utc(iso: string): string;
function utc(iso: string | null): string | null;
function utc(iso: string | null): string | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString();
}

/** The `case_facts` row of a case's facts: the JSON, and the columns the figures are added up from in SQL. */
export function factsRow(f: CaseFacts): Record<(typeof FACTS_COLUMNS)[number], string | number | null> {
  return {
    case_id: f.caseId, workflow_id: f.workflowId, org: f.org, seq: f.seq, opened_at: utc(f.openedAt), closed_at: utc(f.closedAt), belongs_at: utc(belongsAt(f)),
    grade: f.grade, industry: f.industry, first_overdue_at: utc(f.firstOverdueAt), confirmed_at: utc(f.confirmedAt), terminated: f.terminated ? 1 : 0, listed: f.listed ? 1 : 0,
    deaths: f.deaths, injuries: f.injuries, direct_loss_cny: f.directLossCny, facts: JSON.stringify(f),
  };
}

const FACTS_COLUMNS = ['case_id', 'workflow_id', 'org', 'seq', 'opened_at', 'closed_at', 'belongs_at', 'grade', 'industry', 'first_overdue_at', 'confirmed_at', 'terminated', 'listed', 'deaths', 'injuries', 'direct_loss_cny', 'facts'] as const;
const UPSERT = `INSERT INTO case_facts (${FACTS_COLUMNS.join(', ')}) VALUES (${FACTS_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (case_id) DO UPDATE SET ${FACTS_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`;

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
    const row = factsRow(foldFacts(defOf(defs, record.workflowId), prev, event));
    await conn.run(UPSERT, FACTS_COLUMNS.map((c) => row[c]));
  };
}

/** Reads a case's events in seq order (the engine's `history`). */
export type HistoryReader = (caseId: string) => Promise<EventRecord[]>;

/** The facts of every case recomputed from its events; with `at`, from the events up to that instant. */
export async function computeFacts(facts: FactsReader, history: HistoryReader, defs: Map<string, FactsDefinition>, at?: string): Promise<CaseFacts[]> {
  const out: CaseFacts[] = [];
  for (const c of await facts.cases(at)) {
    const events = await history(c.id);
    // Every listed case has events, in the database or, once archived and pruned, in its archive (the server's `history`
    // reads it). None means the archive was not read: refuse rather than rebuild the table without the case.
    if (events.length === 0) throw new InvalidArchiveError(`case ${c.id} has no history to compute its statistics from: its events were archived and pruned, and its archive was not read (is DUBAN_ARCHIVE_DIR where the archives are?)`, { caseId: c.id });
    const f = factsOf(defOf(defs, c.workflowId), events, at);
    if (f) out.push(f);
  }
  return out;
}

/**
 * Replaces the whole table with the facts recomputed from the history.
 * Archived cases count too: their histories are read from the archive by the
 * archive-aware `history` (so the table stays rebuildable from the history);
 * a case whose history cannot be read stops the rebuild (`invalid_archive`)
 * before anything is replaced. Returns how many rows it wrote.
 */
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
