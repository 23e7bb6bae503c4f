/**
 * Migration 013: API tokens may expire. `expires_at` is an ISO instant, or
 * null for a token that never expires (every token issued before this
 * migration). Authentication refuses a token whose time has passed.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.alterTable('api_tokens', (t) => {
    if (pg) t.specificType('expires_at', 'text COLLATE "C"').nullable();
    else t.text('expires_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('expires_at');
  });
}
