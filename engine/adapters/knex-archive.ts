/**
 * The archive ports over knex (SQLite and PostgreSQL): runs in `archives`,
 * per-case progress in `archived_cases` (migration 021), and the pruning of
 * an archived case's runtime rows in one transaction.
 */
import type { Knex } from 'knex';
import type { ArchivedCase, ArchiveReader, ArchiveRecord, ArchiveRunStore, ArchiveState, ArchivedCaseState, ClosedCase } from '../archive-ports.js';
import { ArchiveConflictError } from '../errors.js';
import type { KnexStore } from './knex-store.js';

interface ArchiveRow {
  id: string;
  created_at: string;
  created_by: string;
  closed_before: string;
  dir: string;
  state: ArchiveState;
  cases: number | string;
  archive_hash: string | null;
  merkle_root: string | null;
  anchor_checkpoint: number | string | null;
  recorded_at: string | null;
  pruned_at: string | null;
}

interface ArchivedCaseRow {
  case_id: string;
  archive_id: string;
  seq: number | string;
  last_hash: string;
  file_sha256: string | null;
  state: ArchivedCaseState;
}

/** Ids per `IN (…)` list, well under either database's parameter limit. */
const ID_CHUNK = 500;

const toArchive = (r: ArchiveRow): ArchiveRecord => ({
  id: r.id, createdAt: r.created_at, createdBy: r.created_by, closedBefore: r.closed_before, dir: r.dir, state: r.state, cases: Number(r.cases),
  archiveHash: r.archive_hash, merkleRoot: r.merkle_root, anchorCheckpoint: r.anchor_checkpoint === null ? null : Number(r.anchor_checkpoint),
  recordedAt: r.recorded_at, prunedAt: r.pruned_at,
});

const toCase = (r: ArchivedCaseRow): ArchivedCase => ({
  caseId: r.case_id, archiveId: r.archive_id, seq: Number(r.seq), hash: r.last_hash, fileSha256: r.file_sha256, state: r.state,
});

/** The tables whose rows of a case go when it is pruned, children before parents. */
async function deleteRuntimeRows(trx: Knex.Transaction, caseId: string): Promise<void> {
  const outboxIds = trx('outbox').select('id').where({ case_id: caseId });
  await trx('deliveries').whereIn('outbox_id', outboxIds).delete();
  await trx('inbox_items').whereIn('outbox_id', outboxIds).delete();
  await trx('notification_acks').whereIn('notification_id', outboxIds).delete();
  await trx('notification_acks').where({ case_id: caseId }).delete();
  await trx('outbox').where({ case_id: caseId }).delete();
  await trx('timers').where({ case_id: caseId }).delete();
  await trx('tasks').where({ case_id: caseId }).delete();
  await trx('case_snapshots').where({ case_id: caseId }).delete();
  await trx('event_salts').where({ case_id: caseId }).delete();
  // Allowed by the guard of migration 021 only because the case's archive is recorded and its file written.
  await trx('case_events').where({ case_id: caseId }).delete();
}

/**
 * Creates both archive ports on a knex store's database (migrated).
 *
 * @example
 * const { runs, reader } = createKnexArchiveStore(store);
 * const pending = await runs.unfinished();
 */
