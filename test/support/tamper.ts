/**
 * TEST ONLY (lives under test/ so nothing shipped can import it). Rewrites one stored event in place, lifting the
 * append-only guard of `case_events` around that single UPDATE, so audit tests
 * and demos can show that `verify` finds the change. Nothing in the engine,
 * server or CLI may call it: the guard exists precisely so that production
 * code cannot do this.
 */
import type { Knex } from 'knex';
import type { EventRecord, Store } from '../../engine/ports.js';
import { eventPatchToRow } from '../../engine/adapters/knex-rows.js';
import type { KnexStore } from '../../engine/adapters/knex-store.js';
import { APPEND_ONLY_TRIGGER, isPostgres, sqliteGuardStatements, sqliteUnguardStatements } from '../../engine/adapters/migrations/append-only-guard.js';

/** Fields of a stored event that a tamper may change (not its identity). */
export type EventPatch = Partial<Omit<EventRecord, 'caseId' | 'seq'>>;

/**
 * Overwrites fields of event `seq` of case `caseId`, bypassing the append-only
 * triggers for that statement only. The triggers are lifted and restored in the
 * same transaction (DDL is transactional on both SQLite and PostgreSQL), so no
 * other writer ever sees the table unguarded. Throws when the event does not exist.
 *
 * @example
 * await tamperEvent(store, caseId, 3, { payload: { text: '改过的' } });
 * expect((await engine.verify()).failures[0]).toMatchObject({ caseId, seq: 3 });
 */
export async function tamperEvent(store: Store, caseId: string, seq: number, patch: EventPatch): Promise<void> {
  const knex = knexOf(store);
  const changes = eventPatchToRow(patch);
  if (Object.keys(changes).length === 0) throw new TypeError('tamperEvent: the patch changes nothing');
  await knex.transaction(async (trx) => {
    const update = () => trx('case_events').where({ case_id: caseId, seq }).update(changes);
    let updated: number;
    if (isPostgres(knex)) {
      // ALTER TABLE takes an exclusive lock until commit: concurrent writers wait
      // and then meet the trigger again.
      await trx.raw(`ALTER TABLE case_events DISABLE TRIGGER ${APPEND_ONLY_TRIGGER}`);
      updated = await update();
      await trx.raw(`ALTER TABLE case_events ENABLE TRIGGER ${APPEND_ONLY_TRIGGER}`);
    } else {
      for (const sql of sqliteUnguardStatements()) await trx.raw(sql);
      updated = await update();
      for (const sql of sqliteGuardStatements()) await trx.raw(sql);
    }
    if (updated !== 1) throw new Error(`tamperEvent: case ${caseId} has no event ${seq}`);
  });
}

function knexOf(store: Store): Knex {
  const knex = (store as Partial<KnexStore>).knex;
  if (knex === undefined) throw new TypeError('tamperEvent works on stores made by createKnexStore');
  return knex;
}
