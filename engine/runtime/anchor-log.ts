/**
 * The anchor log: one JSON line per checkpoint, outside the database.
 *
 * A line is the canonical JSON (RFC 8785) of
 * `{ v, seq, at, root, cases, keyId, publicKey, prev, leaves, removed, sig }`:
 * `root` is the Merkle root over every case's head (`merkle.ts`), `cases`
 * their number, `prev` the sha256 of the previous line's text (64 zeros for
 * the first line of a file), `leaves` the heads `[caseId, seq, hash]` that are
 * new or changed since the previous line of the same file and `removed` the
 * case ids that vanished since (cases are never deleted, so any entry there
 * is evidence of tampering). Folding the lines from the top of the file gives
 * the full leaf set of every checkpoint, whose root must equal the signed one.
 * `sig` is an Ed25519 signature over the canonical JSON of the line without
 * `sig`; `keyId` names the public key (the first 32 hex digits of sha256 over
 * its SPKI DER) and `publicKey` carries it (SPKI DER, base64) for readers that
 * pin the key id by other means.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { anchorKeyId, type AnchorPublicKey, type AnchorSigningKey } from './anchor-keys.js';
import { canonicalJson, GENESIS_HASH, sha256Hex } from './hash.js';
import { compareCaseIds, leafHash, rootOfLeafHashes, type CaseHead } from './merkle.js';

const HEX64 = z.string().regex(/^[0-9a-f]{64}$/);

/** One checkpoint line, as parsed. */
export const AnchorLineSchema = z.strictObject({
  v: z.literal(1),
  seq: z.number().int().min(1),
  at: z.string().min(1),
  root: HEX64,
  cases: z.number().int().min(0),
  keyId: z.string().regex(/^[0-9a-f]{32}$/),
  publicKey: z.string().min(1),
  prev: HEX64,
  leaves: z.array(z.tuple([z.string().min(1), z.number().int().min(1), HEX64])),
  removed: z.array(z.string().min(1)),
  /** Archives recorded by this checkpoint (`duban archive`): `[archiveId, sha256 of its manifest, Merkle root over its cases, cases]`. Absent on most lines. */
  archives: z.array(z.tuple([z.string().min(1), HEX64, HEX64, z.number().int().min(0)])).optional(),
  sig: z.string().min(1),
});
export type AnchorLine = z.infer<typeof AnchorLineSchema>;

interface HeldLeaf {
  seq: number;
  hash: string;
  leaf: Buffer;
}

/**
 * The leaf set after the lines read so far, and what the next line chains to.
 * Keeps each leaf's hash, so recomputing a root costs the inner nodes only.
 */
export class AnchorLogState {
  /** Seq of the last line (0 before the first). */
  seq = 0;
  /** Hash of the last line's text (the next line's `prev`). */
  lineHash = GENESIS_HASH;
  /** `at` of the last line. */
  at: string | undefined;
  private readonly heads = new Map<string, HeldLeaf>();
  private order: string[] = [];
  private orderStale = false;

  get size(): number {
    return this.heads.size;
  }

  head(caseId: string): { seq: number; hash: string } | undefined {
    return this.heads.get(caseId);
  }

  set(head: CaseHead): void {
    if (!this.heads.has(head.caseId)) this.orderStale = true;
    this.heads.set(head.caseId, { seq: head.seq, hash: head.hash, leaf: leafHash(head) });
  }

  delete(caseId: string): void {
    if (this.heads.delete(caseId)) this.orderStale = true;
  }

  caseIds(): IterableIterator<string> {
    return this.heads.keys();
  }

  /** The Merkle root (hex) of the current leaf set. */
  root(): string {
    if (this.orderStale) {
      this.order = [...this.heads.keys()].sort(compareCaseIds);
      this.orderStale = false;
    }
    return rootOfLeafHashes(this.order.map((id) => this.heads.get(id)!.leaf)).toString('hex');
  }
}

/** The text that `sig` signs: the canonical JSON of the line without `sig`. */
function signedText(line: Omit<AnchorLine, 'sig'>): string {
  const { sig: _sig, ...body } = line as AnchorLine;
  return canonicalJson(body);
}

/** Whether a line's signature holds under `key`. */
export function checkLineSignature(line: AnchorLine, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(signedText(line), 'utf8'), key, Buffer.from(line.sig, 'base64'));
  } catch {
    return false;
  }
}

