/**
 * The outbox rows a step writes, in its own transaction (see knex-tx.ts), one
 * per `notify` effect. A row does not copy what the event log holds already
 * (migration 015): when an effect's `vars` are exactly the case at this
 * event — its id, org, workflow, state and data after the step, and the
 * event's type and actor — the row records `input = 'case'` and keeps in
 * `vars` only what the case does not hold (a deadline rung's deadline). The
 * dispatcher (notifications/outbox-row.ts) reads the case at `seq` back
 * through the engine's replay. Any other effect (and any past
 * {@link CASE_INPUT_MAX_SEQ}) is stored whole, as before.
 */
import type { NotifyEffect } from '../core/effects.js';
import { formatStateValue } from '../core/types.js';
import type { CommitRequest } from '../ports.js';
import { encodeJson } from './knex-rows.js';
import type { SqlConn } from './sql-statements.js';

/** `outbox.input` of a row whose case, data and event are the case's at the row's seq. */
export const INPUT_FROM_CASE = 'case';

/**
 * The last seq whose rows name their case: reading a case back replays it up
 * to the row's seq, so beyond this a row keeps its whole input and a delivery
 * never replays more events than this. (Lift it once replay starts from a
 * stored snapshot near the seq.)
 */
export const CASE_INPUT_MAX_SEQ = 128;

const VARS_KEYS = new Set(['case', 'data', 'event', 'deadline']);
// `stateTitle` follows from the definition and the state, so reading the case back gives it again.
const CASE_KEYS = new Set(['id', 'org', 'workflowId', 'workflowTitle', 'state', 'stateTitle', 'seq']);

type Req = Pick<CommitRequest, 'record' | 'event' | 'effects'>;

/** One outbox row per notify effect of the step, reduced where the case holds the input. */
export function notifyRows(req: Req): Record<string, unknown>[] {
  const { record, event } = req;
  let data: string | undefined;
  const rows: Record<string, unknown>[] = [];
  for (const effect of req.effects) {
    if (effect.type !== 'notify') continue;
    const e: NotifyEffect = effect;
    const v = e.vars;
    const fromCase =
      event.seq <= CASE_INPUT_MAX_SEQ &&
      Object.keys(v).every((k) => VARS_KEYS.has(k)) && Object.keys(v.case).every((k) => CASE_KEYS.has(k)) &&
      v.case.id === record.id && v.case.org === record.state.org && v.case.workflowId === record.workflowId && v.case.seq === event.seq && record.state.seq === event.seq &&
      v.case.state === formatStateValue(record.state.value) &&
      v.event.type === event.type && v.event.actorId === event.actor.id && v.event.actorName === (event.actor.name || undefined) && Object.keys(v.event).every((k) => k === 'type' || k === 'actorId' || k === 'actorName') &&
      encodeJson(v.data) === (data ??= encodeJson(record.state.data));
    rows.push({
      id: e.id, case_id: record.id, seq: event.seq, template: e.template, kind: e.kind,
      channels: encodeJson(e.channels), recipients: encodeJson(e.to), ack: e.ack ? encodeJson(e.ack) : null,
      vars: encodeJson(fromCase ? (v.deadline ? { deadline: v.deadline } : {}) : v), confidential: encodeJson(e.confidential),
      input: fromCase ? INPUT_FROM_CASE : null,
      status: 'pending', attempts: 0, next_attempt_at: event.at, created_at: event.at,
    });
  }
  return rows;
}

const COLUMNS = ['id', 'case_id', 'seq', 'template', 'kind', 'channels', 'recipients', 'ack', 'vars', 'confidential', 'input', 'status', 'attempts', 'next_attempt_at', 'created_at'];
const INSERT = `INSERT INTO outbox (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`;

/** Inserts a step's outbox rows through the unit's prepared statement (none without notify effects). */
export async function insertNotifyRows(conn: SqlConn, req: Req): Promise<void> {
  for (const row of notifyRows(req)) await conn.run(INSERT, COLUMNS.map((c) => row[c]));
}
