/**
 * The `StatsStore` port over knex, on the server's database (the same SQL
 * on SQLite and PostgreSQL): the facts rows the projection writes, quotas,
 * threshold crossings, quota interviews and the scheduled monthly reports.
 * Built in the composition root (`openRuntime`), like the people store.
 */
import type { Knex } from 'knex';
import type { CaseFacts } from '../../engine/index.js';
import { factsRow } from './facts-store.js';
import type { QuotaCrossing, QuotaMeasure, StatsStore, StoredReport } from './stats-ports.js';

/** The database the statistics live in: a knex (a `KnexStore` is one). */
export interface StatsDatabase {
  readonly knex: Knex;
}

const parseFacts = (r: { facts: string }) => JSON.parse(r.facts) as CaseFacts;

// The counting rules of `engine/runtime/facts.ts` over the columns of migration 030 (instants are UTC ISO text, so they
// compare as text). Each takes its instants as bindings; `tally.ts` holds the same rules over facts in memory.
/** `countsAsAccident`: a confirmed accident not dismissed. */
const COUNTS = "workflow_id = 'accident' AND confirmed_at IS NOT NULL AND terminated = 0";
/** Opened by `?` and not closed by `?` (the same instant twice). */
const OPEN_AT = '(opened_at <= ? AND (closed_at IS NULL OR closed_at > ?))';
/** `isOverdueAt`: overdue by `?` and still open at `?`. */
const OVERDUE_AT = '(first_overdue_at <= ? AND (closed_at IS NULL OR closed_at > ?))';
/** `isOpenMajorHazardAt` (with {@link OPEN_AT}'s two bindings). */
const OPEN_MAJOR_AT = `(workflow_id = 'hazard' AND grade = 'major' AND ${OPEN_AT})`;
/** A column within [?, ?). */
const within = (col: string) => `(${col} >= ? AND ${col} < ?)`;
/** A sum of 1 per row matching `cond` (or of `value`). */
const sumIf = (cond: string, alias: string, value = '1') => `SUM(CASE WHEN ${cond} THEN ${value} ELSE 0 END) AS ${alias}`;
const n = (v: unknown) => Number(v ?? 0);

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