/** The public key a line carries, when it is an Ed25519 key whose id is the line's `keyId`. */
export function embeddedKey(line: AnchorLine): AnchorPublicKey | undefined {
  try {
    const publicKey = createPublicKey({ key: Buffer.from(line.publicKey, 'base64'), format: 'der', type: 'spki' });
    if (publicKey.asymmetricKeyType !== 'ed25519' || anchorKeyId(publicKey) !== line.keyId) return undefined;
    return { publicKey, keyId: line.keyId };
  } catch {
    return undefined;
  }
}

/** A checkpoint line ready to append. */
export interface BuiltCheckpoint {
  line: AnchorLine;
  /** The text to append (without the newline): canonical JSON of `line`. */
  text: string;
  /** sha256 of `text`: the next line's `prev`. */
  lineHash: string;
}

/**
 * Builds and signs the line of checkpoint `seq` over `heads` (every case's
 * head), chained to `state` (the file's lines so far), and advances `state`.
 * Pure but for the signature.
 */
export function buildCheckpointLine(state: AnchorLogState, heads: readonly CaseHead[], opts: { seq: number; at: string; key: AnchorSigningKey; archives?: AnchorLine['archives'] }): BuiltCheckpoint {
  const seen = new Set<string>();
  const leaves: [string, number, string][] = [];
  for (const h of [...heads].sort((a, b) => compareCaseIds(a.caseId, b.caseId))) {
    if (seen.has(h.caseId)) throw new TypeError(`buildCheckpointLine: case ${h.caseId} appears twice`);
    seen.add(h.caseId);
    const held = state.head(h.caseId);
    if (!held || held.seq !== h.seq || held.hash !== h.hash) leaves.push([h.caseId, h.seq, h.hash]);
  }
  const removed = [...state.caseIds()].filter((id) => !seen.has(id)).sort(compareCaseIds);
  for (const [caseId, seq, hash] of leaves) state.set({ caseId, seq, hash });
  for (const id of removed) state.delete(id);
  const body: Omit<AnchorLine, 'sig'> = {
    v: 1, seq: opts.seq, at: opts.at, root: state.root(), cases: state.size, keyId: opts.key.keyId,
    publicKey: opts.key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), prev: state.lineHash, leaves, removed,
    // Only lines that record an archive carry the field, so every other line reads as before.
    ...(opts.archives && opts.archives.length > 0 ? { archives: opts.archives } : {}),
  };
  const line: AnchorLine = { ...body, sig: sign(null, Buffer.from(signedText(body), 'utf8'), opts.key.privateKey).toString('base64') };
  const text = canonicalJson(line);
  const lineHash = sha256Hex(text);
  state.seq = line.seq;
  state.lineHash = lineHash;
  state.at = line.at;
  return { line, text, lineHash };
}

/** Where the log contradicts itself or its key. */
export interface AnchorLogFailure {
  /** 1-based line number in the file. */
  line: number;
  /** The checkpoint seq of that line, when it parsed. */
  checkpoint?: number;
  reason: string;
}

/** A case head a checkpoint committed to, first recorded by `checkpoint`. */
export interface AnchoredHead {
  seq: number;
  hash: string;
  checkpoint: number;
  at: string;
}

/** A checkpoint that a later checkpoint or the database contradicts. */
export interface AnchorContradiction {
  checkpoint: number;
  /** The checkpoint's time. */
  at: string;
  caseId: string;
  seq: number;
  reason: string;
}

export interface ReadAnchorLogOptions {
  /**
   * The keys lines must be signed with. When omitted, each line is checked
   * against the key it carries and every line must carry the first line's key.
   */
  keys?: readonly AnchorPublicKey[] | undefined;
  /**
   * Without `keys`: accept a line signed with another key than the first
   * line's (each still checked against the key it carries). The writer reads
   * its own log this way, so a rotated `DUBAN_ANCHOR_KEY` extends the log; an
   * auditor pins the keys instead.
   */
  acceptKeyChange?: boolean;
  /** Called with each head a line records (new or changed), in file order. */
  onHead?: (caseId: string, head: AnchoredHead) => void;
  /** Called with each archive a signed line records (`duban archive`), in file order. */
  onArchive?: (archiveId: string, archiveHash: string, merkleRoot: string, checkpoint: number, cases: number) => void;
}

