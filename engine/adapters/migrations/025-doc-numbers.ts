/**
 * Migration 025: document numbers (文号) and the tip-off query-code index.
 *
 * - `doc_number_series`: the prefix each org gives a series of documents it
 *   issues (e.g. org `jiangan`, series `circular`, prefix `江应急通`), set by
 *   an admin of the org's subtree.
 * - `doc_number_counters`: the last number issued per org, series and year.
 *   A number is taken by one `INSERT … ON CONFLICT DO UPDATE … RETURNING` in
 *   the issuing step's transaction: the row lock serialises issuers, and a
 *   step that fails rolls its number back, so numbers run without gaps.
 * - `tipoff_query_codes`: the hash of each tip-off's query code → its case,
 *   written in the creating step's transaction (a projection); the tipster's
 *   lookup reads one primary-key row instead of searching case data. Existing
 *   tip-offs are filled in here from their case data.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const key = (t: Knex.CreateTableBuilder, name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
  await knex.schema.createTable('doc_number_series', (t) => {
    key(t, 'org').notNullable();
    key(t, 'series').notNullable();
    t.text('prefix').notNullable();
    t.text('set_by').notNullable();
    t.text('set_at').notNullable();
    t.primary(['org', 'series'], 'doc_number_series_pkey');
  });
  await knex.schema.createTable('doc_number_counters', (t) => {
    key(t, 'org').notNullable();
    key(t, 'series').notNullable();
    t.integer('year').notNullable();
    t.integer('last_seq').notNullable();
    t.primary(['org', 'series', 'year'], 'doc_number_counters_pkey');
  });
  await knex.schema.createTable('tipoff_query_codes', (t) => {
    key(t, 'hash').notNullable();
    key(t, 'case_id').notNullable();
    t.primary(['hash'], 'tipoff_query_codes_pkey');
  });
  // Tip-offs taken in before this migration: their hash is in the case data.
  const rows: { id: string; state: unknown }[] = await knex('cases').select('id', 'state').where('workflow_id', 'tip-off');
  for (const row of rows) {
    const state = (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) as { data?: { queryCodeHash?: unknown } };
    const hash = state.data?.queryCodeHash;
    if (typeof hash === 'string' && hash !== '') await knex('tipoff_query_codes').insert({ hash, case_id: row.id }).onConflict('hash').ignore();
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('tipoff_query_codes');
  await knex.schema.dropTableIfExists('doc_number_counters');
  await knex.schema.dropTableIfExists('doc_number_series');
}
