/**
 * Migration 024: 专项整治 campaigns, the register of who supervises each
 * industry (管行业必须管安全), routing rules and where each case was routed
 * (issue 10).
 *
 * - `campaigns`: a campaign of an owning org (its subtree): time box
 *   (`starts_on`…`ends_on`, local dates), industries, districts and the
 *   target counts per district, as JSON columns.
 * - `campaign_cases`: which case belongs to which campaign (a case to at most
 *   one), with the district it counts for, fixed when it joined.
 * - `industry_departments`: per owning org (a city) and industry, the
 *   departments that supervise it.
 * - `routing_rules`: the rules an admin of the owning org edits.
 * - `case_routes`: the current responsible grid, township and departments of
 *   a case (its history holds every routing as a `case.routed` event).
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const id = (t: Knex.CreateTableBuilder, name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
  await knex.schema.createTable('campaigns', (t) => {
    id(t, 'id').primary('campaigns_pkey');
    t.text('owner_org').notNullable();
    t.text('title').notNullable();
    t.text('starts_on').notNullable();
    t.text('ends_on').notNullable();
    t.text('report_period').notNullable();
    t.text('industries').notNullable();
    t.text('districts').notNullable();
    t.text('targets').notNullable();
    t.text('status').notNullable();
    t.text('created_by').notNullable();
    t.text('created_at').notNullable();
    t.index(['owner_org'], 'campaigns_owner_idx');
  });
  await knex.schema.createTable('campaign_cases', (t) => {
    id(t, 'case_id').primary('campaign_cases_pkey');
    id(t, 'campaign_id').notNullable();
    t.text('district').notNullable();
    t.text('workflow_id').notNullable();
    t.text('added_by').notNullable();
    t.text('added_at').notNullable();
    t.index(['campaign_id', 'district'], 'campaign_cases_campaign_idx');
  });
  await knex.schema.createTable('industry_departments', (t) => {
    t.text('owner_org').notNullable();
    t.text('industry').notNullable();
    t.text('departments').notNullable();
    t.text('updated_by').notNullable();
    t.text('updated_at').notNullable();
    t.primary(['owner_org', 'industry'], 'industry_departments_pkey');
  });
  await knex.schema.createTable('routing_rules', (t) => {
    id(t, 'id').primary('routing_rules_pkey');
    t.text('owner_org').notNullable();
    t.text('title').notNullable();
    t.integer('priority').notNullable();
    t.text('rule').notNullable();
    t.text('updated_by').notNullable();
    t.text('updated_at').notNullable();
    t.index(['owner_org'], 'routing_rules_owner_idx');
  });
  await knex.schema.createTable('case_routes', (t) => {
    id(t, 'case_id').primary('case_routes_pkey');
    t.text('rule_id');
    t.text('grid');
    t.text('township');
    t.text('departments').notNullable();
    t.text('routed_by').notNullable();
    t.text('routed_at').notNullable();
    t.text('reason');
    t.index(['grid'], 'case_routes_grid_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['case_routes', 'routing_rules', 'industry_departments', 'campaign_cases', 'campaigns']) await knex.schema.dropTable(table);
}
