/**
 * `duban serve` and the people commands, run as a person would: a fresh
 * SQLite file, the root admin (or the demo) on first start only and no token
 * on later starts, a taken port refused before anything is printed, expired
 * tokens refused, graceful exit on SIGTERM; `orgs import`, `users create`,
 * `tokens issue` and `tokens revoke` from the command line, their input
 * checked like the API's.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueToken } from '../../server/access.js';
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

/** A port nobody listens on now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

// The embedded mode, whatever the developer's shell exports.
const env = () => ({ PORT: '0', DUBAN_DB: path.join(dir, 'duban.sqlite'), DUBAN_LOG_LEVEL: 'silent', DATABASE_URL: '', REDIS_URL: '', SMTP_URL: '', DUBAN_PUBLIC_URL: '' });

describe('startServer', () => {
  it('loads the demo (orgs, users, sample cases) when asked, prints its tokens once, and prints no token on a restart', async () => {
    let adminToken = '';
    for (const start of [1, 2]) {
      const lines: string[] = [];
      const rt = await openRuntime(loadConfig(env()));
      const running = await startServer(rt, { print: (l) => lines.push(l), installSignals: false, demo: true, demoCases: true });
      try {
        if (start === 1) {
          expect(lines.some((l) => l.startsWith('Demo users created'))).toBe(true);
          expect(lines).toContain('Demo cases opened: DEMO-H-0001, DEMO-H-0002, DEMO-H-0003, DEMO-H-0004, DEMO-H-0005');
          adminToken = lines.find((l) => l.trimStart().startsWith('admin '))!.trim().split(/\s+/).pop()!;
        } else {
          // Nothing new to create, so nothing secret to show: no token, no first-start line.
          expect(lines.filter((l) => /token|Demo/i.test(l))).toEqual([]);
        }
        const me = await fetch(`${running.url}/api/v1/me`, { headers: { Authorization: `Bearer ${adminToken}` } });
        expect(await me.json()).toMatchObject({ user: { id: 'admin', roles: ['admin'] }, org: { id: 'jiangzhou', name: '江州市' } });
        const orgs = await fetch(`${running.url}/api/v1/orgs`, { headers: { Authorization: `Bearer ${adminToken}` } });
        expect(((await orgs.json()) as { items: unknown[] }).items).toHaveLength(12);
        const cases = await fetch(`${running.url}/api/v1/cases?workflow=hazard`, { headers: { Authorization: `Bearer ${adminToken}` } });
        expect(((await cases.json()) as { items: unknown[] }).items).toHaveLength(5);
      } finally {
        await running.shutdown('test');
      }
    }
  });

  it('creates the root admin on the first start of an empty database only, and refuses an expired token with token_expired', async () => {
    const tokens: string[] = [];
    for (const start of [1, 2]) {
      const lines: string[] = [];
      const rt = await openRuntime(loadConfig(env()));
      const running = await startServer(rt, { print: (l) => lines.push(l), installSignals: false, demo: false });
      try {
        const tokenLines = lines.filter((l) => /token/i.test(l));
        if (start === 1) {
          expect(tokenLines).toHaveLength(1);
          tokens.push(tokenLines[0]!.split(': ').pop()!);
          const me = await fetch(`${running.url}/api/v1/me`, { headers: { Authorization: `Bearer ${tokens[0]}` } });
          expect(await me.json()).toMatchObject({ user: { id: 'admin', roles: ['admin'] }, org: { id: 'root', parentId: null } });
        } else {
          expect(tokenLines).toEqual([]);
          const past = await issueToken(rt.people, rt.engine.clock, 'admin', { label: 'old', expiresAt: new Date(Date.now() - 1000).toISOString() });
          const future = await issueToken(rt.people, rt.engine.clock, 'admin', { label: 'new', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
          const expired = await fetch(`${running.url}/api/v1/me`, { headers: { Authorization: `Bearer ${past.token}` } });
          expect(expired.status).toBe(401);
          expect(await expired.json()).toMatchObject({ error: { code: 'token_expired' } });
          expect((await fetch(`${running.url}/api/v1/me`, { headers: { Authorization: `Bearer ${future.token}` } })).status).toBe(200);
          // The admin issues a token with an expiry through the API too; one in the past is refused.
          const auth = { Authorization: `Bearer ${tokens[0]}`, 'content-type': 'application/json' };
          const issued = await fetch(`${running.url}/api/v1/users/admin/tokens`, { method: 'POST', headers: auth, body: JSON.stringify({ expiresAt: '2020-01-01T00:00:00Z' }) });
          expect(issued.status).toBe(400);
        }
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
    const running = await startServer(rt, { print: (l) => lines.push(l), installSignals: false, demo: true });
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

describe('duban CLI', { timeout: 180_000 }, () => {
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
    await expect(run(['users', 'create', '--org', 'nowhere', '--roles', 'inspector', '--name', 'n'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('org_not_found') });
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
    await expect(run(['users', 'create', '--org', 'hebin', '--roles', 'inspector', '--name', 'B', '--email', 'nope'])).rejects.toMatchObject({ code: 2, stderr: 'error [invalid_argument]: --email: must be an e-mail address\n' });
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

  it('creates the root admin on the first start, refuses a second serve on the taken port with one line and no token, issues tokens from the CLI, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/duban.js', 'serve'], { env: { ...process.env, ...env(), PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 120_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const m = /listening on (http:\/\/\S+)[\s\S]*Root admin token[^\n]*: (\S+)\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    try {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const second = await run(['serve'], { PORT: String(port) }).catch((e: { code: number; stdout: string; stderr: string }) => e);
      expect(second).toMatchObject({ code: 2, stdout: '' });
      expect((second as { stderr: string }).stderr).toBe(`error [port_in_use]: port ${port} on 127.0.0.1 is already in use (another duban serve?); stop that process or set PORT to a free port\n`);
      const issued = (await run(['tokens', 'issue', 'admin', '--expires-in', '30d', '--quiet'])).stdout.trim();
      expect((await fetch(`${url}/api/v1/me`, { headers: { Authorization: `Bearer ${issued}` } })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a wrong org level and an unknown role with one line naming the allowed values, exit 2', async () => {
    fs.writeFileSync(path.join(dir, 'tree.json'), JSON.stringify({ id: 'donghu', name: '东湖区', level: 'district' }));
    const level = await run(['orgs', 'import', path.join(dir, 'tree.json')]).catch((e: { code: number; stderr: string }) => e);
    expect(level).toMatchObject({ code: 2, stderr: `error [invalid_file]: ${path.join(dir, 'tree.json')}: level: "district" is not allowed (a district (区) is county-level: write "county"); allowed: province, city, county, township, grid, enterprise\n` });
    const role = await run(['users', 'create', '--org', 'donghu', '--roles', 'inspectr', '--name', '张检']).catch((e: { code: number; stderr: string }) => e);
    expect(role).toMatchObject({ code: 2 });
    const lines = (role as { stderr: string }).stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error \[invalid_argument\]: --roles: "inspectr" is not a known role \(did you mean inspector\?\); known roles: admin, .*\binspector\b.*\btownshipSafetyOffice\b/);
  });
});
