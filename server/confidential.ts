/**
 * Confidential fields on the server: what one reader may see of one case.
 * Every channel that shows case data — the case API and view, history,
 * replay, export, web pages — passes it through a {@link CaseRedactor} made
 * for the caller and the case; text search leaves confidential fields out for
 * everyone ({@link searchExcludedFields}).
 *
 * The rule of a field (`engine/core/confidential.ts`) names roles and an org
 * scope; the scope is judged on the case's org ancestry from the org tree.
 */
import {
  confidentialFields,
  isRedacted,
  mayRead,
  redactData,
  redactEvent,
  REDACTED,
  REDACTED_TEXT,
  type CaseRecord,
  type ConfidentialFields,
  type Engine,
  type EventRecord,
  type OrgStep,
  type Reader,
} from '../engine/index.js';
import type { OrgDirectory } from './access.js';

/** What one reader may see of one case. */
export interface CaseRedactor {
  /** The case's confidential fields (empty for most workflows). */
  readonly fields: ConfidentialFields;
  /** True when the reader may read every confidential field (nothing is redacted). */
  readonly seesAll: boolean;
  canRead(field: string): boolean;
  /** Case data with unreadable fields replaced by `{ "redacted": true }` (or `mark`). */
  data(data: Record<string, unknown>, mark?: unknown): Record<string, unknown>;
  /** An event with unreadable values replaced by their commitment marker, without salts (they belong in exports only). */
  event(event: EventRecord): EventRecord;
  /** An event for an export: unreadable values as commitment markers, readable ones with their salts. */
  exportEvent(event: EventRecord): EventRecord;
}

/** The org and its ancestors, the org first (a cycle in a hand-edited tree stops the walk). */
export async function orgPath(orgs: OrgDirectory, orgId: string): Promise<OrgStep[]> {
  const out: OrgStep[] = [];
  const seen = new Set<string>();
  for (let id: string | null = orgId; id !== null && !seen.has(id); ) {
    seen.add(id);
    const o = await orgs.get(id);
    if (!o) break;
    out.push({ id: o.id, level: o.level });
    id = o.parentId;
  }
  return out;
}

/**
 * The redactor of `record` for `reader` (a principal's actor: roles and org).
 * @example
 * const r = await redactorFor(engine, orgs, principal.actor, record);
 * res.json({ ...view, data: r.data(view.data) });
 */
export async function redactorFor(engine: Engine, orgs: OrgDirectory, reader: Reader, record: Pick<CaseRecord, 'workflowId' | 'workflowVersion' | 'org'>): Promise<CaseRedactor> {
  const wf = await engine.registry.get(record.workflowId, record.workflowVersion);
  const fields = confidentialFields(wf.definition);
  const path = fields.size === 0 ? [] : await orgPath(orgs, record.org);
  const readable = new Set([...fields].filter(([, rule]) => mayRead(rule, reader, path)).map(([f]) => f));
  const canRead = (field: string) => !fields.has(field) || readable.has(field);
  const withoutSalts = ({ salts: _s, ...e }: EventRecord): EventRecord => e;
  return {
    fields,
    seesAll: readable.size === fields.size,
    canRead,
    data: (data, mark = REDACTED) => redactData(data, fields, canRead, mark),
    event: (event) => withoutSalts(redactEvent(event, fields, canRead)),
    exportEvent: (event) => redactEvent(event, fields, canRead),
  };
}

/**
 * The data fields `?text=` search never looks into: every confidential field
 * of every registered definition. Search does not match confidential values
 * for anyone, so a hit cannot reveal a value the reader would see redacted.
 */
export async function searchExcludedFields(engine: Engine): Promise<string[]> {
  const out = new Set<string>();
  for (const d of await engine.listDefinitions()) {
    const props = (d.definition as { data?: { properties?: Record<string, { confidential?: unknown }> } }).data?.properties ?? {};
    for (const [name, f] of Object.entries(props)) if (f.confidential) out.add(name);
  }
  return [...out].sort();
}

/** A copy of a JSON value with every redaction marker replaced by 「已隐去」, for pages. Pure. */
export function markersToText(value: unknown): unknown {
  if (isRedacted(value)) return `「${REDACTED_TEXT}」`;
  if (Array.isArray(value)) return value.map(markersToText);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markersToText(v)]));
  return value;
}

/**
 * The addresses an outbox row took from confidential data fields (a tipster's
 * e-mail in `tipsterContact`, say): admin views of the outbox show them as
 * 「已隐去」. Delivery needs them; the people who manage delivery do not.
 */
export function confidentialAddresses(row: { recipients: unknown; confidential: unknown }): string[] {
  const fields = row.confidential !== null && typeof row.confidential === 'object' ? Object.keys(row.confidential) : [];
  if (fields.length === 0 || !Array.isArray(row.recipients)) return [];
  const out: string[] = [];
  for (const r of row.recipients as unknown[]) {
    const field = (r as { field?: unknown }).field;
    const values = (r as { values?: unknown }).values;
    if (typeof field === 'string' && fields.includes(field.replace(/^data\./, '')) && Array.isArray(values)) for (const v of values) if (typeof v === 'string' && v !== '') out.push(v);
  }
  return out;
}

/** A copy of a JSON value with each of `secrets` replaced by 「已隐去」 wherever it occurs in a string. Pure. */
export function scrubValues<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return secrets.reduce((t, sec) => t.split(sec).join(`「${REDACTED_TEXT}」`), v);
    if (Array.isArray(v)) return v.map(scrub);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
    return v;
  };
  return scrub(value) as T;
}
