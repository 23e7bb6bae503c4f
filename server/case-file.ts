/**
 * The case file (`GET /cases/:id/export`): everything needed to check a case
 * offline — its events with their hashes and the state after each, the
 * pinned definition version, every earlier version a migration moved the
 * case from (`priorDefinitions`: the events before each `case.migrated` ran
 * on the version it left) and the custom calendar versions its steps used.
 * `verifyCaseFile` recomputes the hash chain and replays the events through
 * the definition inside the file, on a throwaway in-memory engine, with the
 * same code `audit verify` runs on the database.
 *
 * Confidential values: the file is built for its reader. A value the reader
 * may not read is replaced by `{ "redacted": true, "commitment": … }`, the
 * very form the event's hash covers, so the chain still verifies; a value
 * the reader may read comes with its salt (`salts`), from which the verifier
 * recomputes the commitment. A redacted file cannot be replayed (the values
 * are missing): its check is the definition hash and the hash chain.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { attachmentRefs, type AttachmentStore } from './attachments.js';
import type { CaseRedactor } from './confidential.js';
import {
  builtinCalendars,
  CASE_MIGRATED,
  canonicalJson,
  confidentialFields,
  confidentialPaths,
  isRedacted,
  valueAtPath,
  type ObjectSchema,
  createEngine,
  createKnexStore,
  GENESIS_HASH,
  hashEvent,
  type CaseRecord,
  type Engine,
  type EventRecord,
  type VerifyFailure,
} from '../engine/index.js';

export const CASE_FILE_FORMAT = 'duban-case-file';

const EventRecordSchema = z.object({
  caseId: z.string(),
  seq: z.number().int(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  actor: z.object({ id: z.string(), roles: z.array(z.string()), org: z.string().optional(), name: z.string().optional() }).strict(),
  at: z.string(),
  idempotencyKey: z.string().nullable(),
  state: z.record(z.string(), z.unknown()),
  // Every field the hash covers is kept: hand-overs a spawn resolved, the form deadlines were started in.
  env: z.object({ calendars: z.record(z.string(), z.number().int()), handOvers: z.record(z.string(), z.string()).optional(), deadlineForm: z.literal('compact').optional() }),
  prevHash: z.string(),
  hash: z.string(),
  /** Salt of each confidential value present in clear (dotted path → hex); not covered by the hash. */
  salts: z.record(z.string(), z.string().regex(/^[0-9a-f]{1,128}$/)).optional(),
});

const DefinitionEntrySchema = z.object({ workflowId: z.string(), version: z.number().int(), hash: z.string(), definition: z.record(z.string(), z.unknown()) });

export const CaseFileSchema = z
  .object({
    format: z.literal(CASE_FILE_FORMAT),
    formatVersion: z.literal(1),
    exportedAt: z.string(),
    case: z.object({
      id: z.string(),
      workflowId: z.string(),
      workflowVersion: z.number().int(),
      org: z.string(),
      status: z.enum(['active', 'done']),
      version: z.number().int(),
      lastHash: z.string(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
    definition: DefinitionEntrySchema,
    /** The earlier versions the case ran on before its migrations (`case.migrated`), oldest first; absent when it was never migrated. */
    priorDefinitions: z.array(DefinitionEntrySchema).optional(),
    /** Calendar versions the events used that do not ship with the code. */
    calendars: z.array(z.record(z.string(), z.unknown())),
    events: z.array(EventRecordSchema).min(1),
    /**
     * The evidence files the events refer to (`att:<sha256>?…` references), their bytes in base64.
     * When present, every referenced file must be here and hash to its reference.
     */
    attachments: z.array(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), name: z.string(), type: z.string(), size: z.number().int().nonnegative(), base64: z.string() })).optional(),
  })
  .meta({ id: 'CaseFile' });
export type CaseFile = z.infer<typeof CaseFileSchema>;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Builds the case file of a case, as `reader` may see it (everything, salts included, when omitted),
 * with the bytes of the evidence files its events refer to when `attachments` is given. Reads only.
 */
