/**
 * `duban archive` (move closed cases into an archive with proof and prune
 * their runtime rows) and `duban audit verify-archive` (check an archive on
 * its own, against the database and against an anchor log).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { anchorPublicKey, type AnchorPublicKey } from '../engine/index.js';
import { loadAnchorSetup } from './anchoring.js';
import { archiveClosedCases } from './archive/archive-run.js';
import { verifyArchive, type ArchiveVerifyReport } from './archive/verify-archive.js';
import type { Runtime } from './main.js';
import { CommandError, formatChinaTime } from './startup.js';

type WithRuntime = <T>(fn: (rt: Runtime) => Promise<T>, opts?: { registerBuiltins?: boolean }) => Promise<T>;

/**
 * Parses `--closed-before`: a date (its 00:00 China time) or an ISO instant with a zone, as an ISO instant.
 * Throws `invalid_argument` (exit 2) for anything else.
 */
export function parseClosedBefore(text: string): string {
  const t = text.trim();
  const at = /^\d{4}-\d{2}-\d{2}$/.test(t) ? new Date(`${t}T00:00:00+08:00`) : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(t) ? new Date(t) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError(`"${text}" is not a date (2026-01-01, meaning 00:00 China time) or an instant with its zone (2026-01-01T00:00:00+08:00)`);
  return at.toISOString();
}

/** A progress bar on stdout when it is a terminal; nothing otherwise (the caller prints a summary line). */
function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stdout.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({ format: `${label} |{bar}| {value}/{total} {phase}`, stream: process.stdout, hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0, { phase: '' });
      started = true;
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

/** Adds `archive` to the CLI and `verify-archive` to `audit`. */
export function registerArchiveCommands(program: Command, audit: Command, withRuntime: WithRuntime): void {
  program
    .command('archive')
    .description('write every case closed before a date to an archive (one directory per run: manifest.json and one case file per case), record its hash and Merkle root in the database (and in the anchor log when DUBAN_ANCHOR_KEY is set), then prune the cases\' runtime rows; a run that was killed is finished first')
    .requiredOption('--closed-before <date>', 'archive cases closed before this date (00:00 China time) or instant', parseClosedBefore)
    .option('--out <dir>', 'the directory archives are written under, each run in its own sub-directory (default: DUBAN_ARCHIVE_DIR)')
    .action(async (opts: { closedBefore: string; out?: string }) => {
      await withRuntime(async (rt) => {
        const outDir = opts.out ?? rt.config.DUBAN_ARCHIVE_DIR;
        if (outDir === undefined) throw new CommandError('invalid_argument', '--out: where to write the archive (or set DUBAN_ARCHIVE_DIR)');
        if (Date.parse(opts.closedBefore) > rt.engine.clock.now().getTime()) throw new CommandError('invalid_argument', `--closed-before: ${formatChinaTime(opts.closedBefore)} is in the future`);
        const bars = { writing: progressBar('writing'), pruning: progressBar('pruning') };
        const runs = await archiveClosedCases(
          { engine: rt.engine, runs: rt.archives.runs, reader: rt.archives.reader, anchors: rt.anchors, anchor: loadAnchorSetup(rt.config) },
          {
            closedBefore: opts.closedBefore, outDir, createdBy: `${os.userInfo().username}@${os.hostname()}`,
            onProgress: (phase, done, total) => {
              if (phase === 'pruning') bars.writing.stop();
              bars[phase].update(done, total);
            },
          },
        ).finally(() => {
          bars.writing.stop();
          bars.pruning.stop();
        });
        if (runs.length === 0) console.log(`nothing to archive: no case closed before ${formatChinaTime(opts.closedBefore)} is left in the database`);
        for (const { archive: a, resumed } of runs) {
          console.log(`${resumed ? 'finished the interrupted archive' : 'archived'} ${a.id}: ${a.cases} case(s) in ${a.dir}, hash ${a.archiveHash}, Merkle root ${a.merkleRoot}${a.anchorCheckpoint === null ? '' : `, anchor checkpoint ${a.anchorCheckpoint}`}; runtime rows pruned`);
        }
      });
    });

  audit
    .command('verify-archive <dir>')
    .description('check an archive: every case file against the manifest and its own hash chain and replay, the manifest\'s hash and Merkle root against the database\'s record (and an anchor log\'s); exit 1 naming each case that fails')
    .option('--anchors <log>', 'also check that a signed checkpoint of this anchor log records the archive with the same hash and root')
    .option('--anchor-public-key <file>', 'the public key (PEM) checkpoints must be signed with; repeat for rotated keys (default: the key the log carries)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--offline', 'do not open the database: check the archive on its own (and against --anchors)')
    .action(async (dir: string, opts: { anchors?: string; anchorPublicKey: string[]; offline?: boolean }) => {
      const keys: AnchorPublicKey[] = [];
      for (const file of opts.anchorPublicKey) keys.push(anchorPublicKey(await readFile(file, 'utf8')));
      let anchorLog: { text: string; keys?: AnchorPublicKey[] } | undefined;
      if (opts.anchors !== undefined) {
        try {
          anchorLog = { text: await readFile(opts.anchors, 'utf8'), ...(keys.length > 0 ? { keys } : {}) };
        } catch (err) {
          throw new CommandError('invalid_file', `${opts.anchors}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
      }
      const bar = progressBar('verifying');
      const run = (reader?: Runtime['archives']['reader']) => verifyArchive(dir, { reader, anchorLog, onProgress: (d, t) => bar.update(d, t) }).finally(() => bar.stop());
      const report = opts.offline ? await run() : await withRuntime((rt) => run(rt.archives.reader), { registerBuiltins: false });
      printArchiveReport(report, { database: !opts.offline, anchors: opts.anchors !== undefined });
      if (!report.ok) process.exitCode = 1;
    });
}

function printArchiveReport(r: ArchiveVerifyReport, checked: { database: boolean; anchors: boolean }): void {
  console.log(`archive ${r.archiveId ?? '?'}: ${r.cases} case(s), ${r.events} event(s) checked, hash ${r.archiveHash ?? '?'}`);
  for (const f of r.failures) console.log(f.caseId === null ? `✗ ${f.reason}` : `✗ case ${f.caseId}${f.seq ? ` seq ${f.seq}` : ''}: ${f.reason}`);
  if (!r.ok) return;
  console.log('✓ every case file matches the manifest, its hash chain and its replay; the Merkle root matches the cases');
  if (checked.database) console.log(`✓ the hash and root are the ones the database recorded (${r.recorded?.state === 'pruned' ? 'runtime rows pruned' : `state ${r.recorded?.state}`})`);
  if (checked.anchors) console.log(`✓ anchor checkpoint ${r.anchorCheckpoint} records this archive with the same hash and root`);
}
