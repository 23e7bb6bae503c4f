/**
 * THE ATTACK OF ISSUE 8, for tests only: a database owner rewrites one event
 * of a case and re-hashes it and every later event, so each `prev_hash`
 * links and each `hash` recomputes, then points the case row at the new
 * last hash. `verify` cannot see it (the chain is internally consistent);
 * only an anchor recorded outside the database can.
 *
 * The append-only triggers are bypassed the way an owner would: on
 * PostgreSQL with `SET LOCAL session_replication_role = replica` (row
 * triggers do not fire; needs a superuser, as the database owner of the
 * finding was), on SQLite by dropping the triggers inside the transaction
 * and creating them again.
 */
import { hashEvent, GENESIS_HASH, type EventRecord, type KnexStore } from '../../engine/index.js';
import { eventPatchToRow } from '../../engine/adapters/knex-rows.js';
import { sqliteGuardStatements, sqliteUnguardStatements } from '../../engine/adapters/migrations/append-only-guard.js';

/** Fields of the event the attacker changes. */
export type RechainPatch = Partial<Pick<EventRecord, 'payload' | 'actor' | 'at' | 'state' | 'type'>>;

/**
 * Rewrites event `seq` of `caseId` with `patch`, re-hashes it and every later
 * event, and updates `cases.last_hash`. Resolves to the case's new last hash.
 *
 * @example
 * await rechainCase(store, caseId, 2, { actor: { ...clerk, id: 'u-someone-else' } });
 * expect((await engine.verify()).ok).toBe(true); // the attack works
 */
export async function rechainCase(store: KnexStore, caseId: string, seq: number, patch: RechainPatch): Promise<string> {
  const events = await store.listEvents(caseId);
  if (!events.some((e) => e.seq === seq)) throw new Error(`rechainCase: case ${caseId} has no event ${seq}`);
  const rewritten: EventRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (const e of events) {
    const changed: EventRecord = e.seq === seq ? { ...e, ...patch } : { ...e };
    changed.prevHash = prevHash;
    changed.hash = hashEvent(changed);
    prevHash = changed.hash;
    if (e.seq >= seq) rewritten.push(changed);
  }
  await store.knex.transaction(async (trx) => {
    if (store.dialect === 'postgres') await trx.raw('SET LOCAL session_replication_role = replica');
    else for (const sql of sqliteUnguardStatements()) await trx.raw(sql);
    for (const e of rewritten) {
      const { caseId: _c, seq: _s, ...fields } = e;
      await trx('case_events').where({ case_id: caseId, seq: e.seq }).update(eventPatchToRow(fields));
    }
    await trx('cases').where({ id: caseId }).update({ last_hash: prevHash });
    if (store.dialect === 'sqlite') for (const sql of sqliteGuardStatements()) await trx.raw(sql);
  });
  return prevHash;
}
