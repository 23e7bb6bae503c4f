/**
 * Migration 020: the statistics read model. One row per case with the facts
 * the reports count (see `engine/runtime/facts.ts`), written in the step's
 * transaction by the facts projection and rebuildable from the event history
 * (`duban stats rebuild`). The facts themselves are one JSON column; the
 * columns beside it are what reports select on.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('case_facts', (t) => {
    if (pg) t.specificType('case_id', 'text COLLATE "C"').primary('case_facts_pkey');
    else t.text('case_id').primary('case_facts_pkey');
    t.text('workflow_id').notNullable();
    t.text('org').notNullable();
    t.integer('seq').notNullable();
    t.text('opened_at').notNullable();
    t.text('closed_at');
    t.text('belongs_at').notNullable();
    t.text('facts').notNullable();
    t.index(['workflow_id', 'belongs_at'], 'case_facts_workflow_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('case_facts');
}
