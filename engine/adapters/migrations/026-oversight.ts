/**
 * Migration 026: what oversight keeps beside the facts (issue 12).
 *
 * - `quota_crossings`: one row per crossing of a quota threshold. A crossing
 *   ends (`given_back_at`) when regrading or a withdrawal brings the use back
 *   under the threshold; a later re-crossing is a new row (`crossing` + 1) and
 *   warns again. `quota_warnings` (migration 020) stays the claim of the
 *   crossing in force: one row per district, year, measure and threshold,
 *   deleted when the crossing ends.
 * - `quota_interviews`: the interview (约谈) case opened when a district
 *   exceeds a quota, one per district and year (the claim is the key).
 * - `monthly_reports`: the scheduled monthly report of each month, claimed by
 *   one process (the key), stored with its sha256, and its deliveries.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('quota_crossings', (t) => {
    t.text('district').notNullable();
    t.integer('year').notNullable();
    t.text('measure').notNullable();
    t.integer('threshold').notNullable();
    /** 1 for the first crossing of this threshold in the year, 2 after one given back, … */
    t.integer('crossing').notNullable();
    t.integer('used').notNullable();
    t.integer('quota').notNullable();
    /** The accident case whose step crossed it (the warning is recorded in its history). */
    t.text('case_id').notNullable();
    /** The outbox id of the warning (its acknowledgement row is keyed by it). */
    t.text('notification_id');
    t.text('raised_at').notNullable();
    t.text('given_back_at');
    t.primary(['district', 'year', 'measure', 'threshold', 'crossing'], 'quota_crossings_pkey');
  });
  await knex.schema.createTable('quota_interviews', (t) => {
    t.text('district').notNullable();
    t.integer('year').notNullable();
    t.text('measure').notNullable();
    t.text('reason').notNullable();
    /** The accident case whose step exceeded the quota. */
    t.text('linked_case_id').notNullable();
    /** The interview case, once opened (null: claimed, not yet opened; the next check opens it). */
    t.text('case_id');
    t.text('claimed_at').notNullable();
    t.primary(['district', 'year'], 'quota_interviews_pkey');
  });
  await knex.schema.createTable('monthly_reports', (t) => {
    t.text('month').notNullable();
    t.text('org').notNullable();
    t.text('claimed_by').notNullable();
    t.text('claimed_at').notNullable();
    t.text('claim_expires_at').notNullable();
    t.text('sha256');
    t.binary('xlsx');
    t.text('generated_at');
    t.text('sent_at');
    t.primary(['month', 'org'], 'monthly_reports_pkey');
  });
  await knex.schema.createTable('monthly_report_deliveries', (t) => {
    t.text('month').notNullable();
    t.text('org').notNullable();
    t.text('recipient').notNullable();
    t.text('address');
    t.text('status').notNullable();
    t.integer('attempts').notNullable();
    t.text('last_error');
    t.text('delivered_at');
    t.primary(['month', 'org', 'recipient'], 'monthly_report_deliveries_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('monthly_report_deliveries');
  await knex.schema.dropTable('monthly_reports');
  await knex.schema.dropTable('quota_interviews');
  await knex.schema.dropTable('quota_crossings');
}
