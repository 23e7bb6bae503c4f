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
 * waits and tries again. On PostgreSQL the store also serialises `migrate()`
 * with an advisory lock, which closes the remaining races; this loop is what
 * SQLite gets.
 */
export async function migrateToLatest(knex: Knex, waitMs = 30_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE });
      return;
    } catch (error) {
      if (!lostMigrationRace(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
    }
  }
}

/** Whether a failed `migrate.latest` only met another process migrating at the same time. */
function lostMigrationRace(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'MigrationLocked') return true;
  // Both created knex's bookkeeping tables: unique_violation on the catalog, duplicate_table.
  if (code === '23505' || code === '42P07') return true;
  return code === 'SQLITE_ERROR' && typeof message === 'string' && message.includes(`table \`${MIGRATIONS_TABLE}`) && message.includes('already exists');
}
