/**
 * The index of tip-off query codes (migration 025): the hash of each
 * tip-off's code → its case, written by a projection in the step that takes
 * the tip-off in (so the case and its index row commit together), and read by
 * primary key when a tipster looks the code up.
 */
import type { CommitProjection, KnexStore } from '../engine/index.js';

const WORKFLOW = 'tip-off';
const INSERT = 'INSERT INTO tipoff_query_codes (hash, case_id) VALUES (?, ?)';

/** Indexes the query-code hash of a tip-off when it is created. One function, so adding it twice adds it once. */
export const tipOffQueryCodeProjection: CommitProjection = async (req, conn) => {
  if (req.expectedVersion !== null || req.record.workflowId !== WORKFLOW) return;
  const hash = req.record.state.data.queryCodeHash;
  if (typeof hash === 'string' && hash !== '') await conn.run(INSERT, [hash, req.record.id]);
};

/** The case id of the tip-off whose code has this hash, or undefined. */
export async function findTipOffByCodeHash(store: KnexStore, hash: string): Promise<string | undefined> {
  const row: { case_id: string } | undefined = await store.knex('tipoff_query_codes').select('case_id').where('hash', hash).first();
  return row?.case_id;
}
