/**
 * `duban audit verify-archive <dir>`: checks an archive on its own and
 * against what the database and the anchor log recorded of it.
 *
 * On its own: the manifest parses, its Merkle root recomputes from its
 * cases' heads, and each case file is there, hashes to the sha256 the
 * manifest lists, ends at the head the manifest lists, and verifies as a
 * case file (definition hash, hash chain, replay through the definition
 * inside the file). Against the database: the manifest's sha256 and root are
 * the ones recorded for the archive, and every case's head and file hash are
 * the ones recorded for it. Against an anchor log: a signed checkpoint
 * records the archive with the same hash and root.
 */
import { readAnchorLog, type AnchorPublicKey, type ArchiveReader, type ArchiveRecord, merkleRoot } from '../../engine/index.js';
import { verifyCaseFile } from '../case-file.js';
import { readCaseBytes, readManifest, sha256Hex, type ArchiveManifest } from './archive-format.js';

/** One problem, naming the case it concerns (null: the archive as a whole). */
export interface ArchiveFailure {
  caseId: string | null;
  /** The seq a case failure concerns (0: the case file as a whole). */
  seq?: number;
  reason: string;
}

export interface ArchiveVerifyReport {
  ok: boolean;
  archiveId: string | null;
  /** sha256 of the manifest as read. */
  archiveHash: string | null;
  cases: number;
  events: number;
  failures: ArchiveFailure[];
  /** The database's record of the archive, when one was asked. */
  recorded?: ArchiveRecord | undefined;
  /** The checkpoint of the anchor log that records the archive, when a log was given and has one. */
  anchorCheckpoint?: number | undefined;
}

export interface VerifyArchiveOptions {
  /** Check the archive against what this database recorded. */
  reader?: ArchiveReader | undefined;
  /** Check it against an anchor log's text (signatures under `keys`, else the key the log carries). */
  anchorLog?: { text: string; keys?: readonly AnchorPublicKey[] | undefined } | undefined;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Verifies an archive directory. Reads only; never throws for bad content (a
 * failure names the case, or null for the archive as a whole).
 *
 * @example
 * const r = await verifyArchive('./archives/arc-20270101T000000Z-1a2b3c', { reader });
 * if (!r.ok) console.log(r.failures[0]);
 */
export async function verifyArchive(dir: string, opts: VerifyArchiveOptions = {}): Promise<ArchiveVerifyReport> {
  const report: ArchiveVerifyReport = { ok: true, archiveId: null, archiveHash: null, cases: 0, events: 0, failures: [] };
  const fail = (caseId: string | null, reason: string, seq?: number) => {
    report.ok = false;
    report.failures.push({ caseId, reason, ...(seq === undefined ? {} : { seq }) });
  };
  let manifest: ArchiveManifest;
  try {
    const read = await readManifest(dir);
    manifest = read.manifest;
    report.archiveHash = read.hash;
  } catch (err) {
    fail(null, (err as Error).message);
    return report;
  }
  report.archiveId = manifest.id;
  report.cases = manifest.cases.length;
  const heads = manifest.cases.map((e) => ({ caseId: e.caseId, seq: e.seq, hash: e.lastHash }));
  let root: string | undefined;
  try {
    root = merkleRoot(heads);
  } catch (err) {
    fail(null, `the manifest lists a case twice: ${(err as Error).message}`);
  }
  if (root !== undefined && root !== manifest.merkleRoot) fail(null, 'the Merkle root in the manifest does not match its cases (the manifest was altered)');

  for (const [i, entry] of manifest.cases.entries()) {
    const bytes = await readCaseBytes(dir, entry);
    if (!bytes) fail(entry.caseId, `its file ${entry.file} is missing from the archive`);
    else if (sha256Hex(bytes) !== entry.sha256) fail(entry.caseId, `its file ${entry.file} does not match the hash the manifest lists (the file was altered)`);
    else {
      let json: unknown;
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch {
        json = undefined;
      }
      const r = await verifyCaseFile(json);
      report.events += r.events;
      const file = json as { case?: { id?: unknown; version?: unknown; lastHash?: unknown } } | undefined;
      if (!r.ok) fail(entry.caseId, r.failure?.reason ?? 'the case file does not verify', r.failure?.seq);
      else if (file?.case?.id !== entry.caseId || file.case.version !== entry.seq || file.case.lastHash !== entry.lastHash) fail(entry.caseId, 'its case file ends at another head than the manifest lists');
    }
    opts.onProgress?.(i + 1, manifest.cases.length);
  }

  if (opts.reader) await checkRecorded(opts.reader, manifest, report, fail);
  if (opts.anchorLog) checkAnchored(opts.anchorLog, manifest, report, fail);
  return report;
}

/** The database recorded this archive with the same hash and root, and the same cases at the same heads. */
async function checkRecorded(reader: ArchiveReader, manifest: ArchiveManifest, report: ArchiveVerifyReport, fail: (caseId: string | null, reason: string) => void): Promise<void> {
  const recorded = await reader.getArchive(manifest.id);
  report.recorded = recorded;
  if (!recorded) return fail(null, `the database has no record of archive ${manifest.id}`);
  if (recorded.archiveHash === null) return fail(null, `archive ${manifest.id} is not finished being written (state ${recorded.state}): run duban archive to finish it`);
  if (recorded.archiveHash !== report.archiveHash) fail(null, `the archive's hash ${report.archiveHash} differs from the hash the database recorded (${recorded.archiveHash}): the manifest was altered`);
  if (recorded.merkleRoot !== manifest.merkleRoot) fail(null, 'the Merkle root differs from the one the database recorded');
  const byCase = new Map((await reader.casesOf(manifest.id)).map((c) => [c.caseId, c]));
  for (const e of manifest.cases) {
    const c = byCase.get(e.caseId);
    byCase.delete(e.caseId);
    if (!c) fail(e.caseId, 'the database does not record this case in the archive');
    else if (c.seq !== e.seq || c.hash !== e.lastHash || c.fileSha256 !== e.sha256) fail(e.caseId, 'the database recorded another head or file hash for this case');
  }
  for (const caseId of byCase.keys()) fail(caseId, 'the database records this case in the archive, but the manifest does not list it');
}

/** A signed checkpoint of the anchor log records this archive with the same hash and root. */
function checkAnchored(log: NonNullable<VerifyArchiveOptions['anchorLog']>, manifest: ArchiveManifest, report: ArchiveVerifyReport, fail: (caseId: string | null, reason: string) => void): void {
  const found: { hash: string; root: string; checkpoint: number }[] = [];
  const reading = readAnchorLog(log.text, { keys: log.keys, onArchive: (id, hash, root, checkpoint) => void (id === manifest.id && found.push({ hash, root, checkpoint })) });
  if (reading.failure) fail(null, `anchor log line ${reading.failure.line}: ${reading.failure.reason}`);
  const first = found[0];
  if (!first) return fail(null, reading.failure ? `no checkpoint before that line records archive ${manifest.id}` : `no checkpoint of the anchor log records archive ${manifest.id}`);
  report.anchorCheckpoint = first.checkpoint;
  if (found.some((f) => f.hash !== report.archiveHash || f.root !== manifest.merkleRoot)) fail(null, `checkpoint ${first.checkpoint} of the anchor log recorded another hash or root for archive ${manifest.id}`);
}
