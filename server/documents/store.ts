/**
 * Where issued documents are kept: the text that went out, its SHA-256, the
 * event that issued it. Append-only (the table refuses UPDATE and DELETE);
 * recording the same (case, kind, event) twice keeps the first — two server
 * processes that both see the issuing event record one document.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** One issued document as kept. */
export interface IssuedDocument {
  caseId: string;
  /** Which document (`order`, `letter`, `circular`, `interview-notice`, `closing-report`). */
  kind: string;
  /** The seq of the event that issued it. */
  seq: number;
  /** The document's title as printed (e.g. 责令限期整改指令书). */
  title: string;
  /** 发文字号, when the document has one. */
  docNo: string | null;
  /** The document's sheet as HTML (the part between the page's tools and its end). */
  body: string;
  /** SHA-256 of `body` (UTF-8), hex, computed when the document was issued. */
  sha256: string;
  /** When the issuing event happened (ISO). */
  issuedAt: string;
  /** When this row was written (ISO). */
  recordedAt: string;
}

/** The documents port. */
export interface DocumentStore {
  /** Records a document unless one is already kept for its (case, kind, seq); returns the kept one. */
  record(doc: IssuedDocument): Promise<IssuedDocument>;
  /** The documents of a case, in issuing order. */
  list(caseId: string): Promise<IssuedDocument[]>;
  /** One document, or undefined. */
  get(caseId: string, kind: string, seq: number): Promise<IssuedDocument | undefined>;
}

/** SHA-256 of a document body, as recorded. */
export function documentHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

interface Row {
  case_id: string;
  kind: string;
  seq: number;
  title: string;
  doc_no: string | null;
  body: string;
  sha256: string;
  issued_at: string;
  recorded_at: string;
}

const fromRow = (r: Row): IssuedDocument => ({
  caseId: r.case_id, kind: r.kind, seq: Number(r.seq), title: r.title, docNo: r.doc_no, body: r.body, sha256: r.sha256, issuedAt: r.issued_at, recordedAt: r.recorded_at,
});

/**
 * The documents store over the `issued_documents` table (migration 017).
 * @example
 * const docs = createKnexDocumentStore(knex);
 * await docs.record({ caseId, kind: 'order', seq: 4, title: '责令限期整改指令书', docNo: '东应急责改〔2026〕3号', body, sha256: documentHash(body), issuedAt, recordedAt });
 */
export function createKnexDocumentStore(knex: Knex): DocumentStore {
  const get = async (caseId: string, kind: string, seq: number) => {
    const row = (await knex('issued_documents').where({ case_id: caseId, kind, seq }).first()) as Row | undefined;
    return row ? fromRow(row) : undefined;
  };
  return {
    async record(doc) {
      await knex('issued_documents')
        .insert({ case_id: doc.caseId, kind: doc.kind, seq: doc.seq, title: doc.title, doc_no: doc.docNo, body: doc.body, sha256: doc.sha256, issued_at: doc.issuedAt, recorded_at: doc.recordedAt })
        .onConflict(['case_id', 'kind', 'seq'])
        .ignore();
      return (await get(doc.caseId, doc.kind, doc.seq))!;
    },
    async list(caseId) {
      const rows = (await knex('issued_documents').where({ case_id: caseId }).orderBy([{ column: 'seq' }, { column: 'kind' }])) as Row[];
      return rows.map(fromRow);
    },
    get,
  };
}