export function createKnexArchiveStore(store: Pick<KnexStore, 'knex'>): { runs: ArchiveRunStore; reader: ArchiveReader } {
  const knex: Knex = store.knex;
  const runs: ArchiveRunStore = {
    async listClosed(closedBefore, afterId, limit) {
      const q = knex('cases')
        .select('id', 'version', 'last_hash', 'org')
        .where('status', 'done')
        .andWhere('updated_at', '<', closedBefore)
        .whereNotExists(knex('archived_cases').select(knex.raw('1')).whereRaw('archived_cases.case_id = cases.id'))
        .orderBy('id')
        .limit(limit);
      const rows = (await (afterId === undefined ? q : q.andWhere('id', '>', afterId))) as { id: string; version: number | string; last_hash: string; org: string }[];
      return rows.map((r): ClosedCase => ({ caseId: r.id, seq: Number(r.version), hash: r.last_hash, org: r.org }));
    },

    async plan(archive, heads) {
      try {
        await knex.transaction(async (trx) => {
          await trx('archives').insert({
            id: archive.id, created_at: archive.createdAt, created_by: archive.createdBy, closed_before: archive.closedBefore, dir: archive.dir,
            state: 'planned', cases: heads.length,
          });
          for (let i = 0; i < heads.length; i += ID_CHUNK) {
            await trx('archived_cases').insert(heads.slice(i, i + ID_CHUNK).map((h) => ({ case_id: h.caseId, archive_id: archive.id, seq: h.seq, last_hash: h.hash, state: 'planned' })));
          }
        });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        // A case already planned by another run (two runs at once): nothing of this run was written.
        if (code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'))) throw new ArchiveConflictError('another archive run took some of these cases first; run duban archive again');
        throw err;
      }
    },

    async unfinished() {
      return ((await knex<ArchiveRow>('archives').whereNot('state', 'pruned').orderBy('created_at').orderBy('id')) as ArchiveRow[]).map(toArchive);
    },

    async caseWritten(caseId, fileSha256) {
      await knex('archived_cases').where({ case_id: caseId }).whereIn('state', ['planned', 'written']).update({ state: 'written', file_sha256: fileSha256 });
    },

    async advance(archiveId, to, fields) {
      const patch: Record<string, unknown> = { state: to };
      if (fields.archiveHash !== undefined) patch.archive_hash = fields.archiveHash;
      if (fields.merkleRoot !== undefined) patch.merkle_root = fields.merkleRoot;
      if (fields.anchorCheckpoint !== undefined) patch.anchor_checkpoint = fields.anchorCheckpoint;
      if (to === 'recorded') patch.recorded_at = fields.at;
      if (to === 'pruned') patch.pruned_at = fields.at;
      await knex('archives').where({ id: archiveId }).update(patch);
    },

    async prune(caseId) {
      await knex.transaction(async (trx) => {
        const entry = (await trx<ArchivedCaseRow>('archived_cases').where({ case_id: caseId }).first()) as ArchivedCaseRow | undefined;
        if (!entry || entry.state === 'pruned') return;
        const row = (await trx('cases').select('version', 'last_hash').where({ id: caseId }).first()) as { version: number | string; last_hash: string } | undefined;
        if (!row || Number(row.version) !== Number(entry.seq) || row.last_hash !== entry.last_hash) {
          throw new ArchiveConflictError(`case ${caseId} changed after it was archived (seq ${String(entry.seq)}); its runtime rows are kept`, { caseId });
        }
        await deleteRuntimeRows(trx, caseId);
        await trx('archived_cases').where({ case_id: caseId }).update({ state: 'pruned' });
      });
    },
  };

  const reader: ArchiveReader = {
    async getArchive(archiveId) {
      const row = (await knex<ArchiveRow>('archives').where({ id: archiveId }).first()) as ArchiveRow | undefined;
      return row && toArchive(row);
    },
    async listArchives() {
      return ((await knex<ArchiveRow>('archives').orderBy('created_at').orderBy('id')) as ArchiveRow[]).map(toArchive);
    },
    async casesOf(archiveId) {
      return ((await knex<ArchivedCaseRow>('archived_cases').where({ archive_id: archiveId }).orderBy('case_id')) as ArchivedCaseRow[]).map(toCase);
    },
    async archivedCases(caseIds) {
      const out = new Map<string, ArchivedCase>();
      for (let i = 0; i < caseIds.length; i += ID_CHUNK) {
        const rows = (await knex<ArchivedCaseRow>('archived_cases').whereIn('case_id', caseIds.slice(i, i + ID_CHUNK))) as ArchivedCaseRow[];
        for (const r of rows) out.set(r.case_id, toCase(r));
      }
      return out;
    },
  };
  return { runs, reader };
}
