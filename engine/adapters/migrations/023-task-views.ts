/**
 * Migration 023: whether the handler of an open task has opened it (issue 15).
 * 拿回 (taking a task back) is allowed only while the next handler has not
 * opened the task; the first time one of them reads the case the row records
 * who and when. Rows already open count as not yet opened.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.string('viewed_at', 40).nullable();
    t.string('viewed_by', 200).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.dropColumn('viewed_at');
    t.dropColumn('viewed_by');
  });
}
