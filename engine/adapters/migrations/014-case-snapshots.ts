/**
 * Migration 014: state snapshots. From now on an event row stores what its
 * step changed (`{"$delta": …}` in `case_events.state`, see
 * `../state-delta.ts`) instead of the whole case state; the whole state is
 * kept here every N events (16 unless configured) and when the case ends, so
 * reading or replaying up to any seq starts from the nearest snapshot at or
 * before it. `hash` is the hash of the event at `seq`: the snapshot belongs
 * to that link of the chain, and `verify` checks its state against the state
 * the chain commits to.
 *
 * Existing rows need no conversion: an event row without the delta marker
 * holds a full state, and is read as one.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('case_snapshots', (t) => {
    if (pg) t.specificType('case_id', 'text COLLATE "C"').notNullable();
    else t.text('case_id').notNullable();
    t.integer('seq').notNullable();
    if (pg) t.jsonb('state').notNullable();
    else t.text('state').notNullable();
    t.text('hash').notNullable();
    t.primary(['case_id', 'seq'], 'case_snapshots_pkey');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('case_snapshots');
}
