/**
 * Real `duban` child processes for the multi-process fault tests and the scale
 * bench: `duban serve` and `duban worker` started as `node bin/duban.js …`,
 * each in its own process group so a SIGKILL reaches all of it, with the
 * environment spelled out (nothing inherited from the test's own settings).
 *
 * Every process started here is remembered, and killed when the test process
 * exits, so a failing or interrupted test leaves no server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI entry every child runs. */
export const DUBAN_BIN = path.join(ROOT, 'bin/duban.js');
/** How long a process may take to say it is ready (tsx compiles on first start; the machine is shared). */
const READY_TIMEOUT_MS = 60_000;
/** Lines kept of a child's output, for failure messages. */
const KEPT_LINES = 200;

/** The variables a child is started with besides `PATH`/`HOME`: the test's own `DATABASE_URL` etc. never leak in. */
export type DubanEnv = Record<string, string>;

/** One running `duban` process. */
export interface DubanProcess {
  readonly name: string;
  readonly pid: number;
  /** `serve`: its base URL (`http://127.0.0.1:<port>`); `worker`: undefined. */
  readonly url: string | undefined;
  /** Every line it printed (stdout and stderr, the last few hundred). */
  readonly output: string[];
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Whether it has not exited. */
  readonly running: boolean;
  /** SIGKILL to its process group; resolves when it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** A TCP port nobody listens on now (bound on 0 and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `duban <args>` and resolves once it is ready: `serve` when it printed
 * its URL, `worker` when it printed its queues. Fails with the process's
 * output when it exits first or takes longer than a minute.
 */
export async function startDuban(name: string, args: string[], env: DubanEnv): Promise<DubanProcess> {
  const child = spawn(process.execPath, [DUBAN_BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', ...env },
    detached: true, // its own process group: kill9 reaches every process it forks
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    live.delete(child);
    resolve(code);
  }));
  let url: string | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > KEPT_LINES) output.shift();
      const listening = /^Duban listening on (http:\/\/\S+)/.exec(line);
      if (listening) {
        url = listening[1];
        resolve();
      } else if (line.startsWith('Duban worker ')) resolve();
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const l of lines) onLine(l);
      });
    }
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output.join('\n')}`)));
  });
  const timeout = setTimeout(() => killGroup(child, 'SIGKILL'), READY_TIMEOUT_MS);
  try {
    await ready;
  } finally {
    clearTimeout(timeout);
  }
  const proc: DubanProcess = {
    name,
    pid: child.pid!,
    get url() {
      return url;
    },
    output,
    exited,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async kill9() {
      killGroup(child, 'SIGKILL');
      await exited;
    },
    async stop(graceMs = 15_000) {
      killGroup(child, 'SIGTERM');
      const force = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(force);
    },
  };
  return proc;
}

/** Runs `duban <args>` to its end; resolves with its exit code and output. */
export function runDuban(args: string[], env: DubanEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DUBAN_BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('exit', (code) => {
      live.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Waits until `check` returns a truthy value, polling every `intervalMs`;
 * throws `what` with the last value seen after `timeoutMs`.
 */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const until = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 100));
  }
}
