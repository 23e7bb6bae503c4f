/**
 * The store's migrations as an in-code list, handed to knex through a custom
 * `migrationSource`. Nothing depends on globbing a directory or on compiled
 * JavaScript, so migrations run the same under tsx, vitest and a bundle.
 *
 * To add a migration: create `NNN-name.ts` exporting `up`/`down`, append it
 * here. Never edit or reorder a migration that has shipped; knex records names
 * in `duban_migrations` and refuses a list that lost one.
 */
import type { Knex } from 'knex';
import * as m001 from './001-core.js';
import * as m002 from './002-timers.js';
import * as m003 from './003-people.js';
import * as m004 from './004-outbox.js';
import * as m005 from './005-notifications.js';
import * as m006 from './006-user-contact.js';
import * as m007 from './007-task-due-provisional.js';
import * as m008 from './008-anchors.js';
import * as m011 from './011-event-salts.js';
import * as m012 from './012-parties.js';
import * as m009 from './009-sessions.js';
import * as m013 from './013-token-expiry.js';
import * as m010 from './010-definition-owners.js';
import * as m014 from './014-case-snapshots.js';
import * as m018 from './018-timer-claim-index.js';
import * as m019 from './019-event-key-index.js';
import * as m015 from './015-outbox-input.js';
import * as m016 from './016-attachments.js';
import * as m020 from './020-case-facts.js';
import * as m017 from './017-documents.js';
import * as m024 from './024-campaigns-register.js';
import * as m027 from './027-event-link.js';
import * as m023 from './023-task-views.js';
import * as m021 from './021-archives.js';
import * as m022 from './022-case-copies.js';
import * as m025 from './025-doc-numbers.js';
import * as m026 from './026-oversight.js';
import * as m030 from './030-facts-figures.js';
import * as m029 from './029-routing-campaign-schedule.js';

/** One named migration. */
export interface NamedMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, in the order they run. */
export const MIGRATIONS: readonly NamedMigration[] = [
  { name: '001-core', ...m001 },
  { name: '002-timers', ...m002 },
  { name: '003-people', ...m003 },
  { name: '004-outbox', ...m004 },
  { name: '005-notifications', ...m005 },
  { name: '006-user-contact', ...m006 },
  { name: '007-task-due-provisional', ...m007 },
  { name: '008-anchors', ...m008 },
  { name: '011-event-salts', ...m011 },
  { name: '012-parties', ...m012 },
  { name: '009-sessions', ...m009 },
  { name: '013-token-expiry', ...m013 },
  { name: '010-definition-owners', ...m010 },
  { name: '014-case-snapshots', ...m014 },
  { name: '018-timer-claim-index', ...m018 },
  { name: '019-event-key-index', ...m019 },
  { name: '015-outbox-input', ...m015 },
  { name: '016-attachments', ...m016 },
  { name: '020-case-facts', ...m020 },
  { name: '017-documents', ...m017 },
  { name: '024-campaigns-register', ...m024 },
  { name: '027-event-link', ...m027 },
  { name: '023-task-views', ...m023 },
  { name: '021-archives', ...m021 },
  { name: '022-case-copies', ...m022 },
  { name: '025-doc-numbers', ...m025 },
  { name: '026-oversight', ...m026 },
  { name: '029-routing-campaign-schedule', ...m029 },
  { name: '030-facts-figures', ...m030 },
];

/** Name of knex's bookkeeping table (and, with `_lock`, of its lock table). */
export const MIGRATIONS_TABLE = 'duban_migrations';

/** A knex `migrationSource` serving {@link MIGRATIONS}. */
export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: () => Promise.resolve([...MIGRATIONS]),
  getMigrationName: (migration) => migration.name,
  getMigration: (migration) => Promise.resolve({ up: migration.up, down: migration.down }),
};

/**
 * Brings a database to the latest schema; a no-op when it is already there.
 * When another process migrates at the same moment, knex makes this one fail
 * fast (its migration lock, or its bookkeeping table created twice), so it
 * waits and tries again, for at most `waitMs`; a database that another
 * process brought up to date meanwhile is then simply found up to date. On
 * PostgreSQL the store also serialises `migrate()` with an advisory lock,
 * which closes the remaining races; this loop is what SQLite gets.
 *
 * knex's bookkeeping tables and the lock row are created here first, the row
 * by one atomic statement: knex itself checks for the row and inserts it in
 * two statements, so two processes starting on a bare database could each
 * insert one, and a lock table with two rows can never be locked again
 * (every later `migrate` failed with "Migration table is already locked").
 */
export async function migrateToLatest(knex: Knex, waitMs = 30_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await prepareBookkeeping(knex);
      await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE });
      return;
    } catch (error) {
      if (!lostMigrationRace(error)) throw error;
      if (Date.now() > deadline) throw new MigrationLockTimeoutError(waitMs, error);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
    }
  }
}

/** Name of knex's lock table (one row, `is_locked` 0 or 1). */
export const MIGRATIONS_LOCK_TABLE = `${MIGRATIONS_TABLE}_lock`;

/** `migrate()` waited its whole budget for another migrator (or for a lock a crashed one left set). */
export class MigrationLockTimeoutError extends Error {
  constructor(waitMs: number, cause: unknown) {
    super(
      `could not migrate: another process kept the database's migration lock for ${Math.round(waitMs / 1000)} s (${cause instanceof Error ? cause.message : String(cause)}). ` +
        `If no other process is migrating, one that crashed left the lock set; clear it with: UPDATE ${MIGRATIONS_LOCK_TABLE} SET is_locked = 0`,
      { cause },
    );
    this.name = 'MigrationLockTimeout';
  }
}

/**
 * Creates knex's bookkeeping tables (as knex would) and its single lock row
 * when missing, and drops the extra rows an earlier race may have left. A
 * concurrent creation of a table fails in one process, which then retries.
 */
async function prepareBookkeeping(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable(MIGRATIONS_TABLE))) {
    await knex.schema.createTable(MIGRATIONS_TABLE, (t) => {
      t.increments();
      t.string('name');
      t.integer('batch');
      t.timestamp('migration_time');
    });
  }
  if (!(await knex.schema.hasTable(MIGRATIONS_LOCK_TABLE))) {
    await knex.schema.createTable(MIGRATIONS_LOCK_TABLE, (t) => {
      t.increments('index').primary();
      t.integer('is_locked');
    });
  }
  // One statement: SQLite runs it under the write lock, PostgreSQL under the store's advisory lock.
  await knex.raw('INSERT INTO ?? (??) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM ??)', [MIGRATIONS_LOCK_TABLE, 'is_locked', MIGRATIONS_LOCK_TABLE]);
  const [row] = await knex(MIGRATIONS_LOCK_TABLE).count({ n: '*' });
  if (Number(row?.n ?? 0) > 1) {
    // Two rows (a race of an earlier version): no update can take the lock any more. Keep the first.
    await knex(MIGRATIONS_LOCK_TABLE).where('index', '>', knex(MIGRATIONS_LOCK_TABLE).min('index')).delete();
  }
}

/** Whether a failed `migrate.latest` only met another process migrating at the same time. */
function lostMigrationRace(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'MigrationLocked') return true;
  // Both created knex's bookkeeping tables: unique_violation on the catalog, duplicate_table.
  if (code === '23505' || code === '42P07') return true;
  // SQLite: another process's migration kept the write lock past busy_timeout.
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
  return code === 'SQLITE_ERROR' && typeof message === 'string' && message.includes(`table \`${MIGRATIONS_TABLE}`) && message.includes('already exists');
}
