/**
 * Migration 017: issued documents (`server/documents/`). When an event issues
 * an official document (整改指令书, 督办函, 通报, 约谈通知书, 结案报告), the
 * document as issued is kept here with its SHA-256: the printed page always
 * shows the text that went out, and a later change of a name, a template or
 * a definition cannot alter it unnoticed. One row per (case, kind, event);
 * rows are never updated or deleted (triggers, as on `case_events`).
 *
 * Also the kept values of refused web forms (Post/Redirect/Get), so that a
 * redirect that lands on another server process still shows them.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

const PG_GUARD = [
  `CREATE OR REPLACE FUNCTION issued_documents_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
   BEGIN
     RAISE EXCEPTION 'issued_documents is append-only: % refused', TG_OP USING ERRCODE = '55000';
   END
   $body$`,
  'CREATE TRIGGER issued_documents_append_only BEFORE UPDATE OR DELETE ON issued_documents FOR EACH ROW EXECUTE FUNCTION issued_documents_refuse_change()',
];
const SQLITE_GUARD = ['UPDATE', 'DELETE'].map(
  (op) => `CREATE TRIGGER IF NOT EXISTS issued_documents_append_only_${op.toLowerCase()} BEFORE ${op} ON issued_documents BEGIN SELECT RAISE(ABORT, 'issued_documents is append-only: ${op} refused'); END`,
);

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('issued_documents', (t) => {
    if (pg) t.specificType('case_id', 'text COLLATE "C"').notNullable();
    else t.text('case_id').notNullable();
    t.text('kind').notNullable();
    t.integer('seq').notNullable();
    t.text('title').notNullable();
    t.text('doc_no');
    t.text('body').notNullable();
    t.text('sha256').notNullable();
    t.text('issued_at').notNullable();
    t.text('recorded_at').notNullable();
    t.primary(['case_id', 'kind', 'seq'], 'issued_documents_pkey');
  });
  for (const sql of pg ? PG_GUARD : SQLITE_GUARD) await knex.raw(sql);
  await knex.schema.createTable('form_flashes', (t) => {
    t.text('id').primary();
    t.text('user_id').notNullable();
    t.text('flash').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['expires_at'], 'form_flashes_expiry_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('form_flashes');
  await knex.schema.dropTable('issued_documents');
  if (isPostgres(knex)) await knex.raw('DROP FUNCTION IF EXISTS issued_documents_refuse_change()');
}
