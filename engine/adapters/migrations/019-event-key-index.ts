/**
 * Migration 019: the idempotency-key index covers only the events that have a
 * key. Most events have none, yet the full unique index on
 * (case_id, idempotency_key) took a row for each of them: bytes on every
 * event and one more page written in every commit. A partial unique index
 * (`WHERE idempotency_key IS NOT NULL`) keeps the same rule — a key appears
 * once per case — and the lookup by key uses it (`idempotency_key = ?`
 * implies the key is not null). Same name, so a violation is recognised as
 * before.
 */
import type { Knex } from 'knex';

const COLUMNS = ['case_id', 'idempotency_key'];
const NAME = 'case_events_idempotency_key_unique';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('case_events', (t) => t.dropUnique(COLUMNS, NAME));
  await knex.schema.alterTable('case_events', (t) => t.unique(COLUMNS, { indexName: NAME, useConstraint: false, predicate: knex.whereNotNull('idempotency_key') }));
}

export async function down(knex: Knex): Promise<void> {
  // On PostgreSQL the partial rule is an index, not a constraint.
  await knex.schema.alterTable('case_events', (t) => t.dropIndex(COLUMNS, NAME));
  await knex.schema.alterTable('case_events', (t) => t.unique(COLUMNS, { indexName: NAME }));
}
