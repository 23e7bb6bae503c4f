/**
 * The timer and calendar halves of the knex store. Timer rows are written and
 * deleted by `commit` (knex-tx.ts); here schedulers read and claim them.
 * Claiming is one conditional UPDATE, so of two processes racing for a row
 * exactly one sees its update take effect.
 *
 * Batched claims (`claimDue`, `claimThrough`) are one statement each and keep
 * each case's timers in due order across processes: a row is claimed only
 * together with every earlier row of its case still in the table, so a row
 * whose predecessor another process holds (firing, or failed and waiting for
 * its retry) stays where it is until that one is gone. A late reminder is
 * then never overtaken by its deadline's due time.
 */
import type { Knex } from 'knex';
import { DefinitionConflictError } from '../errors.js';
import type { CalendarStore, StoredCalendar, TimerRecord, TimerStore } from '../ports.js';
import { decodeJson, encodeJson, type CalendarRow, type Dialect, type TimerRow } from './knex-rows.js';
import { isPostgres } from './migrations/append-only-guard.js';
import { byDue } from './timer-firing.js';

function rowToTimer(row: TimerRow): TimerRecord {
  return {
    timerKey: row.timer_key,
    caseId: row.case_id,
    workflowId: row.workflow_id,
    kind: row.kind as TimerRecord['kind'],
    deadlineKey: row.deadline_key,
    index: Number(row.idx),
    generation: Number(row.generation),
    dueAt: row.due_at,
    status: row.status as TimerRecord['status'],
    attempts: Number(row.attempts),
    lastError: row.last_error,
  };
}

/** Rows a scheduler may take now: pending, or claimed by someone whose claim ran out. */
function claimable(q: Knex.QueryBuilder, now: string): Knex.QueryBuilder {
  return q.where((w) => w.where('status', 'pending').orWhere((x) => x.where('status', 'firing').andWhere('claim_expires_at', '<=', now)));
}

/** Claimable at `:now`: pending, or claimed by someone whose claim ran out. */
const CLAIMABLE = `(t.status = 'pending' OR (t.status = 'firing' AND t.claim_expires_at <= :now))`;
/** No earlier row of its case is held by someone (firing, or failed and waiting for its retry): its turn has come. */
const UNBLOCKED =
  `NOT EXISTS (SELECT 1 FROM timers e WHERE e.case_id = t.case_id AND (e.due_at < t.due_at OR (e.due_at = t.due_at AND e.timer_key < t.timer_key)) ` +
  `AND NOT (e.status = 'pending' OR (e.status = 'firing' AND e.claim_expires_at <= :now)))`;

/**
 * The claim of the rows `picked` selects (a CTE over `timers t` with columns
 * timer_key, case_id, due_at), keeping only those with no earlier row of their
 * case left out of the pick. Bindings: owner, until, now and the pick's own.
 */
function claimSql(pg: boolean, picked: string): string {
  return `WITH picked AS ${pg ? '' : 'MATERIALIZED '}(${picked}${pg ? ' FOR UPDATE OF t SKIP LOCKED' : ''})
UPDATE timers SET status = 'firing', claimed_by = :owner, claim_expires_at = :until
WHERE timer_key IN (
  SELECT p.timer_key FROM picked p WHERE NOT EXISTS (
    SELECT 1 FROM timers e WHERE e.case_id = p.case_id
      AND (e.due_at < p.due_at OR (e.due_at = p.due_at AND e.timer_key < p.timer_key))
      AND e.timer_key NOT IN (SELECT timer_key FROM picked)))
RETURNING *`;
}

function rowsOf(result: unknown): TimerRow[] {
  // pg answers { rows }, better-sqlite3 an array.
  return (Array.isArray(result) ? result : (result as { rows: TimerRow[] }).rows) as TimerRow[];
}


