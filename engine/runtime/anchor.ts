/**
 * Anchor checkpoints: signing the heads of every case into a log outside the
 * database, and checking the database against that log. A database owner
 * can rewrite an event and re-hash every later one so that `verify` still
 * passes; what they cannot do is change a signed line of a log they do not
 * hold, so any head a checkpoint recorded must still be in the database.
 */
import type { AnchorStore } from '../anchor-ports.js';
import { InvalidAnchorLogError } from '../errors.js';
import type { Clock } from '../ports.js';
import type { AnchorPublicKey, AnchorSigningKey } from './anchor-keys.js';
import { buildCheckpointLine, readAnchorLog, type AnchorContradiction, type AnchoredHead, type AnchorLine, type AnchorLogFailure } from './anchor-log.js';
import type { CaseHead } from './merkle.js';

/** Heads read per query. */
const HEAD_BATCH = 1000;

export interface MakeCheckpointOptions {
  anchors: AnchorStore;
  clock: Clock;
  key: AnchorSigningKey;
  /** Who claims the checkpoint row (host and pid), for operators. */
  owner: string;
  /** The log file's current text ('' when it does not exist yet). */
  readLog(): Promise<string>;
  /** Appends one line (a newline is added by the callee) durably. */
  appendLine(text: string): Promise<void>;
  /** Make a checkpoint only when the newest one (by any process) is at least this old. */
  onlyIfOlderThanMs?: number | undefined;
  /** Archives the line records (`[id, hash, root, cases]`), signed with the heads. */
  archives?: AnchorLine['archives'];
}

export type CheckpointOutcome =
  | { made: true; line: AnchorLine; text: string; lineHash: string }
  /** `not_due`: a recent checkpoint exists; `busy`: another process claimed this seq first. */
  | { made: false; reason: 'not_due' | 'busy' };

/**
 * Makes one checkpoint: claims the next seq in the database (one process
 * wins), reads every case head, signs the line and appends it to the log.
 * Throws `invalid_anchor_log` when the existing log does not verify (a
 * broken chain is never extended).
 *
 * @example
 * const r = await makeCheckpoint({ anchors, clock, key, owner: 'host:42', readLog, appendLine });
 * if (r.made) console.log(`checkpoint ${r.line.seq}: ${r.line.cases} case(s)`);
 */
export async function makeCheckpoint(opts: MakeCheckpointOptions): Promise<CheckpointOutcome> {
  const now = opts.clock.now();
  const last = await opts.anchors.lastCheckpoint();
  if (opts.onlyIfOlderThanMs !== undefined && last && now.getTime() - Date.parse(last.at) < opts.onlyIfOlderThanMs) return { made: false, reason: 'not_due' };
  const reading = readAnchorLog(await opts.readLog(), { acceptKeyChange: true });
  if (reading.failure) throw new InvalidAnchorLogError(reading.failure.line, `${reading.failure.reason}; repair or move the log before anchoring again`);
  // The file may be ahead of the rows (a database restored from a backup): seqs only grow in a file.
  const seq = Math.max(last?.seq ?? 0, reading.state.seq) + 1;
  if (!(await opts.anchors.claimCheckpoint(seq, now.toISOString(), opts.owner))) return { made: false, reason: 'busy' };
  const heads: CaseHead[] = [];
  for (let after: string | undefined; ; ) {
    const page = await opts.anchors.listCaseHeads(after, HEAD_BATCH);
    heads.push(...page);
    if (page.length < HEAD_BATCH) break;
    after = page[page.length - 1]!.caseId;
  }
  const built = buildCheckpointLine(reading.state, heads, { seq, at: now.toISOString(), key: opts.key, archives: opts.archives });
  await opts.appendLine(built.text);
  await opts.anchors.completeCheckpoint(seq, built.line.root, built.lineHash);
  return { made: true, ...built };
}

/** What checking the database against an anchor log found. */
export interface AnchorVerifyReport {
  ok: boolean;
  /** Checkpoints read from the log (up to a failure). */
  checkpoints: number;
  /** Distinct case heads the log recorded and the database was asked about. */
  headsChecked: number;
  /** Key ids that signed the lines read. */
  keyIds: string[];
  /** Whether signatures were checked against given keys, or against the key the first line carries. */
  keySource: 'given' | 'embedded';
  /** The first line where the log itself fails (chain, signature, root). */
  logFailure: AnchorLogFailure | undefined;
  /** The earliest contradicted checkpoint of each contradicted case, earliest checkpoint first (at most 1,000). */
  contradictions: AnchorContradiction[];
}

const MAX_CONTRADICTIONS = 1000;

/**
 * Checks an anchor log and then the database against it: for every head a
 * checkpoint recorded, the case's event at that seq must exist and have that
 * hash. With `verify` (the chains are intact and replay) this proves nothing
 * up to each anchored seq changed since it was anchored. Reads only.
 *
 * @example
 * const r = await verifyAnchors(anchors, await readFile(log, 'utf8'), { keys: [anchorPublicKey(pem)] });
 * if (!r.ok) console.log(r.logFailure ?? r.contradictions[0]);
 */
export async function verifyAnchors(anchors: AnchorStore, logText: string, opts: { keys?: readonly AnchorPublicKey[] | undefined } = {}): Promise<AnchorVerifyReport> {
  const recorded = new Map<string, AnchoredHead[]>();
  const reading = readAnchorLog(logText, {
    keys: opts.keys,
    onHead: (caseId, head) => {
      const list = recorded.get(caseId);
      if (list) list.push(head);
      else recorded.set(caseId, [head]);
    },
  });
  // One contradiction per case: the first checkpoint the database (or the log itself) contradicts.
  const firstByCase = new Map<string, AnchorContradiction>();
  const note = (c: AnchorContradiction) => {
    const held = firstByCase.get(c.caseId);
    if (!held || c.checkpoint < held.checkpoint) firstByCase.set(c.caseId, c);
  };
  for (const c of reading.contradictions) note(c);
  let headsChecked = 0;
  for (const [caseId, heads] of recorded) {
    const found = await anchors.eventHashes(caseId, [...new Set(heads.map((h) => h.seq))]);
    for (const h of heads) {
      headsChecked++;
      const hash = found.get(h.seq);
      if (hash === h.hash) continue;
      note({
        checkpoint: h.checkpoint, at: h.at, caseId, seq: h.seq,
        reason: hash === undefined ? (found.size === 0 ? 'the case or its event at this seq is gone from the database' : 'the event at this seq is gone from the database') : 'the event at this seq has another hash than the checkpoint recorded: the history was rewritten (and re-chained)',
      });
      break;
    }
  }
  const contradictions = [...firstByCase.values()].sort((a, b) => a.checkpoint - b.checkpoint || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0)).slice(0, MAX_CONTRADICTIONS);
  return {
    ok: reading.failure === undefined && contradictions.length === 0,
    checkpoints: reading.checkpoints,
    headsChecked,
    keyIds: reading.keyIds,
    keySource: opts.keys ? 'given' : 'embedded',
    logFailure: reading.failure,
    contradictions,
  };
}
