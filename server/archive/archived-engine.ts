/**
 * Reading archived cases from their archive: once `duban archive` pruned a
 * case, its events live only in the archive's case file. This wraps the
 * engine so `history` and `replay` of such a case read that file (after
 * checking it against the sha256 the database recorded for it) and `verify`
 * checks the case row against the head it was archived at. Every page and
 * route that reads a history (the case page, its documents, the print and
 * audit pages, the export) goes through `history`, so they all read the archive.
 */
import path from 'node:path';
import { InvalidArchiveError, type AnchorStore, type ArchivedCase, type ArchiveReader, type ArchiveRecord, type Engine, type EventRecord } from '../../engine/index.js';
import { CaseFileSchema, loadCaseFile, type CaseFile } from '../case-file.js';
import { caseFilePath, readCaseBytes, sha256Hex } from './archive-format.js';

/** Where archives are read from: under `root` (`DUBAN_ARCHIVE_DIR`) when given, else where each was written. */
export interface ArchiveLocation {
  reader: ArchiveReader;
  root?: string | undefined;
}

/** The directory of an archive, as `location` says. */
export function archiveDir(location: ArchiveLocation, archive: Pick<ArchiveRecord, 'id' | 'dir'>): string {
  return location.root === undefined ? archive.dir : path.resolve(location.root, archive.id);
}

/** Reads a pruned case's file from its archive, and checks it is the file recorded; `invalid_archive` otherwise. */
export async function readArchivedCaseFile(location: ArchiveLocation, entry: ArchivedCase): Promise<CaseFile> {
  const archive = await location.reader.getArchive(entry.archiveId);
  const file = caseFilePath(entry.caseId);
  const dir = archive && archiveDir(location, archive);
  const where = dir ? path.join(dir, file) : `archive ${entry.archiveId}`;
  const bytes = dir ? await readCaseBytes(dir, { file }) : undefined;
  if (!bytes) throw new InvalidArchiveError(`case ${entry.caseId} is archived in ${entry.archiveId}, but ${where} cannot be read (is the archive directory in place?)`, { caseId: entry.caseId, archiveId: entry.archiveId });
  if (sha256Hex(bytes) !== entry.fileSha256) throw new InvalidArchiveError(`case ${entry.caseId}: ${where} does not match the hash recorded when it was archived (the file was altered)`, { caseId: entry.caseId, archiveId: entry.archiveId });
  return CaseFileSchema.parse(JSON.parse(bytes.toString('utf8')));
}

/**
 * An engine whose `history`, `replay` and `verify` also cover archived cases.
 *
 * @example
 * const engine = archiveAwareEngine(await createEngine({ store }), { reader: createKnexArchiveStore(store).reader });
 */
export function archiveAwareEngine(engine: Engine, location: ArchiveLocation): Engine {
  const { reader } = location;
  /** The archive entry of a case whose runtime rows are gone. */
  const pruned = async (caseId: string) => {
    const entry = (await reader.archivedCases([caseId])).get(caseId);
    return entry?.state === 'pruned' ? entry : undefined;
  };
  return {
    ...engine,
    async history(caseId) {
      const events = await engine.history(caseId);
      if (events.length > 0) return events;
      const entry = await pruned(caseId);
      return entry ? ((await readArchivedCaseFile(location, entry)).events as unknown as EventRecord[]) : events;
    },
    async replay(caseId, opts) {
      const entry = await pruned(caseId);
      if (!entry) return engine.replay(caseId, opts);
      const loaded = await loadCaseFile(await readArchivedCaseFile(location, entry));
      try {
        return await loaded.engine.replay(caseId, opts);
      } finally {
        await loaded.close();
      }
    },
    verify: (caseId, opts) => engine.verify(caseId, { ...opts, archivedHead: async (id) => pruned(id) }),
  };
}

/**
 * An anchor store whose `eventHashes` reads a pruned case's hashes from its
 * archive, so `audit verify --anchors` still checks every head a checkpoint
 * recorded of a case before it was archived.
 */
export function archiveAwareAnchors(anchors: AnchorStore, location: ArchiveLocation): AnchorStore {
  const { reader } = location;
  return {
    ...anchors,
    async eventHashes(caseId, seqs) {
      const found = await anchors.eventHashes(caseId, seqs);
      if (found.size > 0) return found;
      const entry = (await reader.archivedCases([caseId])).get(caseId);
      if (entry?.state !== 'pruned') return found;
      const wanted = new Set(seqs);
      for (const e of (await readArchivedCaseFile(location, entry)).events) if (wanted.has(e.seq)) found.set(e.seq, e.hash);
      return found;
    },
  };
}

/** The archive a listed case was moved to: its reference and when it was written. */
export interface ArchiveRef {
  id: string;
  /** ISO instant the archive run started. */
  archivedAt: string;
}

/** The archive of each of the given cases whose runtime rows were moved to one (cases not archived are absent). */
export async function archiveRefs(reader: ArchiveReader | undefined, caseIds: readonly string[]): Promise<Map<string, ArchiveRef>> {
  const out = new Map<string, ArchiveRef>();
  if (!reader || caseIds.length === 0) return out;
  const runs = new Map<string, ArchiveRecord | undefined>();
  for (const [caseId, entry] of await reader.archivedCases(caseIds)) {
    if (entry.state !== 'pruned') continue;
    if (!runs.has(entry.archiveId)) runs.set(entry.archiveId, await reader.getArchive(entry.archiveId));
    const run = runs.get(entry.archiveId);
    if (run) out.set(caseId, { id: run.id, archivedAt: run.createdAt });
  }
  return out;
}
