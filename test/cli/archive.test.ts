/**
 * `duban archive` and `duban audit verify-archive` as an operator runs them,
 * and the backup/restore procedure of the README: a PostgreSQL dump, the
 * archives and the anchor log, restored into a fresh database on another
 * path, pass `audit verify --anchors` and `verify-archive`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, createKnexStore, createManualClock, generateAnchorKey } from '../../engine/index.js';
import { chief, clerk, counterWorkflow } from '../support/counter-workflow.js';
import { postgresAvailableForSuite, postgresUrl } from '../support/services.js';

const run = promisify(execFile);
const bin = new URL('../../bin/duban.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'duban-archive-cli-'));
/** A test's time budget: a CLI spawn compiles the TypeScript CLI first, which takes seconds on a busy machine. */
const SPAWNS = (n: number) => 30_000 + n * 90_000;
const withPostgres = await postgresAvailableForSuite();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `duban …` with `env` added; returns exit code and output, never throws. */
async function duban(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env }, timeout: 120_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** Opens `closed` counter cases that close in January 2026 and one still open; returns their ids (the open one last). */
async function seed(store: ReturnType<typeof createKnexStore>, closed: number): Promise<string[]> {
  await store.migrate();
  const engine = await createEngine({ store, clock: createManualClock('2026-01-05T01:00:00.000Z'), workflows: [counterWorkflow] });
  const ids: string[] = [];
  for (let i = 0; i <= closed; i++) {
    const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    await engine.send(c.id, { type: 'note', payload: { text: `第${i + 1}次检查` } }, clerk);
    if (i < closed) {
      await engine.send(c.id, { type: 'submit' }, clerk);
      await engine.send(c.id, { type: 'approve' }, chief);
    }
    ids.push(c.id);
  }
  await store.close();
  return ids;
}

describe('duban archive on SQLite', () => {
  const db = join(dir, 'sqlite', 'duban.sqlite');
  const env = { DUBAN_DB: db };
  it('archives the closed cases with a summary line, reads their history from the archive, and names the case whose file was changed', async () => {
    const ids = await seed(createKnexStore({ sqliteFile: db }), 2);
    const refused = await duban(env, 'archive', '--closed-before', 'next week', '--out', join(dir, 'sqlite', 'archives'));
    expect(refused.code).toBe(2);
    const r = await duban(env, 'archive', '--closed-before', '2026-02-01', '--out', join(dir, 'sqlite', 'archives'));
    expect(r.code).toBe(0);
    // Not a terminal: no bar, one line per run.
    expect(r.out).toMatch(/^archived arc-\S+: 2 case\(s\) in .*, hash [0-9a-f]{64}, Merkle root [0-9a-f]{64}; runtime rows pruned\n$/);
    const [archiveId] = readdirSync(join(dir, 'sqlite', 'archives'));
    const archiveDir = join(dir, 'sqlite', 'archives', archiveId!);

    const history = await duban(env, 'cases', 'history', ids[0]!);
    expect(history.code).toBe(0);
    expect(history.out.trim().split('\n')).toHaveLength(4);

    const ok = await duban(env, 'audit', 'verify-archive', archiveDir);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('✓ the hash and root are the ones the database recorded (runtime rows pruned)');

    const file = join(archiveDir, 'cases', `${encodeURIComponent(ids[1]!)}.json`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('第2次检查', '第9次检查'));
    const bad = await duban(env, 'audit', 'verify-archive', archiveDir, '--offline');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`✗ case ${ids[1]}: its file cases/${encodeURIComponent(ids[1]!)}.json does not match the hash the manifest lists`);
  }, SPAWNS(5));
});

describe.skipIf(!withPostgres)('backup and restore on PostgreSQL', () => {
  const name = `duban_arc_${randomBytes(4).toString('hex')}`;
  const urlOf = (db: string) => {
    const u = new URL(postgresUrl());
    u.pathname = `/${db}`;
    return u.toString();
  };
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  afterAll(async () => {
    for (const db of [`${name}_src`, `${name}_dst`]) {
      // Only the backends of this test's own databases.
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}' AND pid <> pg_backend_pid()`);
      await admin(`DROP DATABASE IF EXISTS ${db}`);
    }
  });

  it('restores a dump, the archives and the anchor log into a fresh database that passes audit verify --anchors and verify-archive', async () => {
    const live = join(dir, 'pg-live');
    const key = join(dir, 'anchor.pem');
    writeFileSync(key, generateAnchorKey().privateKeyPem);
    await admin(`CREATE DATABASE ${name}_src`);
    const ids = await seed(createKnexStore({ databaseUrl: urlOf(`${name}_src`) }), 3);
    const env = { DATABASE_URL: urlOf(`${name}_src`), DUBAN_DB: join(live, 'unused.sqlite'), DUBAN_ANCHOR_KEY: key, DUBAN_ANCHOR_LOG: join(live, 'anchors.jsonl'), DUBAN_ARCHIVE_DIR: join(live, 'archives') };
    // A checkpoint before archiving: it anchors heads whose events then move to the archive.
    expect((await duban(env, 'audit', 'anchor')).code).toBe(0);
    const archived = await duban(env, 'archive', '--closed-before', '2026-02-01');
    expect(archived.code).toBe(0);
    expect(archived.out).toMatch(/archived arc-\S+: 3 case\(s\) .*, anchor checkpoint 2; runtime rows pruned/);

    // Back up: the database, the archives, the anchor log. Then lose the machine.
    const backup = join(dir, 'backup');
    mkdirSync(backup, { recursive: true });
    await run('pg_dump', ['--no-owner', '--file', join(backup, 'duban.sql'), urlOf(`${name}_src`)]);
    cpSync(join(live, 'archives'), join(backup, 'archives'), { recursive: true });
    cpSync(join(live, 'anchors.jsonl'), join(backup, 'anchors.jsonl'));
    rmSync(live, { recursive: true, force: true });

    // Restore on another path, into a fresh database.
    const restored = join(dir, 'pg-restored');
    await admin(`CREATE DATABASE ${name}_dst`);
    await run('psql', ['--quiet', '-v', 'ON_ERROR_STOP=1', '--file', join(backup, 'duban.sql'), urlOf(`${name}_dst`)]);
    cpSync(join(backup, 'archives'), join(restored, 'archives'), { recursive: true });
    cpSync(join(backup, 'anchors.jsonl'), join(restored, 'anchors.jsonl'));
    const env2 = { DATABASE_URL: urlOf(`${name}_dst`), DUBAN_DB: join(restored, 'unused.sqlite'), DUBAN_ARCHIVE_DIR: join(restored, 'archives') };

    const verified = await duban(env2, 'audit', 'verify', '--no-progress', '--anchors', join(restored, 'anchors.jsonl'));
    expect(verified.out).toContain('4 case(s), 2 event(s) checked; 3 archived case(s)');
    expect(verified.out).toContain('✓ every anchored case head is still in the database');
    expect(verified.code).toBe(0);
    const [archiveId] = readdirSync(join(restored, 'archives'));
    const archive = await duban(env2, 'audit', 'verify-archive', join(restored, 'archives', archiveId!), '--anchors', join(restored, 'anchors.jsonl'));
    expect(archive.out).toContain(`archive ${archiveId}: 3 case(s), 12 event(s) checked`);
    expect(archive.out).toContain('✓ anchor checkpoint 2 records this archive with the same hash and root');
    expect(archive.code).toBe(0);
    const history = await duban(env2, 'cases', 'history', ids[0]!);
    expect(history.code).toBe(0);
    expect(history.out).toContain('approve');
  }, SPAWNS(6));
});
