/**
 * The `StatsStore` port over knex, on the server's database (the same SQL
 * on SQLite and PostgreSQL): the facts rows the projection writes, quotas,
 * threshold crossings, quota interviews and the scheduled monthly reports.
 * Built in the composition root (`openRuntime`), like the people store.
 */
import type { Knex } from 'knex';
import { belongsAt, type CaseFacts } from '../../engine/index.js';
import type { QuotaCrossing, QuotaMeasure, StatsStore, StoredReport } from './stats-ports.js';

/** The database the statistics live in: a knex (a `KnexStore` is one). */
export interface StatsDatabase {
  readonly knex: Knex;
}

const parseFacts = (r: { facts: string }) => JSON.parse(r.facts) as CaseFacts;

interface CrossingRow {
  district: string; year: number; measure: string; threshold: number; crossing: number; used: number; quota: number;
  case_id: string; notification_id: string | null; raised_at: string; given_back_at: string | null;
}
const toCrossing = (r: CrossingRow): QuotaCrossing => ({
  district: r.district, year: Number(r.year), measure: r.measure as QuotaMeasure, threshold: Number(r.threshold), crossing: Number(r.crossing),
  used: Number(r.used), quota: Number(r.quota), caseId: r.case_id, notificationId: r.notification_id, raisedAt: r.raised_at, givenBackAt: r.given_back_at,
});

interface ReportRow { month: string; org: string; sha256: string | null; xlsx: Buffer | Uint8Array | null; generated_at: string | null; sent_at: string | null }
const toReport = (r: ReportRow): StoredReport => ({
  month: r.month, org: r.org, sha256: r.sha256, xlsx: r.xlsx === null ? null : Buffer.from(r.xlsx), generatedAt: r.generated_at, sentAt: r.sent_at,
});

/**
 * Creates the statistics store on `db`'s database (migrations 020 and 026).
 *
 * @example
 * const stats = createKnexStatsStore(store);
 * const accidents = await stats.facts.list({ workflowId: 'accident' });
 */
