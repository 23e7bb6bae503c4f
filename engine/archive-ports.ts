/**
 * What archiving closed cases needs from the database (migration 021): the
 * run's bookkeeping, written step by step so a killed run can be finished,
 * and the pruning of one case's runtime rows. The case row itself (and its
 * statistics facts) stays: archived cases remain listed with their last
 * state, and their head (version, last hash) still binds them to the archive.
 */
import type { CaseHead } from './runtime/merkle.js';

/** An archive run's state: files being written → manifest written → hash recorded → runtime rows pruned. */
export type ArchiveState = 'planned' | 'written' | 'recorded' | 'pruned';
/** One case's progress in its run. */
export type ArchivedCaseState = 'planned' | 'written' | 'pruned';

/** One archive run, as recorded. */
export interface ArchiveRecord {
  id: string;
  createdAt: string;
  createdBy: string;
  /** ISO instant: cases closed before it were selected. */
  closedBefore: string;
  /** Absolute path of the archive's directory when written. */
  dir: string;
  state: ArchiveState;
  cases: number;
  /** sha256 (hex) of the archive's manifest, once written. */
  archiveHash: string | null;
  /** Merkle root (hex) over the cases' heads, once written. */
  merkleRoot: string | null;
  anchorCheckpoint: number | null;
  recordedAt: string | null;
  prunedAt: string | null;
}

/** One case of an archive. */
export interface ArchivedCase extends CaseHead {
  archiveId: string;
  fileSha256: string | null;
  state: ArchivedCaseState;
}

/** A closed case that may be archived: its head and org. */
export interface ClosedCase extends CaseHead {
  org: string;
}

/** The write side of archive runs. */
export interface ArchiveRunStore {
  /** Closed cases last changed before `closedBefore` and not yet archived, in case-id order after `afterId`. */
  listClosed(closedBefore: string, afterId: string | undefined, limit: number): Promise<ClosedCase[]>;
  /** Records a new run and its cases (state `planned`) in one transaction; `archive_conflict` when a case is already in another run. */
  plan(archive: Omit<ArchiveRecord, 'state' | 'cases' | 'archiveHash' | 'merkleRoot' | 'anchorCheckpoint' | 'recordedAt' | 'prunedAt'>, heads: readonly CaseHead[]): Promise<void>;
  /** Runs not yet pruned, oldest first. */
  unfinished(): Promise<ArchiveRecord[]>;
  /** Marks a case's file written with its sha256. */
  caseWritten(caseId: string, fileSha256: string): Promise<void>;
  /** Moves a run to `written`, `recorded` or `pruned`, with what that step produced. */
  advance(archiveId: string, to: Exclude<ArchiveState, 'planned'>, fields: { at: string; archiveHash?: string; merkleRoot?: string; anchorCheckpoint?: number | null }): Promise<void>;
  /**
   * Deletes one archived case's runtime rows (events, snapshots, salts, timers, tasks, outbox rows
   * with their deliveries, inbox items and acknowledgements) and marks it `pruned`, in one transaction.
   * `archive_conflict` when the case changed since it was archived. Does nothing for a pruned case.
   */
  prune(caseId: string): Promise<void>;
}

/** The read side: what the case list, pages and verification ask about archives. */
export interface ArchiveReader {
  getArchive(archiveId: string): Promise<ArchiveRecord | undefined>;
  listArchives(): Promise<ArchiveRecord[]>;
  /** The cases of one run, in case-id order. */
  casesOf(archiveId: string): Promise<ArchivedCase[]>;
  /** The archive entry of each of the given cases that has one. */
  archivedCases(caseIds: readonly string[]): Promise<Map<string, ArchivedCase>>;
}
