/**
 * Migration 012: enterprises are parties, and tokens remember who issued them
 * (DESIGN §7).
 *
 * - `orgs.profile`: an enterprise org's profile (industry, address, unified
 *   social credit code, supervising departments) as JSON; null for offices.
 *   Its grid is its parent, so no column for it.
 * - `api_tokens.issued_by`: the user who issued a token for someone else (an
 *   admin); events sent with such a token record both. Null for tokens the
 *   holder or the operator issued, and for every token issued before.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.alterTable('orgs', (t) => {
    if (pg) t.jsonb('profile').nullable();
    else t.text('profile').nullable();
  });
  await knex.schema.alterTable('api_tokens', (t) => {
    if (pg) t.specificType('issued_by', 'text COLLATE "C"').nullable();
    else t.text('issued_by').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => t.dropColumn('issued_by'));
  await knex.schema.alterTable('orgs', (t) => t.dropColumn('profile'));
}
