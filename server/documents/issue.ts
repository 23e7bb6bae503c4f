/**
 * Recording documents when they are issued. After an event commits, the
 * documents it issues are built from the case as that event left it and
 * kept with their hash (`DocumentStore`). The same is done, for anything
 * not yet kept, whenever a case's documents are read — so a process that
 * stopped between the commit and the recording, or an event committed by
 * another process, still gets its document, built from the same recorded
 * state and therefore the same text.
 */
import { workflowsAlong, type Engine, type WorkflowDefinition } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import type { PeopleStore } from '../people-ports.js';
import { caseTitle, namesOf } from '../web/display.js';
import { DOCUMENT_KINDS, type DocumentKind } from './kinds.js';
import { renderSheet } from './layout.js';
import { documentHash, type DocumentStore, type IssuedDocument } from './store.js';

/** What recording documents needs. */
export interface DocumentDeps {
  engine: Engine;
  people: PeopleStore;
  orgs: OrgDirectory;
  documents: DocumentStore;
}

/** A kept document with the result of checking its text against its recorded hash. */
export interface CheckedDocument extends IssuedDocument {
  /** The kind's label (责令限期整改指令书…). */
  label: string;
  /** Whether the kept text still has the hash recorded when it was issued. */
  intact: boolean;
}

/** The kinds of document a workflow issues at all (none: its cases need no document work). */
export function kindsOf(workflowId: string): DocumentKind[] {
  return DOCUMENT_KINDS.filter((k) => k.workflows.includes(workflowId));
}

/**
 * Records every document the case's history has issued and that is not kept
 * yet; returns the case's documents, each checked against its hash.
 */
export async function ensureDocuments(deps: DocumentDeps, caseId: string): Promise<CheckedDocument[]> {
  const record = await deps.engine.findCase(caseId);
  if (!record || kindsOf(record.workflowId).length === 0) return [];
  const kept = await deps.documents.list(caseId);
  const have = new Set(kept.map((d) => `${d.kind}@${d.seq}`));
  const history = await deps.engine.history(caseId);
  // Each event is judged and its document written on the version in force when it ran (a migrated case ran on several).
  const defs = (await workflowsAlong(deps.engine, record, history)).map((w) => w.definition as WorkflowDefinition & { caseTitle?: string });
  const names = namesOf(deps.people, deps.orgs);
  const kinds = kindsOf(record.workflowId);
  for (const [i, event] of history.entries()) {
    const def = defs[i]!;
    for (const kind of kinds) {
      if (have.has(`${kind.kind}@${event.seq}`) || !kind.issuedBy(def, event)) continue;
      const doc = await kind.build({
        workflowId: record.workflowId, org: record.org, def, defs: defs.slice(0, i + 1), event, history: history.slice(0, i + 1), names,
        caseTitle: await caseTitle(def, event.state.data as Record<string, unknown>, names), ancestry: (orgId) => deps.orgs.ancestry(orgId),
      });
      const body = renderSheet(doc);
      kept.push(await deps.documents.record({
        caseId, kind: kind.kind, seq: event.seq, title: doc.title, docNo: doc.docNo || null, body, sha256: documentHash(body),
        issuedAt: event.at, recordedAt: deps.engine.clock.now().toISOString(),
      }));
      have.add(`${kind.kind}@${event.seq}`);
    }
  }
  kept.sort((a, b) => a.seq - b.seq);
  return kept.map((d) => ({ ...d, label: DOCUMENT_KINDS.find((k) => k.kind === d.kind)?.label ?? d.title, intact: documentHash(d.body) === d.sha256 }));
}

/**
 * Records documents as their events commit (in this process). Failures are
 * logged, never thrown: the commit stands, and the next read records them.
 * @returns a function that stops listening
 */
export function recordDocumentsOnCommit(deps: DocumentDeps, onError: (err: unknown) => void): () => void {
  return deps.engine.onCommit(({ event }) => {
    if (event.state.status !== 'done' && !DOCUMENT_KINDS.some((k) => k.events?.includes(event.type))) return;
    ensureDocuments(deps, event.caseId).catch(onError);
  });
}
