/**
 * Migration 016: evidence attachments by content (`server/attachments.ts`).
 * One row per distinct file: its SHA-256 (the key events refer to), size and
 * bytes. The store of distributed mode, where every server process must read
 * every file; the embedded mode keeps files under the data dir instead.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('attachments', (t) => {
    if (pg) t.specificType('sha256', 'text COLLATE "C"').primary();
    else t.text('sha256').primary();
    t.bigInteger('size').notNullable();
    t.binary('bytes').notNullable();
    t.text('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('attachments');
}
