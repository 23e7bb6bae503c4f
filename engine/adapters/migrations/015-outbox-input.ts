/**
 * Migration 015: outbox rows stop copying the case. A `notify` effect carries
 * what its template renders with — the case, its data and the event
 * (`vars`) — and each row stored a copy: most of an outbox row, and again
 * for every notification of the same step. The event log holds that input
 * already, once: the case at the row's `seq`. From here on a row whose input
 * is exactly that says so in `input` (`case`) and keeps in `vars` only what
 * the case does not hold (a deadline rung's deadline); the dispatcher reads
 * the case at `seq` back through the engine when it renders.
 *
 * Rows written before (and any the engine could not reduce) have `input`
 * null and carry their whole `vars`, and read as before: nothing to convert.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.alterTable('outbox', (t) => {
    (pg ? t.specificType('input', 'text COLLATE "C"') : t.text('input')).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.dropColumn('input');
  });
}