export async function buildCaseFile(engine: Engine, caseId: string, reader?: CaseRedactor, attachments?: AttachmentStore): Promise<CaseFile> {
  const events = (await engine.history(caseId)).map((e) => (reader ? reader.exportEvent(e) : e));
  const record = (await engine.findCase(caseId))!;
  const stored = await engine.getDefinition(record.workflowId, record.workflowVersion);
  const priorDefinitions: CaseFile['definition'][] = [];
  for (const version of migratedFrom(events)) {
    const prior = await engine.getDefinition(record.workflowId, version);
    priorDefinitions.push({ workflowId: record.workflowId, version, hash: prior?.hash ?? '', definition: (prior?.definition ?? {}) as Record<string, unknown> });
  }
  const used = new Map<string, number>();
  for (const e of events) for (const [id, version] of Object.entries(e.env?.calendars ?? {})) used.set(`${id}@${version}`, version);
  const builtin = new Set(builtinCalendars.map((c) => `${c.id}@${c.version}`));
  const calendars: Record<string, unknown>[] = [];
  for (const key of [...used.keys()].sort()) {
    if (builtin.has(key)) continue;
    const [id, version] = [key.slice(0, key.lastIndexOf('@')), used.get(key)!];
    calendars.push({ ...(await engine.calendars.get(id, version)).definition });
  }
  return {
    format: CASE_FILE_FORMAT,
    formatVersion: 1,
    exportedAt: engine.clock.now().toISOString(),
    case: {
      id: record.id, workflowId: record.workflowId, workflowVersion: record.workflowVersion, org: record.org, status: record.status,
      version: record.version, lastHash: record.lastHash, createdAt: record.createdAt, updatedAt: record.updatedAt,
    },
    definition: { workflowId: record.workflowId, version: record.workflowVersion, hash: stored?.hash ?? '', definition: (stored?.definition ?? {}) as Record<string, unknown> },
    ...(priorDefinitions.length ? { priorDefinitions } : {}),
    calendars,
    events: events as CaseFile['events'],
    ...(attachments ? { attachments: await attachmentsOf(attachments, events) } : {}),
  };
}

/** The versions the case's migrations left, in the order they ran (each once). */
function migratedFrom(events: readonly { type: string; payload: unknown }[]): number[] {
  const versions: number[] = [];
  for (const e of events) {
    if (e.type !== CASE_MIGRATED) continue;
    const v = (e.payload as { fromVersion?: unknown }).fromVersion;
    if (typeof v === 'number' && !versions.includes(v)) versions.push(v);
  }
  return versions;
}

/**
 * The definitions of the file checked against their hashes and against the case: the current one is the
 * version the case is pinned to, and every version a recorded migration left is carried (`priorDefinitions`).
 */
function checkDefinitions(file: CaseFile): VerifyFailure | undefined {
  const caseId = file.case.id;
  const { workflowId } = file.case;
  for (const d of [file.definition, ...(file.priorDefinitions ?? [])]) {
    if (sha256(canonicalJson(d.definition)) !== d.hash) return { caseId, seq: 0, reason: `the definition ${d.workflowId}@${d.version} does not match its hash` };
    if (d.workflowId !== workflowId) return { caseId, seq: 0, reason: `the definition ${d.workflowId}@${d.version} is not a version of ${workflowId}` };
  }
  if (file.definition.version !== file.case.workflowVersion) return { caseId, seq: 0, reason: 'the definition is not the version the case is pinned to' };
  const carried = new Set((file.priorDefinitions ?? []).map((d) => d.version));
  for (const e of file.events) {
    if (e.type !== CASE_MIGRATED) continue;
    const v = (e.payload as { fromVersion?: unknown }).fromVersion;
    if (typeof v !== 'number' || !carried.has(v)) return { caseId, seq: e.seq, reason: `the file does not carry ${workflowId}@${String(v)}, the version the events before this migration ran on` };
  }
  return undefined;
}

/** The distinct files the events refer to, with their bytes (a file missing from the store is left out: the file then fails verification). */
async function attachmentsOf(store: AttachmentStore, events: readonly { payload: unknown }[]): Promise<NonNullable<CaseFile['attachments']>> {
  const out = new Map<string, NonNullable<CaseFile['attachments']>[number]>();
  for (const ref of events.flatMap((e) => attachmentRefs(e.payload))) {
    if (out.has(ref.sha256)) continue;
    const bytes = await store.get(ref.sha256);
    if (bytes) out.set(ref.sha256, { ...ref, base64: bytes.toString('base64') });
  }
  return [...out.values()];
}

/** When the file carries attachments: each referenced file is there and its bytes hash to the reference (and have its size). */
function checkAttachments(file: CaseFile): VerifyFailure | undefined {
  if (!file.attachments) return undefined;
  const byHash = new Map(file.attachments.map((a) => [a.sha256, a]));
  for (const e of file.events) {
    for (const ref of attachmentRefs(e.payload)) {
      const a = byHash.get(ref.sha256);
      if (!a) return { caseId: file.case.id, seq: e.seq, reason: `attachment ${ref.name} (${ref.sha256.slice(0, 12)}…) is missing from the file` };
      const bytes = Buffer.from(a.base64, 'base64');
      if (createHash('sha256').update(bytes).digest('hex') !== ref.sha256 || bytes.length !== ref.size) {
        return { caseId: file.case.id, seq: e.seq, reason: `attachment ${ref.name} does not match its hash (the file was altered)` };
      }
    }
  }
  return undefined;
}