/** The rows of a `knex.raw` SELECT (better-sqlite3 gives the array, pg a result with `rows`). */
function rowsOf(result: unknown): Record<string, unknown>[] {
  return (Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows);
}

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
      async reportTally(w) {
        const aSelect: string[] = [];
        const aBind: string[] = [];
        w.periods.forEach((p, i) => {
          aSelect.push(sumIf(within('belongs_at'), `c${i}`), sumIf(within('belongs_at'), `d${i}`, 'COALESCE(deaths, 0)'), sumIf(within('belongs_at'), `j${i}`, 'COALESCE(injuries, 0)'), sumIf(within('belongs_at'), `l${i}`, 'COALESCE(direct_loss_cny, 0)'));
          aBind.push(p.from, p.to, p.from, p.to, p.from, p.to, p.from, p.to);
        });
        aSelect.push(sumIf(`listed = 1 AND ${OPEN_AT}`, 'listed_outstanding'));
        aBind.push(w.end, w.end);
        const accidentRows = (await knex.raw(`SELECT org, grade, industry, ${aSelect.join(', ')} FROM case_facts WHERE ${COUNTS} GROUP BY org, grade, industry`, aBind)) as unknown;
        const m = w.month;
        const caseRows = (await knex.raw(`SELECT org,
          ${sumIf("workflow_id = 'hazard'", 'hazards')},
          ${sumIf(`workflow_id = 'hazard' AND ${within('opened_at')}`, 'found')},
          ${sumIf(`workflow_id = 'hazard' AND terminated = 0 AND ${within('closed_at')}`, 'rectified')},
          ${sumIf(`workflow_id = 'hazard' AND terminated = 0 AND ${within('closed_at')} AND (first_overdue_at IS NULL OR first_overdue_at >= closed_at)`, 'on_time')},
          ${sumIf(`workflow_id = 'hazard' AND ${OVERDUE_AT}`, 'overdue')},
          ${sumIf(OPEN_MAJOR_AT, 'open_major')},
          ${sumIf(`workflow_id = 'supervision-letter' AND ${OPEN_AT}`, 'letters')},
          ${sumIf(`workflow_id = 'tip-off' AND ${within('opened_at')}`, 'received')},
          ${sumIf(`workflow_id = 'tip-off' AND ${within('closed_at')}`, 'handled')}
          FROM case_facts WHERE workflow_id IN ('hazard', 'supervision-letter', 'tip-off') GROUP BY org`,
        [m.from, m.to, m.from, m.to, m.from, m.to, w.end, w.end, w.end, w.end, w.end, w.end, m.from, m.to, m.from, m.to])) as unknown;
        return {
          accidents: rowsOf(accidentRows).map((r) => ({
            org: String(r.org), grade: (r.grade as string | null) ?? null, industry: (r.industry as string | null) ?? null, listedOutstanding: n(r.listed_outstanding),
            periods: w.periods.map((_, i) => ({ count: n(r[`c${i}`]), deaths: n(r[`d${i}`]), injuries: n(r[`j${i}`]), directLossCny: n(r[`l${i}`]) })),
          })),
          cases: rowsOf(caseRows).map((r) => ({
            org: String(r.org), hazards: n(r.hazards), found: n(r.found), rectified: n(r.rectified), rectifiedOnTime: n(r.on_time), overdue: n(r.overdue), openMajor: n(r.open_major),
            lettersOutstanding: n(r.letters), tipOffsReceived: n(r.received), tipOffsHandled: n(r.handled),
          })),
        };
      },
      async dashboardTally(w) {
        // The trend month a row belongs to: the index of the boundary pair around `belongs_at` (NULL outside them).
        // (Grouping by org alone with three sums per month evaluates far more expressions than this one sort costs.)
        const months = w.months.slice(1).map((_, i) => `WHEN belongs_at < ? THEN ${i}`).join(' ');
        const rows = (await knex.raw(`SELECT org, CASE WHEN belongs_at < ? THEN NULL ${months} ELSE NULL END AS month,
          ${sumIf(OPEN_MAJOR_AT, 'open_major')},
          ${sumIf(OVERDUE_AT, 'overdue')},
          ${sumIf(`${COUNTS} AND ${within('belongs_at')}`, 'year_accidents')},
          ${sumIf(`${COUNTS} AND ${within('belongs_at')}`, 'year_deaths', 'COALESCE(deaths, 0)')},
          ${sumIf(COUNTS, 'accidents')},
          ${sumIf(COUNTS, 'deaths', 'COALESCE(deaths, 0)')},
          ${sumIf("workflow_id = 'hazard'", 'hazards')}
          FROM case_facts GROUP BY org, month`,
        [...w.months, w.now, w.now, w.now, w.now, w.year.from, w.year.to, w.year.from, w.year.to])) as unknown;
        return rowsOf(rows).map((r) => ({
          org: String(r.org), month: r.month === null || r.month === undefined ? null : Number(r.month), openMajor: n(r.open_major), overdue: n(r.overdue),
          yearAccidents: n(r.year_accidents), yearDeaths: n(r.year_deaths), accidents: n(r.accidents), deaths: n(r.deaths), hazardsFound: n(r.hazards),
        }));
      },
      async accidentUse(p) {
        const rows = (await knex('case_facts').select('org').count({ accidents: '*' }).sum({ deaths: knex.raw('COALESCE(deaths, 0)') })
          .whereRaw(COUNTS).where('belongs_at', '>=', p.from).where('belongs_at', '<', p.to).groupBy('org')) as { org: string; accidents: unknown; deaths: unknown }[];
        return rows.map((r) => ({ org: r.org, accidents: n(r.accidents), deaths: n(r.deaths) }));
      },
      async replaceAll(facts) {
        await knex.transaction(async (trx) => {
          await trx('case_facts').delete();
          for (let i = 0; i < facts.length; i += 200) {
            await trx('case_facts').insert(facts.slice(i, i + 200).map(factsRow));
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
