/**
 * The README's "Getting started" runs as written: every command in a
 * ```sh readme-test block, in order, in one bash session (so `export TOKEN=…`
 * carries on) from the repository root, against a temporary data folder and
 * a free port. `npm start` / `npx duban serve` lines start the server in the
 * background (the README says to leave it running) and wait until it
 * listens; `localhost:3000` in a command becomes the test's port. The first
 * command that fails stops the run and is named.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'duban-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** The README's tagged commands, in order. */
export function readmeCommands(readme: string): string[] {
  return [...readme.matchAll(/```sh readme-test\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
}

describe('README', () => {
  it('runs the Getting started commands in order on a fresh data folder, each succeeding', async () => {
    const commands = readmeCommands(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(commands.length).toBeGreaterThan(10);
    const port = await freePort();
    const script = [
      'set -eo pipefail',
      `trap 'echo "README command failed: $BASH_COMMAND" >&2' ERR`,
      `trap '[ -n "$SERVER" ] && kill -TERM -- -$SERVER 2>/dev/null; wait 2>/dev/null; true' EXIT`,
      'start_server() {',
      `  setsid "$@" > ${dir}/serve.log 2>&1 & SERVER=$!`,
      '  for _ in $(seq 1 600); do',
      `    grep -q 'listening on' ${dir}/serve.log && return 0`,
      `    kill -0 $SERVER 2>/dev/null || { cat ${dir}/serve.log >&2; return 1; }`,
      '    sleep 0.2',
      '  done',
      '  return 1',
      '}',
      ...commands.map((c) => {
        const cmd = c.replace(/\b(localhost|127\.0\.0\.1):3000\b/g, `127.0.0.1:${port}`);
        return /^(npm start|npx duban serve)\b/.test(cmd) ? `echo "$ ${cmd}"; start_server ${cmd}` : `echo "$ ${cmd.replace(/["$`\\]/g, '\\$&')}"; ${cmd}; echo`;
      }),
      `cat ${dir}/serve.log`,
    ].join('\n');
    const env = { ...process.env, DUBAN_DB: join(dir, 'duban.sqlite'), PORT: String(port), DATABASE_URL: '', REDIS_URL: '', SMTP_URL: '', DUBAN_PUBLIC_URL: '', DUBAN_LOG_LEVEL: 'silent' };
    const child = spawn('bash', ['-c', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out, out).not.toContain('README command failed');
    expect(code, out).toBe(0);
    // What each step promised: the root admin's token printed by init, none by the server; the case closed; the chain verified.
    expect(out).toMatch(/token \(shown once; only its hash is stored\): \S{43}/);
    expect(out).not.toMatch(/Root admin token|Admin token/);
    expect(out).toContain('"status":"done"');
    expect(out).toContain('every hash chain and replay matches');
  }, 600_000);
});
