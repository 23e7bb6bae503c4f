/**
 * Migration 029: routing that decides, and campaign reports on a timer (issue 10).
 *
 * - `case_route_orgs`: the orgs a case is routed to in practice (its grid,
 *   township and supervising departments), one row per org. The engine writes
 *   them in the step's transaction from the case's `responsible` (a
 *   `case.routed` event), so lists of an org's cases also find the cases
 *   routed to it.
 * - `campaign_report_runs`: the claim of one period's progress reports of a
 *   campaign, so that of several processes running the schedule one opens
 *   them (the cases' own ids keep each (campaign, district, period) once).
 * - `campaign_changes`: every edit of a campaign (who, when, why, the record
 *   before and after), numbered per campaign.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const id = (t: Knex.CreateTableBuilder, name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
  await knex.schema.createTable('case_route_orgs', (t) => {
    id(t, 'case_id').notNullable();
    id(t, 'org').notNullable();
    t.primary(['case_id', 'org'], 'case_route_orgs_pkey');
    t.index(['org'], 'case_route_orgs_org_idx');
  });
  await knex.schema.createTable('campaign_report_runs', (t) => {
    id(t, 'campaign_id').notNullable();
    t.text('period_to').notNullable();
    t.text('owner').notNullable();
    t.text('claimed_at').notNullable();
    t.text('expires_at').notNullable();
    t.text('done_at');
    t.primary(['campaign_id', 'period_to'], 'campaign_report_runs_pkey');
  });
  await knex.schema.createTable('campaign_changes', (t) => {
    id(t, 'campaign_id').notNullable();
    t.integer('seq').notNullable();
    t.text('changed_by').notNullable();
    t.text('changed_at').notNullable();
    t.text('reason').notNullable();
    t.text('before').notNullable();
    t.text('after').notNullable();
    t.primary(['campaign_id', 'seq'], 'campaign_changes_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('campaign_changes');
  await knex.schema.dropTable('campaign_report_runs');
  await knex.schema.dropTable('case_route_orgs');
}
