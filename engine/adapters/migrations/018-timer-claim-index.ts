/**
 * Migration 018: the index the batched timer claim walks. The claim takes the
 * earliest claimable rows in (due_at, timer_key) order, a few hundred at a
 * time; an index on due_at alone made the database sort every due row (and
 * check each one's case) before it could take the first batch. The index on
 * (due_at, timer_key) replaces it, so the timers table keeps two secondary
 * indexes: this one and case_id (a case's rows, for the due-order check and
 * for deleting them when the case ends).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('timers', (t) => {
    t.dropIndex(['due_at'], 'timers_due_idx');
    t.index(['due_at', 'timer_key'], 'timers_claim_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('timers', (t) => {
    t.dropIndex(['due_at', 'timer_key'], 'timers_claim_idx');
    t.index(['due_at'], 'timers_due_idx');
  });
}
