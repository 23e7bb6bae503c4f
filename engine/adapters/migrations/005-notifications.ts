/**
 * Migration 005: what the notification dispatcher records besides the outbox
 * (004): one row per recipient × channel (`deliveries`, so a retry skips those
 * already served), the in-app inbox (`inbox_items`), and the acknowledged
 * warnings (`notification_acks`, 预警"叫应") that escalate along their chain
 * until someone acknowledges.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const keyOf = (t: Knex.CreateTableBuilder) => (name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));

  await knex.schema.createTable('deliveries', (t) => {
    const key = keyOf(t);
    key('outbox_id').notNullable().references('id').inTable('outbox').withKeyName('deliveries_outbox_fk');
    /** The user id, or `mailto:<address>` for an address held in a data field. */
    key('recipient').notNullable();
    key('user_id').nullable();
    t.text('address').nullable();
    key('channel').notNullable();
    /** sent | failed */
    key('status').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    key('delivered_at').nullable();
    key('updated_at').notNullable();
    t.primary(['outbox_id', 'recipient', 'channel'], 'deliveries_pkey');
    t.index(['user_id', 'outbox_id'], 'deliveries_user_idx');
  });

  await knex.schema.createTable('inbox_items', (t) => {
    const key = keyOf(t);
    key('id').notNullable();
    key('user_id').notNullable();
    key('outbox_id').notNullable().references('id').inTable('outbox').withKeyName('inbox_items_outbox_fk');
    key('case_id').notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    key('kind').notNullable();
    key('created_at').notNullable();
    key('read_at').nullable();
    t.boolean('ack_required').notNullable().defaultTo(false);
    key('acknowledged_at').nullable();
    t.primary(['id'], 'inbox_items_pkey');
    t.unique(['outbox_id', 'user_id'], { indexName: 'inbox_items_outbox_user_unique' });
    t.index(['user_id', 'created_at'], 'inbox_items_user_idx');
  });

  await knex.schema.createTable('notification_acks', (t) => {
    const key = keyOf(t);
    /** The outbox id of the warning's first notification; escalations are `<id>/ack<k>`. */
    key('notification_id').notNullable().references('id').inTable('outbox').withKeyName('notification_acks_outbox_fk');
    key('case_id').notNullable();
    t.integer('step').notNullable().defaultTo(0);
    key('due_at').notNullable();
    /** waiting → acknowledged | exhausted | cancelled */
    key('status').notNullable().defaultTo('waiting');
    key('claimed_by').nullable();
    key('claim_expires_at').nullable();
    key('acknowledged_by').nullable();
    if (pg) t.jsonb('acknowledged_actor').nullable();
    else t.text('acknowledged_actor').nullable();
    key('acknowledged_id').nullable();
    t.text('comment').nullable();
    key('acknowledged_at').nullable();
    key('recorded_at').nullable();
    key('created_at').notNullable();
    key('updated_at').notNullable();
    t.primary(['notification_id'], 'notification_acks_pkey');
    t.index(['status', 'due_at'], 'notification_acks_status_due_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notification_acks');
  await knex.schema.dropTableIfExists('inbox_items');
  await knex.schema.dropTableIfExists('deliveries');
}
