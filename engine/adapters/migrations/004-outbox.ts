/**
 * Migration 004: the notification outbox. A `notify` effect becomes a row in
 * the step's own transaction, so a notification is never sent for a step that
 * rolled back and never lost for one that committed. The dispatcher
 * (notifications/) claims rows like schedulers claim timers, resolves the
 * recipients, renders and delivers, retrying with backoff until `dead`.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('outbox', (t) => {
    const key = (name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
    const json = (name: string) => (pg ? t.jsonb(name) : t.text(name));
    /** The effect id (`caseId/seq/index`): delivering it twice is harmless. */
    key('id').notNullable();
    key('case_id').notNullable().references('id').inTable('cases').withKeyName('outbox_case_fk');
    t.integer('seq').notNullable();
    key('template').notNullable();
    key('kind').notNullable();
    json('channels').notNullable();
    json('recipients').notNullable();
    json('ack').nullable();
    json('vars').notNullable();
    json('confidential').notNullable();
    /** pending → sending (claimed) → sent | dead | unresolved (no recipient could be found). */
    key('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    key('next_attempt_at').notNullable();
    key('claimed_by').nullable();
    key('claim_expires_at').nullable();
    t.text('last_error').nullable();
    key('created_at').notNullable();
    key('sent_at').nullable();
    t.primary(['id'], 'outbox_pkey');
    t.index(['status', 'next_attempt_at'], 'outbox_status_next_idx');
    t.index(['case_id'], 'outbox_case_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('outbox');
}
