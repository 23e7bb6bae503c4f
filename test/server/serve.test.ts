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
import { eventually, startSmtp } from '../notifications/support.js';
import { alertWorkflow } from './support.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-serve-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// The embedded mode, whatever the developer's shell exports.
const env = () => ({ PORT: '0', DUBAN_DB: path.join(dir, 'duban.sqlite'), DUBAN_LOG_LEVEL: 'silent', DATABASE_URL: '', REDIS_URL: '', SMTP_URL: '', DUBAN_PUBLIC_URL: '' });

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
        expect(((await orgs.json()) as { items: unknown[] }).items).toHaveLength(12);
        expect((await fetch(`${running.url}/api/v1/workflows`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      } finally {
        await running.shutdown('test');
      }
    }
  });
});

describe('startServer with notifications', () => {
  it('delivers a step notification to the inbox and by mail in the embedded mode, linking to DUBAN_PUBLIC_URL', async () => {
    const smtp = await startSmtp();
    const lines: string[] = [];
    const rt = await openRuntime(loadConfig({ ...env(), SMTP_URL: smtp.url, DUBAN_PUBLIC_URL: 'https://duban.example.test/' }));
    const running = await startServer(rt, { print: (l) => lines.push(l), installSignals: false });
    try {
      expect(running.mode).toBe('embedded');
      expect(lines).toContainEqual(expect.stringMatching(/^Notifications: inbox: on .*; e-mail: on, smtp:\/\/127\.0\.0\.1:\d+, From 督办 <duban@localhost>; webhook: off .*; links: https:\/\/duban\.example\.test$/));
      const token = (user: string) => lines.find((l) => l.trimStart().startsWith(`${user} `))!.trim().split(/\s+/).pop()!;
      const call = async (user: string, method: string, url: string, body?: unknown) => {
        const res = await fetch(`${running.url}${url}`, { method, headers: { Authorization: `Bearer ${token(user)}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        return { status: res.status, body: (await res.json()) as Record<string, any> };
      };
      expect((await call('admin', 'POST', '/api/v1/workflows', alertWorkflow)).status).toBe(201);
      const opened = await call('inspector', 'POST', '/api/v1/cases', { workflowId: 'alert', org: 'donghu-qingshui-g1' });
      expect(opened.status).toBe(201);
      const caseId = opened.body.case.id as string;
      expect((await call('inspector', 'POST', `/api/v1/cases/${caseId}/events`, { type: 'assign' })).status).toBe(200);
      await eventually(() => smtp.mails.length === 1);
      expect(smtp.mails[0]!.envelopeTo).toEqual(['grid-officer@example.test']);
      expect(smtp.mails[0]!.parsed.subject).toBe(`【待办】安全提醒 ${caseId}`);
      expect(smtp.mails[0]!.parsed.from?.value[0]).toMatchObject({ name: '督办', address: 'duban@localhost' });
      expect(smtp.mails[0]!.parsed.text).toContain(`https://duban.example.test/cases/${caseId}`);
      await eventually(async () => (await call('grid-officer', 'GET', '/api/v1/notifications')).body.unread === 1);
    } finally {
      await running.shutdown('test');
      await smtp.close();
    }
  });

  it('says at start-up that e-mail is off without SMTP_URL', async () => {
    const lines: string[] = [];
    const rt = await openRuntime(loadConfig(env()));
    const running = await startServer(rt, { print: (l) => lines.push(l), installSignals: false, demo: false });
    try {
      expect(lines).toContainEqual(expect.stringContaining('e-mail: off (set SMTP_URL to send mail)'));
      expect(lines).toContainEqual(expect.stringContaining(`links: ${running.url} (set DUBAN_PUBLIC_URL`));
    } finally {
      await running.shutdown('test');
    }
  });
});

describe('duban CLI', () => {
  const run = (args: string[], extra: Record<string, string> = {}) => promisify(execFile)(process.execPath, ['bin/duban.js', ...args], { env: { ...process.env, ...env(), ...extra } });

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

  it('creates a user with an e-mail address and a locale', async () => {
    fs.writeFileSync(path.join(dir, 'tree.json'), JSON.stringify({ id: 'hebin', name: '河滨市', level: 'city' }));
    await run(['orgs', 'import', path.join(dir, 'tree.json')]);
    const created = await run(['users', 'create', '--org', 'hebin', '--roles', 'inspector', '--name', 'Ann', '--id', 'ann', '--email', 'ann@example.test', '--locale', 'en']);
    expect(created.stdout).toContain('created user ann (inspector) in hebin, e-mail ann@example.test, notifications in en');
    const rt = await openRuntime(loadConfig(env()), { registerBuiltins: false });
    try {
      expect(await rt.people.getUser('ann')).toMatchObject({ email: 'ann@example.test', locale: 'en', webhookUrl: null });
    } finally {
      await rt.close();
    }
    await expect(run(['users', 'create', '--org', 'hebin', '--roles', 'inspector', '--name', 'B', '--email', 'nope'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--email: must be an e-mail address') });
  });

  it('validates a workflow file against the notification templates', async () => {
    const def = { id: 'bad-notice', version: 1, title: '坏通知', roles: ['clerk'], data: { type: 'object', properties: {} }, initial: 'open', states: { open: { on: { go: { target: 'done', roles: ['clerk'], notify: [{ template: 'no-such-template', to: [{ role: 'clerk' }] }] } } }, done: { type: 'final' } } };
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(def));
    await expect(run(['workflows', 'validate', path.join(dir, 'bad.json')])).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining('states.open.on.go.notify[0].template  [unknown_template]') });
  });

  it('refuses `duban worker` without DATABASE_URL, and `duban serve` with REDIS_URL but no DATABASE_URL, with exit code 2', async () => {
    const worker = run(['worker'], { REDIS_URL: 'redis://127.0.0.1:6379' });
    await expect(worker).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('DATABASE_URL: is required by duban worker') });
    await expect(run(['worker'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/DATABASE_URL: is required[\s\S]*REDIS_URL: is required/) });
    await expect(run(['serve'], { REDIS_URL: 'redis://127.0.0.1:6379' })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('DATABASE_URL: is required with REDIS_URL') });
    // Nothing was created on the way out.
    expect(fs.existsSync(path.join(dir, 'duban.sqlite'))).toBe(false);
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
