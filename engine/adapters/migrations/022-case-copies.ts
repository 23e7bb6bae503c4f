/**
 * Migration 022: 抄送 (copies). One row per copy and recipient (a role at an
 * org, or a user) so the 抄送我的 list is one indexed query, and one row per
 * reading. Both are written in the step's transaction from the `copy-case`
 * and `copy-read` effects; the case state and the history hold the same
 * facts, so the rows can be rebuilt from them.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('case_copies', (t) => {
    t.text('copy_key').notNullable();
    /** `role:<role>@<org>` or `user:<id>`: the recipient, as the primary key's second part. */
    t.text('recipient').notNullable();
    t.text('case_id').notNullable();
    t.text('workflow_id').notNullable();
    t.text('state_id').notNullable();
    t.text('title').notNullable();
    t.text('role');
    t.text('org');
    t.text('user_id');
    t.text('created_at').notNullable();
    t.integer('created_seq').notNullable();
    t.primary(['copy_key', 'recipient'], 'case_copies_pkey');
    t.index(['user_id'], 'case_copies_user_idx');
    t.index(['org', 'role'], 'case_copies_org_role_idx');
    t.index(['case_id'], 'case_copies_case_idx');
  });
  await knex.schema.createTable('case_copy_reads', (t) => {
    t.text('copy_key').notNullable();
    t.text('user_id').notNullable();
    t.text('read_at').notNullable();
    t.integer('seq').notNullable();
    t.primary(['copy_key', 'user_id'], 'case_copy_reads_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('case_copy_reads');
  await knex.schema.dropTableIfExists('case_copies');
}
