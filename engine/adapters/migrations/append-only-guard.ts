/**
 * The database-level guard that keeps `case_events` append-only: triggers that
 * refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). The audit chain's hash
 * detects tampering after the fact; the triggers stop the accidental kind (a
 * stray `UPDATE` in a console or a buggy migration) before it happens.
 *
 * Shared by the migration that installs the guard and by `test/support/tamper.ts`, the
 * test-only helper that lifts it around one raw write.
 */
import type { Knex } from 'knex';

/** Name of the PostgreSQL row trigger (and stem of the SQLite trigger names). */
export const APPEND_ONLY_TRIGGER = 'case_events_append_only';

/** Whether a knex instance (or transaction) talks to PostgreSQL rather than SQLite. */
export function isPostgres(knex: Knex): boolean {
  const client: unknown = knex.client.config.client;
  return client === 'pg' || client === 'postgres' || client === 'postgresql';
}

// PostgreSQL: one function per schema (created in the first schema of the
// search_path, like the table), raising SQLSTATE 55000 object_not_in_prerequisite_state.
const PG_INSTALL = [
  `CREATE OR REPLACE FUNCTION case_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
   BEGIN
     RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = '55000';
   END
   $body$`,
  `CREATE TRIGGER ${APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE ON case_events FOR EACH ROW EXECUTE FUNCTION case_events_refuse_change()`,
  `CREATE TRIGGER ${APPEND_ONLY_TRIGGER}_truncate BEFORE TRUNCATE ON case_events FOR EACH STATEMENT EXECUTE FUNCTION case_events_refuse_change()`,
];


// SQLite has no TRUNCATE; `DELETE FROM t` without WHERE still fires row triggers.
const SQLITE_TRIGGERS = {
  [`${APPEND_ONLY_TRIGGER}_update`]: 'UPDATE',
  [`${APPEND_ONLY_TRIGGER}_delete`]: 'DELETE',
} as const;

/** SQL that installs the SQLite triggers; also used by the tamper helper to put them back. */
export function sqliteGuardStatements(): string[] {
  return Object.entries(SQLITE_TRIGGERS).map(
    ([name, op]) => `CREATE TRIGGER IF NOT EXISTS ${name} BEFORE ${op} ON case_events BEGIN SELECT RAISE(ABORT, 'case_events is append-only: ${op} refused'); END`,
  );
}

/** SQL that removes the SQLite triggers. */
export function sqliteUnguardStatements(): string[] {
  return Object.keys(SQLITE_TRIGGERS).map((name) => `DROP TRIGGER IF EXISTS ${name}`);
}

/** Installs the append-only triggers on `case_events`. */
export async function installAppendOnlyGuard(knex: Knex): Promise<void> {
  for (const sql of isPostgres(knex) ? PG_INSTALL : sqliteGuardStatements()) await knex.raw(sql);
}

/**
 * Drops what outlives `case_events` (migration `down`, after the table is gone):
 * triggers go with their table, the PostgreSQL function does not.
 */
export async function dropAppendOnlyGuard(knex: Knex): Promise<void> {
  if (isPostgres(knex)) await knex.raw('DROP FUNCTION IF EXISTS case_events_refuse_change()');
}
