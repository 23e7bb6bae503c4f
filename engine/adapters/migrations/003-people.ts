/**
 * Migration 003: people and access (DESIGN §7): the org tree, users with their
 * roles, and API tokens stored as sha256 hashes (the token text is shown once
 * and never stored).
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

/** Creates `orgs`, `users` and `api_tokens`. */
export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const key = (t: Knex.CreateTableBuilder, name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
  await knex.schema.createTable('orgs', (t) => {
    key(t, 'id').notNullable();
    t.text('name').notNullable();
    key(t, 'parent_id').nullable().references('id').inTable('orgs').withKeyName('orgs_parent_fk');
    key(t, 'level').notNullable();
    key(t, 'created_at').notNullable();
    t.primary(['id'], 'orgs_pkey');
    t.index(['parent_id'], 'orgs_parent_idx');
  });
  await knex.schema.createTable('users', (t) => {
    key(t, 'id').notNullable();
    t.text('name').notNullable();
    key(t, 'org_id').notNullable().references('id').inTable('orgs').withKeyName('users_org_fk');
    // A JSON array of role ids: text on SQLite, jsonb on PostgreSQL (as every JSON column of the store).
    if (pg) t.jsonb('roles').notNullable();
    else t.text('roles').notNullable();
    key(t, 'locale').notNullable();
    key(t, 'created_at').notNullable();
    t.primary(['id'], 'users_pkey');
    t.index(['org_id'], 'users_org_idx');
  });
  await knex.schema.createTable('api_tokens', (t) => {
    key(t, 'id').notNullable();
    key(t, 'user_id').notNullable().references('id').inTable('users').withKeyName('api_tokens_user_fk');
    key(t, 'hash').notNullable();
    t.text('label').nullable();
    key(t, 'created_at').notNullable();
    key(t, 'last_used_at').nullable();
    key(t, 'revoked_at').nullable();
    t.primary(['id'], 'api_tokens_pkey');
    t.unique(['hash'], { indexName: 'api_tokens_hash_unique' });
    t.index(['user_id'], 'api_tokens_user_idx');
  });
}

/** Drops what `up` created. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_tokens');
  await knex.schema.dropTableIfExists('users');
  await knex.schema.dropTableIfExists('orgs');
}
