/**
 * Migration 008: `anchor_checkpoints`, one row per anchor checkpoint a
 * process claimed. Inserting the row with the next `seq` is the claim (the
 * primary key lets one process win), so servers, workers and
 * `duban audit anchor` never write the same checkpoint twice, on SQLite and
 * PostgreSQL alike, and the interval between checkpoints holds across every
 * process. The rows only coordinate: the proof is the signed log outside the
 * database, which a database owner can neither rewrite nor re-sign.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('anchor_checkpoints', (t) => {
    const text = (name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
    t.integer('seq').notNullable();
    // ISO-8601 UTC text, like every instant of the store.
    text('claimed_at').notNullable();
    text('claimed_by').notNullable();
    text('root').nullable();
    text('line_hash').nullable();
    t.primary(['seq'], 'anchor_checkpoints_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('anchor_checkpoints');
}
