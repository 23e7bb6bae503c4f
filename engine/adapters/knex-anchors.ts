/**
 * The `AnchorStore` port over knex (SQLite and PostgreSQL): case heads read
 * from `cases`, event hashes from `case_events`, checkpoint claims in
 * `anchor_checkpoints` (migration 008).
 */
import type { Knex } from 'knex';
import type { AnchorStore, CheckpointClaim } from '../anchor-ports.js';
import type { CaseHead } from '../runtime/merkle.js';
import type { KnexStore } from './knex-store.js';

interface CheckpointRow {
  seq: number | string;
  claimed_at: string;
  claimed_by: string;
  root: string | null;
  line_hash: string | null;
}

/** Seqs per `IN (…)` list, well under either database's parameter limit. */
const SEQ_CHUNK = 500;

/**
 * Creates the anchor store on a knex store's database (migrated).
 *
 * @example
 * const anchors = createKnexAnchorStore(store);
 * const heads = await anchors.listCaseHeads(undefined, 500);
 */
export function createKnexAnchorStore(store: Pick<KnexStore, 'knex'>): AnchorStore {
  const knex: Knex = store.knex;
  return {
    async lastCheckpoint(): Promise<CheckpointClaim | undefined> {
      const row = await knex<CheckpointRow>('anchor_checkpoints').orderBy('seq', 'desc').first();
      return row && { seq: Number(row.seq), at: row.claimed_at, root: row.root };
    },

    async claimCheckpoint(seq, at, owner) {
      // Insert-or-nothing: of two processes claiming the same seq, one row wins.
      const inserted = await knex('anchor_checkpoints').insert({ seq, claimed_at: at, claimed_by: owner }).onConflict('seq').ignore().returning('seq');
      return inserted.length === 1;
    },

    async completeCheckpoint(seq, root, lineHash) {
      await knex('anchor_checkpoints').where({ seq }).update({ root, line_hash: lineHash });
    },

    async listCaseHeads(afterId, limit) {
      const query = knex('cases').select('id', 'version', 'last_hash').orderBy('id').limit(limit);
      const rows = (await (afterId === undefined ? query : query.where('id', '>', afterId))) as { id: string; version: number | string; last_hash: string }[];
      return rows.map((r): CaseHead => ({ caseId: r.id, seq: Number(r.version), hash: r.last_hash }));
    },

    async eventHashes(caseId, seqs) {
      const out = new Map<number, string>();
      for (let i = 0; i < seqs.length; i += SEQ_CHUNK) {
        const rows = (await knex('case_events').select('seq', 'hash').where({ case_id: caseId }).whereIn('seq', seqs.slice(i, i + SEQ_CHUNK))) as { seq: number | string; hash: string }[];
        for (const r of rows) out.set(Number(r.seq), r.hash);
      }
      return out;
    },
  };
}
