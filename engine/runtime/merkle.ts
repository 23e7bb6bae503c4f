/**
 * The Merkle tree of anchor checkpoints (RFC 6962 §2.1): leaves and inner
 * nodes are hashed with different one-byte prefixes (0x00 and 0x01), so a
 * node can never pass for a leaf; a tree of n leaves splits at the largest
 * power of two below n. Each leaf commits to one case's head, `(caseId, seq,
 * hash)`, and the leaves are sorted by case id, so the root of a set of heads
 * does not depend on the order they were read in.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './hash.js';

/** One case's position in its chain at a checkpoint: its last seq and that event's hash. */
export interface CaseHead {
  caseId: string;
  seq: number;
  hash: string;
}

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** The hash of one leaf: sha256(0x00 ‖ canonical JSON of `[caseId, seq, hash]`). */
export function leafHash(head: CaseHead): Buffer {
  return createHash('sha256').update(LEAF).update(canonicalJson([head.caseId, head.seq, head.hash]), 'utf8').digest();
}

/** The hash of an inner node: sha256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** Orders heads by case id (UTF-16 code units, the same on every machine and database). */
export function compareCaseIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The largest power of two strictly below `n` (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root over leaf hashes already in leaf order. The empty tree's root is sha256 of nothing. */
export function rootOfLeafHashes(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  let level: Buffer[] = [...leaves];
  // Bottom-up over the RFC 6962 shape: pairing left to right and carrying an
  // odd last node up unchanged builds exactly the split-at-power-of-two tree.
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/**
 * The Merkle root (hex) of a set of case heads, sorted by case id first.
 * Pure. Throws when a case id appears twice.
 *
 * @example
 * merkleRoot([{ caseId: 'c-1', seq: 4, hash: 'ab…' }, { caseId: 'c-2', seq: 1, hash: 'cd…' }]);
 */
export function merkleRoot(heads: readonly CaseHead[]): string {
  const sorted = [...heads].sort((a, b) => compareCaseIds(a.caseId, b.caseId));
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.caseId === sorted[i - 1]!.caseId) throw new TypeError(`merkleRoot: case ${sorted[i]!.caseId} appears twice`);
  return rootOfLeafHashes(sorted.map(leafHash)).toString('hex');
}

/** The sibling hashes (hex, bottom-up) that prove leaf `index` of `heads` (sorted by case id) is under the root. */
export function inclusionProof(heads: readonly CaseHead[], index: number): string[] {
  const sorted = [...heads].sort((a, b) => compareCaseIds(a.caseId, b.caseId));
  if (!Number.isInteger(index) || index < 0 || index >= sorted.length) throw new RangeError(`inclusionProof: no leaf ${index}`);
  const path = (leaves: Buffer[], m: number): Buffer[] => {
    if (leaves.length <= 1) return [];
    const k = splitPoint(leaves.length);
    return m < k ? [...path(leaves.slice(0, k), m), rootOfLeafHashes(leaves.slice(k))] : [...path(leaves.slice(k), m - k), rootOfLeafHashes(leaves.slice(0, k))];
  };
  return path(sorted.map(leafHash), index).map((b) => b.toString('hex'));
}

/** Whether `proof` shows `head`, leaf `index` of a tree of `size` leaves, under `root` (hex). Pure. */
export function verifyInclusion(head: CaseHead, index: number, size: number, proof: readonly string[], root: string): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= size) return false;
  // RFC 9162 §2.1.3.2.
  let fn = index;
  let sn = size - 1;
  let r = leafHash(head);
  for (const p of proof) {
    if (sn === 0) return false;
    const sibling = Buffer.from(p, 'hex');
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(sibling, r);
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = nodeHash(r, sibling);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.toString('hex') === root;
}
