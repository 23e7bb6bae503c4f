/**
 * `duban archive`: moves closed cases out of the runtime database into an
 * archive with proof, as a resumable state machine.
 *
 * A run goes planned → written → recorded → pruned, and each case planned →
 * written → pruned; every step is recorded in the database (migration 021)
 * before the next starts, so a run killed at any point is finished by the
 * next `duban archive` (which first resumes every unfinished run):
 *
 * 1. planned: the run and its cases (their heads) are recorded in one transaction.
 * 2. each case's file is written (temporary name, fsync, rename) and its sha256 recorded;
 *    then the manifest, and the run is `written` with the manifest's hash and the Merkle root.
 * 3. recorded: when anchoring is configured, a signed checkpoint line carrying the archive's hash
 *    and root is appended to the anchor log (once: a line already there is reused); the run is `recorded`.
 * 4. each case's runtime rows are deleted in one transaction with its `pruned` mark (the
 *    database refuses to delete events of a case whose archive is not recorded); then the run is `pruned`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ArchiveConflictError,
  InvalidArchiveError,
  merkleRoot,
  readAnchorLog,
  type AnchorStore,
  type ArchiveReader,
  type ArchiveRecord,
  type ArchiveRunStore,
  type ClosedCase,
  type Engine,
} from '../../engine/index.js';
import { anchorNow, type AnchorSetup } from '../anchoring.js';
import { attachmentRefs } from '../attachments.js';
import { buildCaseFile, CaseFileSchema } from '../case-file.js';
import { ARCHIVE_FORMAT, archiveBytes, caseFilePath, MANIFEST_FILE, readCaseBytes, readManifest, sha256Hex, writeDurably, type ArchiveEntry, type ArchiveManifest } from './archive-format.js';

/** Cases read per query when selecting. */
const SELECT_BATCH = 1000;

/** A point between two steps, where tests inject a failure (a kill half-way). */
export type ArchiveStep = 'planned' | 'case-written' | 'written' | 'recorded' | 'case-pruned' | 'pruned';

export interface ArchiveDeps {
  engine: Pick<Engine, 'history' | 'findCase' | 'getDefinition' | 'calendars' | 'clock'>;
  runs: ArchiveRunStore;
  reader: ArchiveReader;
  anchors: AnchorStore;
  /** The anchor setup when anchoring is configured (`DUBAN_ANCHOR_KEY`): the archive is then recorded in the log too. */
  anchor?: AnchorSetup | undefined;
}

export interface ArchiveOptions {
  /** ISO instant: closed (done) cases last changed before it are archived. */
  closedBefore: string;
  /** The directory archives are written under (each run in its own sub-directory). */
  outDir: string;
  /** Who runs it, recorded with the run. */
  createdBy: string;
  /** Called as cases are written and pruned. */
  onProgress?: (phase: 'writing' | 'pruning', done: number, total: number) => void;
  /** Called after each step is recorded; a throw stops the run there (tests simulate a kill). */
  afterStep?: (step: ArchiveStep, detail: { archiveId: string; caseId?: string }) => void | Promise<void>;
}

/** What one run did. */
export interface ArchiveSummary {
  archive: ArchiveRecord;
  /** Whether this call finished a run an earlier call left half-way. */
  resumed: boolean;
}

/**
 * Finishes every unfinished run, then archives the closed cases not yet
 * archived (none: no new run). Returns one summary per run it touched.
 *
 * @example
 * const done = await archiveClosedCases(deps, { closedBefore: '2026-01-01T00:00:00+08:00', outDir: './archives', createdBy: 'operator' });
 */
