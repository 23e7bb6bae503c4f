/**
 * Migration 020: the statistics read model. One row per case with the facts
 * the reports count (see `engine/runtime/facts.ts`), written in the step's
 * transaction by the facts projection and rebuildable from the event history
 * (`duban stats rebuild`). The facts themselves are one JSON column; the
 * columns beside it are what reports select on.
 *
 * Also the district accident quotas (控制指标): yearly limits per district
 * (`district_quotas`) and the warnings raised when a threshold of one is
 * crossed (`quota_warnings`, one row per district, year, measure and
 * threshold: a threshold warns once).
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
  await knex.schema.createTable('district_quotas', (t) => {
    t.text('district').notNullable();
    t.integer('year').notNullable();
    /** `accidents` (count) or `deaths`. */
    t.text('measure').notNullable();
    t.integer('quota').notNullable();
    t.text('set_by').notNullable();
    t.text('set_at').notNullable();
    t.primary(['district', 'year', 'measure'], 'district_quotas_pkey');
  });
  await knex.schema.createTable('quota_warnings', (t) => {
    t.text('district').notNullable();
    t.integer('year').notNullable();
    t.text('measure').notNullable();
    /** Percent of the quota (80, 100). */
    t.integer('threshold').notNullable();
    t.integer('used').notNullable();
    t.integer('quota').notNullable();
    t.text('raised_at').notNullable();
    t.primary(['district', 'year', 'measure', 'threshold'], 'quota_warnings_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('quota_warnings');
  await knex.schema.dropTable('district_quotas');
  await knex.schema.dropTable('case_facts');
}
