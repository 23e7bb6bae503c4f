/**
 * A fresh, migrated store per test, on the real datastore: a new SQLite file
 * under the OS temp directory, or a new random schema on the test PostgreSQL
 * database. `cleanup` closes the store and removes what it created.
 *
 * ```ts
 * const { store, cleanup } = await freshSqliteStore();
 * onTestFinished(cleanup);
 * ```
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKnexStore, type KnexStore, type KnexStoreOptions } from '../../engine/adapters/knex-store.js';
import { postgresUrl } from './services.js';

/** A store made for one test and the function that disposes of it. */
export interface FreshStore {
  store: KnexStore;
  /** Closes the store and deletes its file or schema. Safe to call twice. */
  cleanup: () => Promise<void>;
  /** Opens another store on the same data, like a second process would (the caller closes it). */
  reopen: () => KnexStore;
}

/** Store options a test may add (snapshot interval, writers, statement hook). */
export type ExtraStoreOptions = Pick<KnexStoreOptions, 'snapshotEvery' | 'writers' | 'onStatement'>;

/** A migrated store on a new SQLite file in a new temp directory. */
export async function freshSqliteStore(extra: ExtraStoreOptions = {}): Promise<FreshStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-store-'));
  const sqliteFile = path.join(dir, 'duban.sqlite');
  const store = createKnexStore({ sqliteFile, ...extra });
  let cleaned = false;
  const fresh: FreshStore = {
    store,
    reopen: () => createKnexStore({ sqliteFile }),
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return migrated(fresh);
}

/** A migrated store in a new schema `t_<random>` of the test PostgreSQL database. */
export async function freshPostgresStore(extra: ExtraStoreOptions = {}): Promise<FreshStore> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const databaseUrl = postgresUrl();
  const store = createKnexStore({ databaseUrl, schema, ...extra });
  let cleaned = false;
  return migrated({
    store,
    reopen: () => createKnexStore({ databaseUrl, schema }),
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      try {
        await store.knex.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      } finally {
        await store.close();
      }
    },
  });
}

/** Migrates the fresh store, or removes it again when that fails, so a broken migration leaves nothing behind. */
async function migrated(fresh: FreshStore): Promise<FreshStore> {
  try {
    await fresh.store.migrate();
    return fresh;
  } catch (error) {
    await fresh.cleanup();
    throw error;
  }
}
