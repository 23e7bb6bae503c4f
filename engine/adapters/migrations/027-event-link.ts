/**
 * Migration 027: an event row no longer stores `prev_hash`. It always equalled
 * the hash of the row before it (`audit verify` checked exactly that), so the
 * store now reads it from that row (`LAG(hash) OVER (ORDER BY seq)`) and the
 * chain is checked as before: an event's hash covers the previous hash, so
 * changing, removing or inserting a row still breaks the hash of the row
 * after it. 64 bytes less per event.
 *
 * The same release stores state deltas in a shorter form (a bare JSON array,
 * see `../state-delta.ts`) and no snapshot at case end (the case row holds
 * that state); rows in the earlier forms are read as they are, nothing is
 * converted.
 *
 * SQLite rewrites the table to drop the column (once, at upgrade); PostgreSQL
 * only marks it dropped. `down` puts the column back and fills it from the
 * chain, with the append-only guard lifted for that one update.
 */
import type { Knex } from 'knex';
import { installAppendOnlyGuard, isPostgres, sqliteUnguardStatements } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE case_events DROP COLUMN prev_hash');
}

export async function down(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.raw(`ALTER TABLE case_events ADD COLUMN prev_hash text NOT NULL DEFAULT ''`);
  if (pg) await knex.raw('ALTER TABLE case_events DISABLE TRIGGER USER');
  else for (const sql of sqliteUnguardStatements()) await knex.raw(sql);
  await knex.raw(
    `UPDATE case_events SET prev_hash = COALESCE((SELECT p.hash FROM case_events p WHERE p.case_id = case_events.case_id AND p.seq = case_events.seq - 1), ?)`,
    ['0'.repeat(64)],
  );
  if (pg) await knex.raw('ALTER TABLE case_events ENABLE TRIGGER USER');
  else await installAppendOnlyGuard(knex);
}
