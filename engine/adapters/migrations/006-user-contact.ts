/**
 * Migration 006: how notifications reach a person (DESIGN §6). Users get an
 * optional e-mail address (the e-mail channel) and an optional webhook URL
 * (the webhook channel); their `locale` (003) picks the template language.
 * Both columns are nullable, so existing users simply get nothing by those
 * channels until an address is set.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('email').nullable();
    t.text('webhook_url').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('webhook_url');
    t.dropColumn('email');
  });
}