export function createKnexStatsStore(db: StatsDatabase): StatsStore {
  const { knex } = db;
  return {
    facts: {
      async list(filter = {}) {
        const q = knex('case_facts').select('facts').orderBy('case_id');
        if (filter.workflowId !== undefined) q.where('workflow_id', filter.workflowId);
        if (filter.belongsFrom !== undefined) q.where('belongs_at', '>=', filter.belongsFrom);
        if (filter.belongsTo !== undefined) q.where('belongs_at', '<', filter.belongsTo);
        return ((await q) as { facts: string }[]).map(parseFacts);
      },
      async get(caseId) {
        const row = (await knex('case_facts').select('facts').where({ case_id: caseId }).first()) as { facts: string } | undefined;
        return row && parseFacts(row);
      },
      async cases(createdBy) {
        const q = knex('cases').select('id', 'workflow_id').orderBy('id');
        if (createdBy !== undefined) q.where('created_at', '<=', createdBy);
        return ((await q) as { id: string; workflow_id: string }[]).map((r) => ({ id: r.id, workflowId: r.workflow_id }));
      },
      async replaceAll(facts) {
        await knex.transaction(async (trx) => {
          await trx('case_facts').delete();
          for (let i = 0; i < facts.length; i += 200) {
            await trx('case_facts').insert(facts.slice(i, i + 200).map((f) => ({ case_id: f.caseId, workflow_id: f.workflowId, org: f.org, seq: f.seq, opened_at: f.openedAt, closed_at: f.closedAt, belongs_at: belongsAt(f), facts: JSON.stringify(f) })));
          }
        });
      },
    },
    quotas: {
      async set(q) {
        await knex('district_quotas').insert({ district: q.district, year: q.year, measure: q.measure, quota: q.quota, set_by: q.setBy, set_at: q.at })
          .onConflict(['district', 'year', 'measure']).merge(['quota', 'set_by', 'set_at']);
      },
      async list(year) {
        return ((await knex('district_quotas').select('district', 'measure', 'quota').where('year', year)) as { district: string; measure: QuotaMeasure; quota: number }[])
          .map((r) => ({ district: r.district, measure: r.measure, quota: Number(r.quota) }));
      },
      async warned(year) {
        return ((await knex('quota_warnings').select('district', 'measure', 'threshold').where('year', year)) as { district: string; measure: QuotaMeasure; threshold: number }[])
          .map((r) => ({ district: r.district, measure: r.measure, threshold: Number(r.threshold) }));
      },
      async raise(c) {
        return knex.transaction(async (trx) => {
          // The warning row is the claim: one process inserts it, a concurrent check inserts nothing.
          const won = await trx('quota_warnings')
            .insert({ district: c.district, year: c.year, measure: c.measure, threshold: c.threshold, used: c.used, quota: c.quota, raised_at: c.raisedAt })
            .onConflict(['district', 'year', 'measure', 'threshold']).ignore().returning('threshold');
          if (won.length === 0) return undefined;
          const key = { district: c.district, year: c.year, measure: c.measure, threshold: c.threshold };
          const [last] = (await trx('quota_crossings').where(key).max({ n: 'crossing' })) as { n: number | null }[];
          const crossing = Number(last?.n ?? 0) + 1;
          await trx('quota_crossings').insert({ ...key, crossing, used: c.used, quota: c.quota, case_id: c.caseId, notification_id: null, raised_at: c.raisedAt, given_back_at: null });
          return crossing;
        });
      },
      async setNotification(c, notificationId) {
        await knex('quota_crossings').where({ district: c.district, year: c.year, measure: c.measure, threshold: c.threshold, crossing: c.crossing }).update({ notification_id: notificationId });
      },
      async giveBack(c) {
        return knex.transaction(async (trx) => {
          const key = { district: c.district, year: c.year, measure: c.measure, threshold: c.threshold };
          const n = await trx('quota_warnings').where(key).delete();
          if (n === 0) return false;
          await trx('quota_crossings').where(key).whereNull('given_back_at').update({ given_back_at: c.at });
          return true;
        });
      },
      async crossings(filter) {
        const q = knex('quota_crossings').where('year', filter.year).orderBy([{ column: 'district' }, { column: 'measure' }, { column: 'threshold' }, { column: 'crossing' }]);
        if (filter.district !== undefined) q.where('district', filter.district);
        return ((await q) as CrossingRow[]).map(toCrossing);
      },
      async claimInterview(i) {
        await knex('quota_interviews')
          .insert({ district: i.district, year: i.year, measure: i.measure, reason: i.reason, linked_case_id: i.linkedCaseId, case_id: null, claimed_at: i.at })
          .onConflict(['district', 'year']).ignore();
        const r = (await knex('quota_interviews').where({ district: i.district, year: i.year }).first()) as { district: string; year: number; measure: string; reason: string; linked_case_id: string; case_id: string | null };
        return { district: r.district, year: Number(r.year), measure: r.measure as QuotaMeasure, reason: r.reason, linkedCaseId: r.linked_case_id, caseId: r.case_id };
      },
      async setInterviewCase(district, year, caseId) {
        await knex('quota_interviews').where({ district, year }).update({ case_id: caseId });
      },
    },
    reports: {
      async claim(month, org, owner, now, until) {
        const inserted = await knex('monthly_reports')
          .insert({ month, org, claimed_by: owner, claimed_at: now, claim_expires_at: until })
          .onConflict(['month', 'org']).ignore().returning('month');
        if (inserted.length > 0) return true;
        // A process that died mid-way: its claim expires and another takes the report over (never one already sent).
        const n = await knex('monthly_reports').where({ month, org }).whereNull('sent_at').where('claim_expires_at', '<=', now)
          .update({ claimed_by: owner, claimed_at: now, claim_expires_at: until });
        return n === 1;
      },
      async get(month, org) {
        const r = (await knex('monthly_reports').where({ month, org }).first()) as ReportRow | undefined;
        return r && toReport(r);
      },
      async save(month, org, r) {
        await knex('monthly_reports').where({ month, org }).whereNull('sha256').update({ xlsx: r.xlsx, sha256: r.sha256, generated_at: r.at });
      },
      async delivered(month, org) {
        return ((await knex('monthly_report_deliveries').select('recipient').where({ month, org, status: 'sent' })) as { recipient: string }[]).map((r) => r.recipient);
      },
      async recordDelivery(d) {
        await knex('monthly_report_deliveries')
          .insert({ month: d.month, org: d.org, recipient: d.recipient, address: d.address, status: d.status, attempts: 1, last_error: d.error, delivered_at: d.status === 'sent' ? d.at : null })
          .onConflict(['month', 'org', 'recipient'])
          .merge({ address: d.address, status: d.status, attempts: knex.raw('monthly_report_deliveries.attempts + 1'), last_error: d.error, delivered_at: d.status === 'sent' ? d.at : null });
      },
      async markSent(month, org, at) {
        await knex('monthly_reports').where({ month, org }).update({ sent_at: at });
      },
      async list(org) {
        const q = knex('monthly_reports').select('month', 'org', 'sha256', knex.raw('NULL as xlsx'), 'generated_at', 'sent_at').whereNotNull('sha256').orderBy('month', 'desc');
        if (org !== undefined) q.where('org', org);
        return ((await q) as ReportRow[]).map(toReport);
      },
    },
  };
}
