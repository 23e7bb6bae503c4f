/**
 * knex's migration lock as `store.migrate()` meets it: a lock table left with
 * two rows by two processes starting on a bare database (which no update
 * could ever lock again) is repaired, and a lock nobody releases ends the
 * wait with an error that says how to clear it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createKnexStore } from '../../../engine/adapters/knex-store.js';
import { MIGRATIONS, MIGRATIONS_LOCK_TABLE, MIGRATIONS_TABLE, migrateToLatest } from '../../../engine/adapters/migrations/index.js';

function sqliteStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-miglock-'));
  const store = createKnexStore({ sqliteFile: path.join(dir, 'duban.sqlite') });
  onTestFinished(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

describe('store.migrate() and the migration lock', () => {
  it('creates one lock row on a bare database and keeps one when run again', async () => {
    const store = sqliteStore();
    await store.migrate();
    await store.migrate();
    expect(await store.knex(MIGRATIONS_LOCK_TABLE).select('is_locked')).toEqual([{ is_locked: 0 }]);
    expect(await store.knex(MIGRATIONS_TABLE).count({ n: '*' })).toEqual([{ n: MIGRATIONS.length }]);
  });

  it('repairs a lock table an earlier race left with two rows', async () => {
    const store = sqliteStore();
    await store.migrate();
    await store.knex(MIGRATIONS_LOCK_TABLE).insert({ is_locked: 0 });
    await store.migrate();
    expect(await store.knex(MIGRATIONS_LOCK_TABLE).select('index', 'is_locked')).toEqual([{ index: 1, is_locked: 0 }]);
  });

  it('gives up after its wait on a lock nobody releases, naming the statement that clears it', async () => {
    const store = sqliteStore();
    await store.migrate();
    await store.knex(MIGRATIONS_LOCK_TABLE).update({ is_locked: 1 });
    const err = await migrateToLatest(store.knex, 300).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'MigrationLockTimeout' });
    expect((err as Error).message).toContain(`UPDATE ${MIGRATIONS_LOCK_TABLE} SET is_locked = 0`);
  });
});