/** What an offline check found. */
export interface CaseFileReport {
  ok: boolean;
  caseId: string;
  events: number;
  /** The first problem, with the seq it concerns (0: the file as a whole). */
  failure?: VerifyFailure | undefined;
  /** Present when the file is redacted: how many confidential values it carries only as commitments (it was not replayed). */
  redactedValues?: number | undefined;
}

/**
 * Checks a case file offline: its shape, the definition's hash, the hash
 * chain, then a replay of every event through the definition in the file.
 */
export async function verifyCaseFile(input: unknown): Promise<CaseFileReport> {
  const parsed = CaseFileSchema.safeParse(input);
  if (!parsed.success) return { ok: false, caseId: '?', events: 0, failure: { caseId: '?', seq: 0, reason: `not a case file: ${z.prettifyError(parsed.error)}` } };
  const file = parsed.data;
  const caseId = file.case.id;
  const fail = (seq: number, reason: string): CaseFileReport => ({ ok: false, caseId, events: file.events.length, failure: { caseId, seq, reason } });

  const badDefinition = checkDefinitions(file);
  if (badDefinition) return fail(badDefinition.seq, badDefinition.reason);
  let prevHash = GENESIS_HASH;
  for (const [i, event] of file.events.entries()) {
    if (event.seq !== i + 1) return fail(i + 1, `seq ${i + 1} is missing (found ${event.seq})`);
    if (event.caseId !== caseId) return fail(event.seq, `event belongs to case ${event.caseId}`);
    if (event.prevHash !== prevHash) return fail(event.seq, 'prev_hash does not match the hash of the previous event');
    if (hashEvent(event as unknown as EventRecord) !== event.hash) return fail(event.seq, 'hash does not match the event content (the event was altered)');
    prevHash = event.hash;
  }
  if (file.case.lastHash !== prevHash || file.case.version !== file.events.length) return fail(file.events.length, 'the case summary does not match its last event');
  const badFile = checkAttachments(file);
  if (badFile) return fail(badFile.seq, badFile.reason);
  const redacted = redactedValues(file);
  // The chain holds for what the reader sees; a replay needs the values the commitments stand for.
  if (redacted > 0) return { ok: true, caseId, events: file.events.length, redactedValues: redacted };

  // Replay: load the file into a private in-memory database and run the engine's own verification.
  const loaded = await loadCaseFile(file);
  try {
    if (loaded.ref !== `${file.case.workflowId}@${file.case.workflowVersion}`) return fail(0, `the definition in the file is ${loaded.ref}`);
    const report = await loaded.engine.verify(caseId);
    return report.ok ? { ok: true, caseId, events: file.events.length } : { ok: false, caseId, events: file.events.length, failure: report.failures[0] };
  } finally {
    await loaded.close();
  }
}

/**
 * Loads a (verified, unredacted) case file into a private in-memory engine: its definition, calendars
 * and events, so the engine's own verify and replay run on it. The caller closes it.
 */
export async function loadCaseFile(file: CaseFile): Promise<{ engine: Engine; ref: string; close: () => Promise<void> }> {
  const caseId = file.case.id;
  const store = createKnexStore({ sqliteFile: ':memory:' });
  try {
    await store.migrate();
    const engine = await createEngine({ store });
    // Earlier versions first: replay runs the events before each migration through the version it left.
    for (const prior of file.priorDefinitions ?? []) await engine.registerWorkflow(prior.definition);
    const { ref } = await engine.registerWorkflow(file.definition.definition);
    for (const cal of file.calendars) await engine.calendars.add(cal);
    await store.transaction(async (tx) => {
      for (const event of file.events as unknown as EventRecord[]) {
        const last = event.state as unknown as CaseRecord['state'];
        const record: CaseRecord = {
          id: caseId, workflowId: file.case.workflowId, workflowVersion: file.case.workflowVersion, org: file.case.org, status: last.status,
          state: last, version: event.seq, lastHash: event.hash, createdAt: file.case.createdAt, updatedAt: event.at, creationKey: null,
        };
        await tx.commit({ record, expectedVersion: event.seq === 1 ? null : event.seq - 1, event, effects: [] });
      }
    });
    return { engine, ref, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** How many confidential values of the file are present only as commitment markers. */
function redactedValues(file: CaseFile): number {
  // A field confidential in any version the case ran on counts.
  const properties: ObjectSchema['properties'] = {};
  for (const d of [...(file.priorDefinitions ?? []), file.definition]) Object.assign(properties, (d.definition as { data?: Partial<ObjectSchema> }).data?.properties ?? {});
  const fields = confidentialFields({ data: { properties } });
  let n = 0;
  for (const e of file.events) {
    const event = { type: e.type, payload: e.payload, state: { data: ((e.state as { data?: unknown }).data ?? {}) as Record<string, unknown> } };
    for (const path of confidentialPaths(event, fields)) if (isRedacted(valueAtPath(event, path))) n++;
  }
  return n;
}
