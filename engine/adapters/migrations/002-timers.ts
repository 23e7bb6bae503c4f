/**
 * Migration 002: pending timers, the durable rows behind deadlines (DESIGN §5),
 * and the versioned calendars admins add.
 * A row exists from the event whose step armed it (`set-timer`) until the step
 * that cancels it, or until the case closes; written in the commit's
 * transaction, so a timer can never outlive or predate the state that set it.
 * A scheduler claims a row with a conditional update (`pending` → `firing`,
 * or an expired claim), so two processes never fire one timer twice; a claim
 * that expires (the process died, or firing failed and waits for a retry)
 * can be taken again.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

/** Creates `timers`. */
export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('timers', (t) => {
    const key = (name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
    key('timer_key').notNullable();
    key('case_id').notNullable().references('id').inTable('cases').withKeyName('timers_case_fk');
    key('workflow_id').notNullable();
    key('kind').notNullable();
    key('deadline_key').notNullable();
    t.integer('idx').notNullable();
    t.integer('generation').notNullable();
    // ISO-8601 UTC text, like every instant of the store: sorts as it compares.
    key('due_at').notNullable();
    t.integer('set_seq').notNullable();
    key('status').notNullable().defaultTo('pending');
    key('claimed_by').nullable();
    key('claim_expires_at').nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.primary(['timer_key'], 'timers_pkey');
    t.index(['due_at'], 'timers_due_idx');
    t.index(['case_id'], 'timers_case_idx');
  });

  await knex.schema.createTable('calendars', (t) => {
    key2(knex, t, 'calendar_id').notNullable();
    t.integer('version').notNullable();
    t.text('hash').notNullable();
    if (pg) t.jsonb('definition').notNullable();
    else t.text('definition').notNullable();
    key2(knex, t, 'created_at').notNullable();
    t.primary(['calendar_id', 'version'], 'calendars_pkey');
  });
}

function key2(knex: Knex, t: Knex.CreateTableBuilder, name: string) {
  return isPostgres(knex) ? t.specificType(name, 'text COLLATE "C"') : t.text(name);
}

/** Drops `timers`. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('calendars');
  await knex.schema.dropTableIfExists('timers');
}
