import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, anchorPublicKey, anchorSigningKey, AnchorLogState, buildCheckpointLine, generateAnchorKey, merkleRoot, readAnchorLog, type CaseHead } from '../../../engine/index.js';

const h = (caseId: string, seq: number, fill: string): CaseHead => ({ caseId, seq, hash: fill.repeat(64) });
const keyA = anchorSigningKey(generateAnchorKey().privateKeyPem);
const keyB = anchorSigningKey(generateAnchorKey().privateKeyPem);

/** A log of three checkpoints over a few cases, signed with `key`. */
function threeCheckpoints(key = keyA): { text: string; lines: string[]; sets: CaseHead[][] } {
  const sets = [
    [h('c-1', 1, 'a'), h('c-2', 3, 'b')],
    [h('c-1', 2, 'c'), h('c-2', 3, 'b'), h('c-3', 1, 'd')],
    [h('c-1', 2, 'c'), h('c-2', 5, 'e'), h('c-3', 1, 'd')],
  ];
  const state = new AnchorLogState();
  const lines = sets.map((heads, i) => buildCheckpointLine(state, heads, { seq: i + 1, at: `2026-03-0${i + 1}T00:00:00.000Z`, key }).text);
  return { text: `${lines.join('\n')}\n`, lines, sets };
}

describe('anchor log', () => {
  it('signs each checkpoint over the root of every case head, carrying only the heads that changed', () => {
    const { lines, sets } = threeCheckpoints();
    const parsed = lines.map((l) => JSON.parse(l) as { root: string; cases: number; leaves: unknown[]; keyId: string });
    expect(parsed.map((p) => p.root)).toEqual(sets.map((s) => merkleRoot(s)));
    expect(parsed.map((p) => p.cases)).toEqual([2, 3, 3]);
    expect(parsed[1]!.leaves).toEqual([['c-1', 2, 'c'.repeat(64)], ['c-3', 1, 'd'.repeat(64)]]);
    expect(parsed[2]!.leaves).toEqual([['c-2', 5, 'e'.repeat(64)]]);
    expect(parsed[0]!.keyId).toBe(keyA.keyId);
  });

  it('reads back an untouched log: chain, signatures and roots hold', () => {
    const r = readAnchorLog(threeCheckpoints().text, { keys: [anchorPublicKey(keyA.publicKey.export({ type: 'spki', format: 'pem' }).toString())] });
    expect(r.failure).toBeUndefined();
    expect(r.contradictions).toEqual([]);
    expect(r.checkpoints).toBe(3);
    expect(r.keyIds).toEqual([keyA.keyId]);
  });

  it('names the line whose signature no longer verifies when a field of it was changed', () => {
    const { lines } = threeCheckpoints();
    const forged = lines.map((l, i) => (i === 1 ? l.replace('"at":"2026-03-02', '"at":"2026-03-09') : l));
    expect(readAnchorLog(forged.join('\n')).failure).toMatchObject({ line: 2, checkpoint: 2, reason: expect.stringMatching(/signature/) });
  });

  it('names the line after one that was removed, and a signed line whose leaves do not make its root', () => {
    const { lines } = threeCheckpoints();
    expect(readAnchorLog([lines[0], lines[2]].join('\n')).failure).toMatchObject({ line: 2, checkpoint: 3, reason: expect.stringMatching(/prev/) });
    // Signed with the real key, but a leaf differs from what the root was computed over.
    const { sig: _sig, ...body } = JSON.parse(lines[0]!) as Record<string, unknown>;
    const leaves = [['c-1', 1, 'a'.repeat(64)], ['c-2', 4, 'b'.repeat(64)]];
    const unsigned = { ...body, leaves };
    const forged = { ...unsigned, sig: sign(null, Buffer.from(canonicalJson(unsigned)), keyA.privateKey).toString('base64') };
    expect(readAnchorLog(canonicalJson(forged)).failure).toMatchObject({ line: 1, checkpoint: 1, reason: expect.stringMatching(/root/) });
  });

  it('refuses lines signed with another key than the given one, or than the first line carries', () => {
    const { text } = threeCheckpoints(keyB);
    expect(readAnchorLog(text, { keys: [keyA] }).failure).toMatchObject({ line: 1, reason: expect.stringMatching(/not among the given public keys/) });
    const { lines } = threeCheckpoints();
    // Continue the A chain with a line signed by B.
    const reading = readAnchorLog(lines.slice(0, 2).join('\n'));
    const foreign = buildCheckpointLine(reading.state, [h('c-1', 9, 'f')], { seq: 3, at: 'y', key: keyB });
    expect(readAnchorLog([...lines.slice(0, 2), foreign.text].join('\n')).failure).toMatchObject({ line: 3, reason: expect.stringMatching(/not the first line's key/) });
    expect(readAnchorLog([...lines.slice(0, 2), foreign.text].join('\n'), { keys: [keyA, keyB] }).failure).toBeUndefined();
  });

  it('records a case whose seq went back, or whose hash at a seq changed, as a contradiction of the later checkpoint', () => {
    const state = new AnchorLogState();
    const lines = [
      buildCheckpointLine(state, [h('c-1', 4, 'a'), h('c-2', 2, 'b')], { seq: 1, at: 't1', key: keyA }).text,
      buildCheckpointLine(state, [h('c-1', 3, 'a'), h('c-2', 2, 'c')], { seq: 2, at: 't2', key: keyA }).text,
    ];
    const r = readAnchorLog(lines.join('\n'));
    expect(r.failure).toBeUndefined();
    expect(r.contradictions).toMatchObject([
      { checkpoint: 2, caseId: 'c-1', seq: 3 },
      { checkpoint: 2, caseId: 'c-2', seq: 2 },
    ]);
  });

  it('refuses a key file that is not an Ed25519 key with invalid_anchor_key', () => {
    expect(() => anchorSigningKey('not a key')).toThrow(expect.objectContaining({ code: 'invalid_anchor_key' }));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => anchorSigningKey(rsa)).toThrow(expect.objectContaining({ code: 'invalid_anchor_key' }));
    expect(() => anchorPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(expect.objectContaining({ code: 'invalid_anchor_key' }));
  });
});
