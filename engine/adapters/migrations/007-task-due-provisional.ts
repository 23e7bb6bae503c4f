/**
 * Migration 007: an open task's due time can rest on a provisional calendar
 * year (DESIGN §5): the worklist says so (「暂定」) without reading every case.
 * Existing rows were computed on official years only, so `false` is right for them.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.boolean('due_provisional').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.dropColumn('due_provisional');
  });
}
