/**
 * The knex store under real multi-process contention: several OS processes
 * start on a bare database at once, migrate it, and append to one case. This
 * is the claim that matters for SQLite (writers take the write lock before
 * reading, so two processes never deadlock upgrading a read lock; busy_timeout
 * makes the loser wait) and for PostgreSQL (advisory-locked migrations,
 * SELECT … FOR UPDATE). In-process tests cannot show it: a second SQLite
 * connection in the same thread would block the event loop while it waits.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createKnexStore, type KnexStoreOptions } from '../../../engine/adapters/knex-store.js';
import { postgresAvailableForSuite, postgresUrl } from '../../support/services.js';
import type { WriterArgs } from '../../support/store-writer-process.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const PROCESSES = 3;
const WRITES = 20;

function bareSqlite(): KnexStoreOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-procs-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { sqliteFile: path.join(dir, 'duban.sqlite') };
}

function barePostgres(): KnexStoreOptions {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  onTestFinished(async () => {
    const store = createKnexStore({ databaseUrl: postgresUrl() });
    await store.knex.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]).finally(() => store.close());
  });
  return { databaseUrl: postgresUrl(), schema };
}

const backends = [
  { name: 'sqlite', bare: bareSqlite, enabled: true },
  { name: 'postgres', bare: barePostgres, enabled: await postgresAvailableForSuite() },
];

describe.each(backends)('knex store shared by several processes ($name)', ({ bare, enabled }) => {
  it.skipIf(!enabled)(`migrates a bare database and appends ${PROCESSES}×${WRITES} events to one case without a gap`, { timeout: 60_000 }, async () => {
    const options = bare();
    const writers = Array.from({ length: PROCESSES }, (_, n) => {
      const args: WriterArgs = { options, caseId: 'shared', writes: WRITES, writer: `p${n}` };
      return run(process.execPath, ['--import', 'tsx', 'test/support/store-writer-process.ts', JSON.stringify(args)], { cwd: root });
    });
    // allSettled: a failed writer must not let cleanup run while its siblings still write.
    const settled = await Promise.allSettled(writers);
    const outputs = settled.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    expect(outputs.map((o) => (JSON.parse(o.stdout) as { attempts: number }).attempts >= WRITES)).toEqual(Array(PROCESSES).fill(true));

    const store = createKnexStore(options);
    onTestFinished(() => store.close());
    const events = await store.listEvents('shared');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: PROCESSES * WRITES + 1 }, (_, i) => i + 1));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    for (let n = 0; n < PROCESSES; n++) expect(events.filter((e) => e.payload.writer === `p${n}`)).toHaveLength(WRITES);
  });
});