export async function archiveClosedCases(deps: ArchiveDeps, opts: ArchiveOptions): Promise<ArchiveSummary[]> {
  const out: ArchiveSummary[] = [];
  for (const run of await deps.runs.unfinished()) out.push({ archive: await finishArchive(deps, run, opts), resumed: true });
  const heads: ClosedCase[] = [];
  for (let after: string | undefined; ; ) {
    const page = await deps.runs.listClosed(opts.closedBefore, after, SELECT_BATCH);
    heads.push(...page);
    if (page.length < SELECT_BATCH) break;
    after = page[page.length - 1]!.caseId;
  }
  if (heads.length === 0) return out;
  const now = deps.engine.clock.now();
  const id = `arc-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  await deps.runs.plan({ id, createdAt: now.toISOString(), createdBy: opts.createdBy, closedBefore: opts.closedBefore, dir: path.resolve(opts.outDir, id) }, heads);
  await opts.afterStep?.('planned', { archiveId: id });
  const planned = (await deps.reader.getArchive(id))!;
  out.push({ archive: await finishArchive(deps, planned, opts), resumed: false });
  return out;
}

/** Takes one run from the state it is in to `pruned`. */
async function finishArchive(deps: ArchiveDeps, start: ArchiveRecord, opts: ArchiveOptions): Promise<ArchiveRecord> {
  let run = start;
  const reload = async () => (run = (await deps.reader.getArchive(run.id))!);
  if (run.state === 'planned') {
    await writeArchive(deps, run, opts);
    await opts.afterStep?.('written', { archiveId: run.id });
    await reload();
  }
  if (run.state === 'written') {
    await recordArchive(deps, run);
    await opts.afterStep?.('recorded', { archiveId: run.id });
    await reload();
  }
  if (run.state === 'recorded') {
    const cases = await deps.reader.casesOf(run.id);
    let done = 0;
    for (const c of cases) {
      if (c.state !== 'pruned') {
        await deps.runs.prune(c.caseId);
        await opts.afterStep?.('case-pruned', { archiveId: run.id, caseId: c.caseId });
      }
      opts.onProgress?.('pruning', ++done, cases.length);
    }
    await deps.runs.advance(run.id, 'pruned', { at: deps.engine.clock.now().toISOString() });
    await opts.afterStep?.('pruned', { archiveId: run.id });
    await reload();
  }
  return run;
}

/** Step 2: every case file (those written before are checked and kept), then the manifest. */
async function writeArchive(deps: ArchiveDeps, run: ArchiveRecord, opts: ArchiveOptions): Promise<void> {
  const cases = await deps.reader.casesOf(run.id);
  const entries: ArchiveEntry[] = [];
  let done = 0;
  for (const c of cases) {
    const file = caseFilePath(c.caseId);
    let bytes = c.state === 'written' ? await readCaseBytes(run.dir, { file }) : undefined;
    // A file from before a kill counts only if it is the one recorded; otherwise it is made again (the rows are all still there).
    if (!bytes || sha256Hex(bytes) !== c.fileSha256) {
      const caseFile = await buildCaseFile(deps.engine as Engine, c.caseId);
      if (caseFile.case.version !== c.seq || caseFile.case.lastHash !== c.hash) {
        throw new ArchiveConflictError(`case ${c.caseId} changed after it was planned for archive ${run.id} (seq ${c.seq}, now ${caseFile.case.version})`, { caseId: c.caseId });
      }
      bytes = archiveBytes(caseFile);
      await writeDurably(path.join(run.dir, file), bytes);
      await deps.runs.caseWritten(c.caseId, sha256Hex(bytes));
      await opts.afterStep?.('case-written', { archiveId: run.id, caseId: c.caseId });
    }
    const parsed = CaseFileSchema.parse(JSON.parse(bytes.toString('utf8')));
    entries.push({
      caseId: c.caseId, org: parsed.case.org, workflowId: parsed.case.workflowId, workflowVersion: parsed.case.workflowVersion, seq: c.seq, lastHash: c.hash,
      file, sha256: sha256Hex(bytes), attachments: [...new Set(parsed.events.flatMap((e) => attachmentRefs(e.payload)).map((r) => r.sha256))].sort(),
    });
    opts.onProgress?.('writing', ++done, cases.length);
  }
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT, formatVersion: 1, id: run.id, createdAt: run.createdAt, closedBefore: run.closedBefore,
    cases: entries, merkleRoot: merkleRoot(entries.map((e) => ({ caseId: e.caseId, seq: e.seq, hash: e.lastHash }))),
  };
  const bytes = archiveBytes(manifest);
  await writeDurably(path.join(run.dir, MANIFEST_FILE), bytes);
  await deps.runs.advance(run.id, 'written', { at: deps.engine.clock.now().toISOString(), archiveHash: sha256Hex(bytes), merkleRoot: manifest.merkleRoot });
}

/** Step 3: the manifest on disk is the one recorded; the anchor log gets a line carrying it (unless one already does). */
async function recordArchive(deps: ArchiveDeps, run: ArchiveRecord): Promise<void> {
  const { manifest, hash } = await readManifest(run.dir);
  if (hash !== run.archiveHash) throw new InvalidArchiveError(`${path.join(run.dir, MANIFEST_FILE)} is not the manifest recorded for archive ${run.id} (it was changed after it was written)`, { archiveId: run.id });
  let checkpoint: number | null = null;
  if (deps.anchor) {
    checkpoint = (await anchoredIn(deps.anchor.logPath, run.id)) ?? null;
    if (checkpoint === null) {
      const r = await anchorNow({ anchors: deps.anchors, clock: deps.engine.clock }, deps.anchor, { archives: [[run.id, hash, manifest.merkleRoot, manifest.cases.length]] });
      if (!r.made) throw new ArchiveConflictError(`another process is writing the anchor log ${deps.anchor.logPath}; run duban archive again to record archive ${run.id}`, { archiveId: run.id });
      checkpoint = r.line.seq;
    }
  }
  await deps.runs.advance(run.id, 'recorded', { at: deps.engine.clock.now().toISOString(), anchorCheckpoint: checkpoint });
}

/** The checkpoint of the anchor log that records an archive, if one does (a run killed after appending its line). */
export async function anchoredIn(logPath: string, archiveId: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(logPath, 'utf8');
  } catch {
    return undefined;
  }
  let found: number | undefined;
  readAnchorLog(text, { acceptKeyChange: true, onArchive: (id, _hash, _root, checkpoint) => void (id === archiveId && (found ??= checkpoint)) });
  return found;
}
