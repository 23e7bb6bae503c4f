/**
 * Migration 011: the salts of confidential values (see `engine/runtime/hash.ts`).
 * One row per event that records a confidential value: the event's key and a
 * JSON map of dotted path → salt. Kept beside `case_events`, not in it, because
 * the salts are not part of what an event's hash covers; a redacted export
 * simply leaves them out. Events without a confidential value have no row, so
 * existing databases need nothing backfilled.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('event_salts', (t) => {
    if (pg) t.specificType('case_id', 'text COLLATE "C"').notNullable();
    else t.text('case_id').notNullable();
    t.integer('seq').notNullable();
    if (pg) t.jsonb('salts').notNullable();
    else t.text('salts').notNullable();
    t.primary(['case_id', 'seq'], 'event_salts_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('event_salts');
}
