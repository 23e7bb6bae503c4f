/**
 * What anchoring needs from the database: the head of every case, the hash
 * of an event at a seq, and a row per checkpoint that makes one process at a
 * time write it. Nothing here is trusted for the proof itself — the signed
 * anchor log outside the database is; the rows only coordinate the writers.
 */
import type { CaseHead } from './runtime/merkle.js';

/** The newest checkpoint a process claimed. */
export interface CheckpointClaim {
  seq: number;
  /** ISO instant of the claim (the engine clock's time). */
  at: string;
  /** Hex root once the line is written; null while it is being made or when its maker died. */
  root: string | null;
}

/** The store side of anchor checkpoints. */
export interface AnchorStore {
  /** The highest-numbered claimed checkpoint, or undefined before the first. */
  lastCheckpoint(): Promise<CheckpointClaim | undefined>;
  /** Claims checkpoint `seq` for `owner`; false when another process already has it. */
  claimCheckpoint(seq: number, at: string, owner: string): Promise<boolean>;
  /** Records the root and line hash of a checkpoint that was written. */
  completeCheckpoint(seq: number, root: string, lineHash: string): Promise<void>;
  /** Every case's last seq and hash (the case row's), in case-id order after `afterId`. */
  listCaseHeads(afterId: string | undefined, limit: number): Promise<CaseHead[]>;
  /** The stored hash of each of the given seqs of a case that exists (absent seqs are left out). */
  eventHashes(caseId: string, seqs: readonly number[]): Promise<Map<number, string>>;
}
