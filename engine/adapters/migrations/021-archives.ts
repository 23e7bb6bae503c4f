/**
 * Migration 021: archives of closed cases (`duban archive`). `archives` holds
 * one row per archive run with its state (planned → written → recorded →
 * pruned), the sha256 of its manifest and the Merkle root over its cases;
 * `archived_cases` one row per case with its own progress (planned →
 * written → pruned), the head it was archived at and its file's sha256.
 *
 * The append-only guard of `case_events` is narrowed: a DELETE is allowed
 * only for the events of a case whose archive is recorded (its hash in
 * `archives`) and whose file is written. An UPDATE is still always refused.
 */
import type { Knex } from 'knex';
import { APPEND_ONLY_TRIGGER, isPostgres } from './append-only-guard.js';

const PG_GUARDED = `CREATE OR REPLACE FUNCTION case_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
   BEGIN
     IF TG_OP = 'DELETE' AND EXISTS (
       SELECT 1 FROM archived_cases a JOIN archives r ON r.id = a.archive_id
       WHERE a.case_id = OLD.case_id AND a.state = 'written' AND r.state = 'recorded' AND a.seq >= OLD.seq
     ) THEN
       RETURN OLD;
     END IF;
     RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = '55000';
   END
   $body$`;

const PG_ORIGINAL = `CREATE OR REPLACE FUNCTION case_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
   BEGIN
     RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = '55000';
   END
   $body$`;

const SQLITE_DELETE = `${APPEND_ONLY_TRIGGER}_delete`;

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  const key = (t: Knex.CreateTableBuilder, name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name));
  await knex.schema.createTable('archives', (t) => {
    key(t, 'id').primary('archives_pkey');
    t.text('created_at').notNullable();
    t.text('created_by').notNullable();
    /** The `--closed-before` instant (ISO). */
    t.text('closed_before').notNullable();
    /** Absolute path of the archive's directory when it was written. */
    t.text('dir').notNullable();
    /** planned | written | recorded | pruned */
    t.text('state').notNullable();
    t.integer('cases').notNullable();
    /** sha256 of manifest.json (hex), once written. */
    t.text('archive_hash');
    /** Merkle root over the cases' heads (hex), once written. */
    t.text('merkle_root');
    /** The anchor checkpoint whose line records the archive (when anchoring is configured). */
    t.integer('anchor_checkpoint');
    t.text('recorded_at');
    t.text('pruned_at');
  });
  await knex.schema.createTable('archived_cases', (t) => {
    key(t, 'case_id').primary('archived_cases_pkey');
    key(t, 'archive_id').notNullable().references('id').inTable('archives').withKeyName('archived_cases_archive_fk');
    /** The head the case was archived at (its version and last hash then). */
    t.integer('seq').notNullable();
    t.text('last_hash').notNullable();
    /** sha256 of the case's file in the archive, once written. */
    t.text('file_sha256');
    /** planned | written | pruned */
    t.text('state').notNullable();
    t.index(['archive_id'], 'archived_cases_archive_idx');
  });
  if (pg) {
    await knex.raw(PG_GUARDED);
  } else {
    // SQLite triggers cannot be altered: the DELETE one is made again with a WHEN that lets archived events go.
    await knex.raw(`DROP TRIGGER IF EXISTS ${SQLITE_DELETE}`);
    await knex.raw(
      `CREATE TRIGGER ${SQLITE_DELETE} BEFORE DELETE ON case_events WHEN NOT EXISTS (
         SELECT 1 FROM archived_cases a JOIN archives r ON r.id = a.archive_id
         WHERE a.case_id = OLD.case_id AND a.state = 'written' AND r.state = 'recorded' AND a.seq >= OLD.seq
       ) BEGIN SELECT RAISE(ABORT, 'case_events is append-only: DELETE refused'); END`,
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw(PG_ORIGINAL);
  } else {
    await knex.raw(`DROP TRIGGER IF EXISTS ${SQLITE_DELETE}`);
    await knex.raw(`CREATE TRIGGER ${SQLITE_DELETE} BEFORE DELETE ON case_events BEGIN SELECT RAISE(ABORT, 'case_events is append-only: DELETE refused'); END`);
  }
  await knex.schema.dropTable('archived_cases');
  await knex.schema.dropTable('archives');
}
