/**
 * Confidential data fields: who may read them, where their values sit in an
 * event, and how a reader without the right sees them. Pure: the salted
 * commitments that keep the hash chain verifiable are computed by the
 * runtime (`engine/runtime/hash.ts`), which owns sha256 and the salts.
 *
 * A top-level field of a definition's `data` schema declares
 * `confidential: { roles, org }` (or the short form `confidential: [roles]`,
 * meaning `org: "jurisdiction"`). Its value is then confidential wherever it
 * is recorded: `state.data.<field>` of every event, `payload.data.<field>` of
 * `case.created`, and `payload.<field>` of any other event (an input field
 * named like the data field it fills).
 */
import { z } from 'zod';

/** The levels of the org tree, top down (the same list as the people port's). */
export const ORG_LEVEL_NAMES = ['province', 'city', 'county', 'township', 'grid', 'enterprise'] as const;

/**
 * Where a reader's org must sit, relative to the case's org:
 * - `sameOrg`: the case's own org;
 * - `jurisdiction` (default): the case's org or one above it (the case is in the reader's subtree);
 * - `{ levels }`: as `jurisdiction`, and the reader's org is at one of these levels.
 */
export const ConfidentialScopeSchema = z.union([z.literal('sameOrg'), z.literal('jurisdiction'), z.object({ levels: z.array(z.enum(ORG_LEVEL_NAMES)).min(1) }).strict()]);
export type ConfidentialScope = z.infer<typeof ConfidentialScopeSchema>;

const ROLE = z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'a role id is camelCase, e.g. "inspector"');

/** A field's readers: roles (any of them) within an org scope. The short form is a list of roles in their jurisdiction. */
export const ConfidentialSchema = z.union([
  z.array(ROLE).min(1),
  z.object({ roles: z.array(ROLE).min(1), org: ConfidentialScopeSchema.optional() }).strict(),
]).describe('Readers of a confidential top-level data field: { roles, org: "jurisdiction" (default) | "sameOrg" | { levels } } or a list of roles; everyone else sees it redacted');
export type ConfidentialDeclaration = z.infer<typeof ConfidentialSchema>;

/** A declaration in its normal form. */
export interface ConfidentialRule {
  roles: readonly string[];
  org: ConfidentialScope;
}

/** The normal form of a declaration. */
export function normaliseConfidential(decl: ConfidentialDeclaration): ConfidentialRule {
  return Array.isArray(decl) ? { roles: decl, org: 'jurisdiction' } : { roles: decl.roles, org: decl.org ?? 'jurisdiction' };
}

/** The confidential fields of a definition: top-level data field → rule. */
export type ConfidentialFields = ReadonlyMap<string, ConfidentialRule>;

const rulesCache = new WeakMap<object, ConfidentialFields>();
const NONE: ConfidentialFields = new Map();

/** The confidential fields of a definition's data schema (memoised per schema object). */
export function confidentialFields(def: { data: { properties: Record<string, { confidential?: ConfidentialDeclaration | undefined }> } }): ConfidentialFields {
  const cached = rulesCache.get(def.data);
  if (cached) return cached;
  const out = new Map<string, ConfidentialRule>();
  for (const [name, f] of Object.entries(def.data.properties)) if (f.confidential) out.set(name, normaliseConfidential(f.confidential));
  const result = out.size === 0 ? NONE : out;
  rulesCache.set(def.data, result);
  return result;
}

/** Who reads: roles and org (a person), or nothing (anonymous). */
export interface Reader {
  roles: readonly string[];
  org?: string | undefined;
}

/** One org on the way from a case's org up to the root: the case's org first. */
export interface OrgStep {
  id: string;
  level: string;
}

/** Whether `reader` may read a field under `rule`, for a case whose org ancestry is `caseOrgPath` (the case's org first). Pure. */
export function mayRead(rule: ConfidentialRule, reader: Reader, caseOrgPath: readonly OrgStep[]): boolean {
  if (!rule.roles.some((r) => reader.roles.includes(r))) return false;
  if (reader.org === undefined) return false;
  const scope = rule.org;
  if (scope === 'sameOrg') return caseOrgPath[0]?.id === reader.org;
  const step = caseOrgPath.find((o) => o.id === reader.org);
  if (!step) return false;
  return scope === 'jurisdiction' || scope.levels.some((l) => l === step.level);
}

/** What a reader without the right sees instead of a value, in JSON. Pages show 「已隐去」. */
export interface RedactedValue {
  redacted: true;
  /** sha256(salt ‖ canonical JSON of the value), hex: present in histories and exports, where the hash chain commits to it. */
  commitment?: string;
}

/** The JSON marker of a value the reader may not see (case views, search results). */
export const REDACTED: RedactedValue = Object.freeze({ redacted: true }) as RedactedValue;

/** The text pages and notifications show for a value the reader may not see. */
export const REDACTED_TEXT = '已隐去';

/** Whether a value is a redaction marker. */
export function isRedacted(value: unknown): value is RedactedValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  return v.redacted === true && keys.every((k) => k === 'redacted' || (k === 'commitment' && typeof v.commitment === 'string'));
}

/** The recorded parts of an event confidential values can sit in. */
export interface EventContent {
  type: string;
  payload: Record<string, unknown>;
  state: { data: Record<string, unknown> };
}

/** The type of every case's first event (the runtime's `CASE_CREATED`). */
const CREATED = 'case.created';

/**
 * The dotted paths (`state.data.tipsterName`, `payload.data.tipsterName`,
 * `payload.tipsterName`) of the confidential values present in an event,
 * sorted. A value is present when its key is there (even `null`). Pure.
 */
export function confidentialPaths(event: EventContent, fields: ConfidentialFields): string[] {
  if (fields.size === 0) return [];
  const out: string[] = [];
  const has = (o: unknown, k: string) => o !== null && typeof o === 'object' && !Array.isArray(o) && Object.hasOwn(o, k) && (o as Record<string, unknown>)[k] !== undefined;
  const payloadData = event.type === CREATED ? event.payload.data : event.payload;
  const payloadPrefix = event.type === CREATED ? 'payload.data.' : 'payload.';
  for (const field of fields.keys()) {
    if (has(event.state.data, field)) out.push(`state.data.${field}`);
    if (has(payloadData, field)) out.push(`${payloadPrefix}${field}`);
  }
  return out.sort();
}

/** The data field a confidential path names (its last segment). */
export function fieldOfPath(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/** Reads the value at a dotted path of an object (undefined when absent). */
export function valueAtPath(root: unknown, path: string): unknown {
  let cur = root;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** A copy of `root` with the value at `path` replaced; objects along the path are copied, the rest shared. Pure. */
export function withValueAtPath<T>(root: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  if (head === undefined || root === null || typeof root !== 'object' || !Object.hasOwn(root, head)) return root;
  const obj = root as Record<string, unknown>;
  return { ...obj, [head]: rest.length === 0 ? value : withValueAtPath(obj[head], rest.join('.'), value) } as T;
}

/** A copy of case data with each confidential field the reader may not see replaced by `mark`. Pure. */
export function redactData(data: Record<string, unknown>, fields: ConfidentialFields, canRead: (field: string) => boolean, mark: unknown = REDACTED): Record<string, unknown> {
  if (fields.size === 0) return data;
  let out = data;
  for (const field of fields.keys()) {
    if (!Object.hasOwn(data, field) || data[field] === undefined || canRead(field)) continue;
    if (out === data) out = { ...data };
    out[field] = mark;
  }
  return out;
}
