import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inclusionProof, merkleRoot, verifyInclusion, type CaseHead } from '../../../engine/index.js';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const heads = (n: number): CaseHead[] => Array.from({ length: n }, (_, i) => ({ caseId: `case-${String(i).padStart(3, '0')}`, seq: i + 1, hash: sha(Buffer.from(String(i))).toString('hex') }));

/** RFC 6962 §2.1, written straight from the text as the oracle. */
function rfc6962(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Buffer.from([0]), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), rfc6962(leaves.slice(0, k)), rfc6962(leaves.slice(k)));
}
const leafData = (h: CaseHead) => Buffer.from(JSON.stringify([h.caseId, h.seq, h.hash]), 'utf8');

describe('merkle tree of case heads', () => {
  it('computes the RFC 6962 root with 0x00 leaf and 0x01 node prefixes, for every size up to 17', () => {
    for (let n = 0; n <= 17; n++) {
      const hs = heads(n);
      expect(merkleRoot(hs), `n=${n}`).toBe(rfc6962(hs.map(leafData)).toString('hex'));
    }
  });

  it('sorts leaves by case id, so the order heads were read in does not matter', () => {
    const hs = heads(9);
    expect(merkleRoot([...hs].reverse())).toBe(merkleRoot(hs));
  });

  it('changes the root when any seq or hash of any case changes', () => {
    const hs = heads(6);
    const root = merkleRoot(hs);
    for (let i = 0; i < hs.length; i++) {
      expect(merkleRoot(hs.map((h, j) => (j === i ? { ...h, seq: h.seq + 1 } : h)))).not.toBe(root);
      expect(merkleRoot(hs.map((h, j) => (j === i ? { ...h, hash: 'f'.repeat(64) } : h)))).not.toBe(root);
    }
  });

  it('refuses a case that appears twice', () => {
    const [a] = heads(1);
    expect(() => merkleRoot([a!, { ...a!, seq: 9 }])).toThrow(/twice/);
  });

  it('proves each leaf with an inclusion proof that fails for another head, index or root', () => {
    for (const n of [1, 2, 3, 5, 8, 11]) {
      const hs = heads(n);
      const root = merkleRoot(hs);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(hs, i);
        expect(verifyInclusion(hs[i]!, i, n, proof, root), `n=${n} i=${i}`).toBe(true);
        expect(verifyInclusion({ ...hs[i]!, seq: 999 }, i, n, proof, root)).toBe(false);
        expect(verifyInclusion(hs[i]!, i, n, proof, 'a'.repeat(64))).toBe(false);
        if (n > 1) expect(verifyInclusion(hs[i]!, (i + 1) % n, n, proof, root)).toBe(false);
      }
    }
  });
});