/** What reading a log found. */
export interface AnchorLogReading {
  state: AnchorLogState;
  checkpoints: number;
  /** The key ids that signed the lines read. */
  keyIds: string[];
  /** The first line that does not parse, chain, verify or match its root; reading stops there. */
  failure: AnchorLogFailure | undefined;
  /** Heads that went back (a case's seq shrank or its hash changed at the same seq) or cases that vanished between two checkpoints. */
  contradictions: AnchorContradiction[];
}

/**
 * Reads an anchor log's text: parses each line, checks the chain (`prev`),
 * that seqs increase, every signature, and every root against the leaf set
 * folded so far. Stops at the first failure. Never throws for bad content.
 */
export function readAnchorLog(text: string, opts: ReadAnchorLogOptions = {}): AnchorLogReading {
  const state = new AnchorLogState();
  const reading: AnchorLogReading = { state, checkpoints: 0, keyIds: [], failure: undefined, contradictions: [] };
  const pinned = opts.keys && new Map(opts.keys.map((k) => [k.keyId, k]));
  let firstKey: string | undefined;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineText.trim() === '') continue;
    const fail = (reason: string, checkpoint?: number): AnchorLogReading => {
      reading.failure = { line: lineNo, ...(checkpoint === undefined ? {} : { checkpoint }), reason };
      return reading;
    };
    let json: unknown;
    try {
      json = JSON.parse(lineText);
    } catch {
      return fail('is not JSON');
    }
    const parsed = AnchorLineSchema.safeParse(json);
    if (!parsed.success) return fail(`is not a checkpoint line (${parsed.error.issues.map((x) => `${x.path.join('.') || '(line)'}: ${x.message}`).join('; ')})`);
    const line = parsed.data;
    if (line.prev !== state.lineHash) return fail(state.seq === 0 ? 'the first line must have prev = 64 zeros' : `prev does not match the hash of the line before (checkpoint ${state.seq}): a line was changed, removed or inserted`, line.seq);
    if (line.seq <= state.seq) return fail(`seq ${line.seq} does not follow ${state.seq}`, line.seq);
    const key = pinned ? pinned.get(line.keyId) : embeddedKey(line);
    if (!key) return fail(pinned ? `signed with key ${line.keyId}, which is not among the given public keys` : 'carries no valid Ed25519 public key matching its keyId', line.seq);
    if (!pinned && !opts.acceptKeyChange) {
      firstKey ??= line.keyId;
      if (line.keyId !== firstKey) return fail(`signed with key ${line.keyId}, not the first line's key ${firstKey} (give every key with --anchor-public-key)`, line.seq);
    }
    if (!checkLineSignature(line, key.publicKey)) return fail(`signature does not verify under key ${line.keyId}: the line was altered`, line.seq);
    const contradict = (caseId: string, seq: number, reason: string) => reading.contradictions.push({ checkpoint: line.seq, at: line.at, caseId, seq, reason });
    const seen = new Set<string>();
    for (const [caseId, seq, hash] of line.leaves) {
      if (seen.has(caseId)) return fail(`case ${caseId} appears twice`, line.seq);
      seen.add(caseId);
      const held = state.head(caseId);
      if (held && held.seq > seq) contradict(caseId, seq, `case went back from seq ${held.seq} to seq ${seq} since checkpoint ${state.seq}: events were deleted`);
      else if (held && held.seq === seq && held.hash !== hash) contradict(caseId, seq, `the hash of seq ${seq} changed since checkpoint ${state.seq}: the event was rewritten`);
      state.set({ caseId, seq, hash });
      opts.onHead?.(caseId, { seq, hash, checkpoint: line.seq, at: line.at });
    }
    for (const caseId of line.removed) {
      const held = state.head(caseId);
      if (!held) return fail(`removes case ${caseId}, which no earlier line holds`, line.seq);
      contradict(caseId, held.seq, `the case vanished from the database since checkpoint ${state.seq}`);
      state.delete(caseId);
    }
    if (state.size !== line.cases) return fail(`counts ${line.cases} case(s) but its leaves make ${state.size}`, line.seq);
    if (state.root() !== line.root) return fail('root does not match its leaves', line.seq);
    for (const [archiveId, archiveHash, root, cases] of line.archives ?? []) opts.onArchive?.(archiveId, archiveHash, root, line.seq, cases);
    state.seq = line.seq;
    state.lineHash = sha256Hex(lineText);
    state.at = line.at;
    reading.checkpoints++;
    if (!reading.keyIds.includes(line.keyId)) reading.keyIds.push(line.keyId);
  }
  return reading;
}
