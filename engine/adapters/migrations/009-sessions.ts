/**
 * Migration 009: web sessions (issue 8). A session is its own random id, not
 * the API token it was opened with: only the id's sha256 is stored, with the
 * user, the token used to sign in (revoking it ends its sessions), the last
 * use (idle expiry), the absolute expiry and the revocation (logout).
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

/** Creates `web_sessions`. */
export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const key = (t: Knex.CreateTableBuilder, name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
  await knex.schema.createTable('web_sessions', (t) => {
    key(t, 'id').notNullable();
    key(t, 'hash').notNullable();
    key(t, 'user_id').notNullable().references('id').inTable('users').withKeyName('web_sessions_user_fk');
    key(t, 'token_id').notNullable().references('id').inTable('api_tokens').withKeyName('web_sessions_token_fk');
    key(t, 'created_at').notNullable();
    key(t, 'last_seen_at').notNullable();
    key(t, 'expires_at').notNullable();
    key(t, 'revoked_at').nullable();
    t.primary(['id'], 'web_sessions_pkey');
    t.unique(['hash'], { indexName: 'web_sessions_hash_unique' });
    t.index(['user_id'], 'web_sessions_user_idx');
    t.index(['expires_at'], 'web_sessions_expires_idx');
  });
}

/** Drops what `up` created. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('web_sessions');
}
