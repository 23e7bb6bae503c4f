/**
 * `duban serve` and the people commands, run as a person would: a fresh
 * SQLite file, the demo data on first start only, an admin token printed
 * each start, graceful exit on SIGTERM; `orgs import`, `users create` and
 * `tokens revoke` from the command line.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { openRuntime } from '../../server/main.js';
import { startServer } from '../../server/serve.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-serve-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = () => ({ PORT: '0', DUBAN_DB: path.join(dir, 'duban.sqlite'), DUBAN_LOG_LEVEL: 'silent' });

describe('startServer', () => {
  it('loads the demo data on first start only, prints the URL and a working admin token each start', async () => {
    for (const start of [1, 2]) {
      const lines: string[] = [];
      const rt = await openRuntime(loadConfig(env()));
      const running = await startServer(rt, { print: (l) => lines.push(l), installSignals: false });
      try {
        expect(lines.some((l) => l.startsWith('Demo users created'))).toBe(start === 1);
        const token = lines.find((l) => l.startsWith('Admin token: '))!.slice('Admin token: '.length);
        const me = await fetch(`${running.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
        expect(await me.json()).toMatchObject({ user: { id: 'admin', roles: ['admin'] }, org: { id: 'jiangzhou', name: '江州市' } });
        const orgs = await fetch(`${running.url}/api/v1/orgs`, { headers: { Authorization: `Bearer ${token}` } });
        expect(((await orgs.json()) as { items: unknown[] }).items).toHaveLength(10);
        expect((await fetch(`${running.url}/api/v1/workflows`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      } finally {
        await running.shutdown('test');
      }
    }
  });
});

describe('duban CLI', () => {
  const run = (args: string[]) => promisify(execFile)(process.execPath, ['bin/duban.js', ...args], { env: { ...process.env, ...env() } });

  it('imports an org tree, creates a user with a token and revokes it', async () => {
    const tree = { id: 'hebin', name: '河滨市', level: 'city', children: [{ id: 'hebin-nan', name: '南区', level: 'county' }] };
    fs.writeFileSync(path.join(dir, 'tree.json'), JSON.stringify(tree));
    expect((await run(['orgs', 'import', path.join(dir, 'tree.json')])).stdout).toContain('2 org(s) created');
    expect((await run(['orgs', 'import', path.join(dir, 'tree.json')])).stdout).toContain('0 org(s) created, 2 already there');
    const created = await run(['users', 'create', '--org', 'hebin-nan', '--roles', 'inspector,admin', '--name', '李四', '--id', 'lisi']);
    const m = /token (tok_[0-9a-f]+): ([A-Za-z0-9_-]{43})/.exec(created.stdout);
    expect(m).not.toBeNull();
    const rt = await openRuntime(loadConfig(env()), { registerBuiltins: false });
    try {
      expect(await rt.people.getUser('lisi')).toMatchObject({ orgId: 'hebin-nan', roles: ['inspector', 'admin'] });
      expect((await run(['tokens', 'revoke', m![2]!])).stdout).toContain(`revoked ${m![1]}`);
      expect((await rt.people.findToken({ id: m![1]! }))?.revokedAt).not.toBeNull();
    } finally {
      await rt.close();
    }
    await expect(run(['users', 'create', '--org', 'nowhere', '--roles', 'x', '--name', 'n'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('org_not_found') });
  });

  it('serves until SIGTERM, then exits 0 after finishing', async () => {
    const child = spawn(process.execPath, ['bin/duban.js', 'serve'], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
