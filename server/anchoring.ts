/**
 * Anchor checkpoints in the server processes and the CLI: the signing key
 * and the log file come from the configuration (`DUBAN_ANCHOR_KEY`,
 * `DUBAN_ANCHOR_LOG`), each checkpoint is appended to the file (fsynced) and,
 * when `DUBAN_ANCHOR_WITNESS_URL` is set, POSTed to the witness. `duban serve`
 * (embedded) and `duban worker` run {@link createAnchorLoop}; every process
 * claims a checkpoint's row before making it, so one checkpoint per interval
 * is made across all of them, written to the log of the machine that made it.
 */
import fs from 'node:fs';
import { appendFile, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { anchorSigningKey, createPoller, EngineError, makeCheckpoint, type AnchorLine, type AnchorSigningKey, type AnchorStore, type Clock } from '../engine/index.js';
import { ConfigError, type Config } from './config.js';
import type { Logger } from './logger.js';
import { redactUrl } from './notifier.js';

/** How long a witness has to answer a POST. */
const WITNESS_TIMEOUT_MS = 10_000;
/** How soon a loop tries again after a failed checkpoint (at most its interval). */
const RETRY_AFTER_FAILURE_MS = 60_000;

/** Anchoring as configured: on only when a key is. */
export interface AnchorSetup {
  key: AnchorSigningKey;
  logPath: string;
  witnessUrl: string | undefined;
  intervalMs: number;
}

/** The anchor log's path: `DUBAN_ANCHOR_LOG`, else `anchors.jsonl` next to the SQLite file `DUBAN_DB` names. */
export function anchorLogPath(config: Pick<Config, 'DUBAN_ANCHOR_LOG' | 'DUBAN_DB'>): string {
  return path.resolve(config.DUBAN_ANCHOR_LOG ?? path.join(path.dirname(config.DUBAN_DB), 'anchors.jsonl'));
}

/** Reads the signing key `DUBAN_ANCHOR_KEY` names; undefined when none is set. Throws `ConfigError` (exit 2) for a missing or bad file. */
export function loadAnchorSetup(config: Config): AnchorSetup | undefined {
  if (config.DUBAN_ANCHOR_KEY === undefined) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(config.DUBAN_ANCHOR_KEY, 'utf8');
  } catch (err) {
    throw new ConfigError([{ variable: 'DUBAN_ANCHOR_KEY', message: `cannot read ${path.resolve(config.DUBAN_ANCHOR_KEY)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  let key: AnchorSigningKey;
  try {
    key = anchorSigningKey(pem);
  } catch (err) {
    if (err instanceof EngineError) throw new ConfigError([{ variable: 'DUBAN_ANCHOR_KEY', message: `${path.resolve(config.DUBAN_ANCHOR_KEY)}: ${err.message}` }]);
    throw err;
  }
  return { key, logPath: anchorLogPath(config), witnessUrl: config.DUBAN_ANCHOR_WITNESS_URL, intervalMs: config.DUBAN_ANCHOR_INTERVAL_MS };
}

/** What one anchoring attempt did. */
export type AnchorResult =
  | { made: true; line: AnchorLine; logPath: string; witness: 'off' | 'sent' | { error: string } }
  | { made: false; reason: 'not_due' | 'busy' };

/** Appends one line and flushes it to disk before the checkpoint counts as made. */
async function appendDurably(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${text}\n`, { encoding: 'utf8', mode: 0o644 });
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readOrEmpty(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** POSTs a checkpoint line to the witness; resolves to `sent` or the error (never throws). */
export async function postToWitness(url: string, text: string): Promise<'sent' | { error: string }> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text, signal: AbortSignal.timeout(WITNESS_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok ? 'sent' : { error: `HTTP ${res.status}` };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * Makes a checkpoint now (or only when the last one is older than
 * `onlyIfOlderThanMs`): claims it, appends the signed line to the log, then
 * POSTs it to the witness. A witness failure is reported, not thrown: the
 * line is already in the log.
 */
export async function anchorNow(deps: { anchors: AnchorStore; clock: Clock }, setup: AnchorSetup, opts: { onlyIfOlderThanMs?: number; archives?: AnchorLine['archives'] } = {}): Promise<AnchorResult> {
  const outcome = await withLogLock(setup.logPath, () =>
    makeCheckpoint({
      anchors: deps.anchors, clock: deps.clock, key: setup.key, owner: `${os.hostname()}:${process.pid}`,
      readLog: () => readOrEmpty(setup.logPath),
      appendLine: (text) => appendDurably(setup.logPath, text),
      onlyIfOlderThanMs: opts.onlyIfOlderThanMs,
      archives: opts.archives,
    }),
  );
  if (!outcome.made) return outcome;
  const witness = setup.witnessUrl === undefined ? 'off' : await postToWitness(setup.witnessUrl, outcome.text);
  return { made: true, line: outcome.line, logPath: setup.logPath, witness };
}

/**
 * Runs `fn` holding `<log>.lock` (created exclusively, holding the pid), or
 * answers `busy` when a live process holds it. The database claim keeps
 * processes apart on seqs; this keeps two processes of one machine (a server
 * and `duban audit anchor`) from both reading the file before either appends,
 * which would chain both new lines to the same predecessor. A lock left by a
 * process that died is taken over.
 */
async function withLogLock<T>(logPath: string, fn: () => Promise<T>): Promise<T | { made: false; reason: 'busy' }> {
  const lock = `${logPath}.lock`;
  await mkdir(path.dirname(lock), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) return { made: false, reason: 'busy' };
      const holder = Number((await readOrEmpty(lock)).trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) return { made: false, reason: 'busy' };
      await rm(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function formatInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/** A background loop that makes a checkpoint every interval. */
export interface AnchorLoop {
  /** Starts the loop; its first checkpoint (when one is due) runs in the background. */
  start(): void;
  /** Stops the loop; waits for a checkpoint in flight. */
  stop(): Promise<void>;
  /** One line for the start-up banner. */
  describe(): string;
}

/** Creates the loop of `duban serve` (embedded) and `duban worker`: one lane of a poller on the engine's clock. */
export function createAnchorLoop(deps: { anchors: AnchorStore; clock: Clock; logger: Logger }, setup: AnchorSetup): AnchorLoop {
  const log = deps.logger.child({ component: 'anchor' });
  const retryMs = Math.min(setup.intervalMs, RETRY_AFTER_FAILURE_MS);
  /** Set when another process of this machine held the log: look again then, not in a tight loop. */
  let busyUntil: number | undefined;
  const poller = createPoller({
    name: 'anchor loop',
    clock: deps.clock,
    intervalMs: setup.intervalMs,
    backoffMs: () => retryMs,
    logger: { error: (message, fields) => log.error(fields ?? {}, message) },
    lanes: [
      {
        name: 'checkpoint',
        async drain() {
          busyUntil = undefined;
          const r = await anchorNow(deps, setup, { onlyIfOlderThanMs: setup.intervalMs });
          if (r.made) {
            log.info({ checkpoint: r.line.seq, cases: r.line.cases, root: r.line.root, log: r.logPath, witness: typeof r.witness === 'string' ? r.witness : 'failed' }, 'anchor checkpoint made');
            if (typeof r.witness !== 'string') log.error({ checkpoint: r.line.seq, witness: redactUrl(setup.witnessUrl!), error: r.witness.error }, 'anchor witness did not take the checkpoint');
          } else if (r.reason === 'busy') {
            busyUntil = deps.clock.now().getTime() + retryMs;
            log.warn({ log: setup.logPath, lock: `${setup.logPath}.lock` }, 'anchor checkpoint skipped: another process is writing one (remove the lock file if no duban process is)');
          }
        },
        async nextDueAt(now) {
          if (busyUntil !== undefined) return busyUntil;
          // Wake when the newest checkpoint (this process's or another's) is one interval old.
          const last = await deps.anchors.lastCheckpoint();
          return last ? Math.max(now.getTime() + 1_000, Date.parse(last.at) + setup.intervalMs) : undefined;
        },
      },
    ],
  });
  return {
    start() {
      void poller.start();
    },
    stop: () => poller.stop(),
    describe: () => `Anchors: a signed checkpoint every ${formatInterval(setup.intervalMs)}, key ${setup.key.keyId}, log ${setup.logPath}${setup.witnessUrl ? `, witness ${redactUrl(setup.witnessUrl)}` : ', no witness'}`,
  };
}