export function createKnexTimerStore(writer: Knex, reader: Knex): TimerStore {
  const pg = isPostgres(writer);
  return {
    async claimDue(dueBefore, now, limit, owner, until) {
      // Rows waiting behind a held one are left out of the pick, so they do not fill the batch with rows it cannot take.
      const picked = `SELECT t.timer_key, t.case_id, t.due_at FROM timers t WHERE t.due_at <= :dueBefore AND ${CLAIMABLE} AND ${UNBLOCKED} ORDER BY t.due_at, t.timer_key LIMIT :limit`;
      const result = await writer.raw(claimSql(pg, picked), { owner, until, now, dueBefore, limit });
      // Earliest first (RETURNING keeps no order).
      return rowsOf(result).map(rowToTimer).sort(byDue);
    },
    async claimThrough(timerKey, now, owner, until) {
      const picked =
        `SELECT t.timer_key, t.case_id, t.due_at FROM timers t JOIN timers g ON g.timer_key = :timerKey AND t.case_id = g.case_id ` +
        `WHERE (t.due_at < g.due_at OR (t.due_at = g.due_at AND t.timer_key <= g.timer_key)) AND ${CLAIMABLE}`;
      const result = await writer.raw(claimSql(pg, picked), { owner, until, now, timerKey });
      const rows = rowsOf(result).map(rowToTimer).sort(byDue);
      if (rows.some((r) => r.timerKey === timerKey)) return { rows, target: 'claimed' };
      const left = await writer('timers').where({ timer_key: timerKey }).first('timer_key');
      return { rows, target: left ? 'held' : 'gone' };
    },
    async release(timerKeys, owner) {
      if (timerKeys.length === 0) return;
      await writer('timers').whereIn('timer_key', timerKeys).andWhere({ claimed_by: owner, status: 'firing' }).update({ status: 'pending', claimed_by: null, claim_expires_at: null });
    },
    async listDue(now, limit) {
      const rows = await claimable(reader<TimerRow>('timers').where('due_at', '<=', now), now).orderBy([{ column: 'due_at' }, { column: 'timer_key' }]).limit(limit);
      return (rows as TimerRow[]).map(rowToTimer);
    },
    async listAll(limit, after) {
      const q = reader<TimerRow>('timers').orderBy([{ column: 'due_at' }, { column: 'timer_key' }]).limit(limit);
      if (after) q.where((w) => w.where('due_at', '>', after.dueAt).orWhere((x) => x.where('due_at', after.dueAt).andWhere('timer_key', '>', after.timerKey)));
      return (await q).map(rowToTimer);
    },
    async nextDueAt(now) {
      // A row waiting behind a held one is not due before that one is gone: the poll interval (or a wake) sees it then.
      // ORDER BY … LIMIT 1 walks the claim index and stops at the first row; MIN() with a WHERE would read them all.
      const rows = rowsOf(await reader.raw(`SELECT t.due_at AS at FROM timers t WHERE ${CLAIMABLE} AND ${UNBLOCKED} ORDER BY t.due_at, t.timer_key LIMIT 1`, { now })) as unknown as { at: string | null }[];
      return rows[0]?.at ?? undefined;
    },
    async fail(timerKey, owner, error, retryAt) {
      await writer('timers')
        .where({ timer_key: timerKey, claimed_by: owner })
        .update({ claim_expires_at: retryAt, last_error: error.slice(0, 2000), attempts: writer.raw('attempts + 1') });
    },
    async discard(timerKey) {
      await writer('timers').where({ timer_key: timerKey }).delete();
    },
    async count() {
      const rows = (await reader('timers').select('status').count({ n: '*' }).groupBy('status')) as { status: string; n: string | number }[];
      const by = new Map(rows.map((r) => [r.status, Number(r.n)]));
      return { pending: by.get('pending') ?? 0, firing: by.get('firing') ?? 0 };
    },
  };
}

export function createKnexCalendarStore(writer: Knex, reader: Knex, dialect: Dialect): CalendarStore {
  return {
    async save(cal: StoredCalendar) {
      const row: CalendarRow = { calendar_id: cal.calendarId, version: cal.version, hash: cal.hash, definition: encodeJson(cal.definition), created_at: cal.createdAt };
      const inserted = await writer('calendars').insert(row).onConflict(['calendar_id', 'version']).ignore().returning('version');
      if (inserted.length === 1) return 'created';
      const existing = await writer<CalendarRow>('calendars').select('hash').where({ calendar_id: cal.calendarId, version: cal.version }).first();
      if (existing?.hash === cal.hash) return 'exists';
      throw new DefinitionConflictError(`calendar:${cal.calendarId}`, cal.version);
    },
    async list() {
      const rows = await reader<CalendarRow>('calendars').orderBy([{ column: 'calendar_id' }, { column: 'version' }]);
      return rows.map((r) => ({ calendarId: r.calendar_id, version: Number(r.version), hash: r.hash, definition: decodeJson(dialect, r.definition), createdAt: r.created_at }));
    },
  };
}
