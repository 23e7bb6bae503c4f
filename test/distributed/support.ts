/**
 * What the fault tests share: opening drill cases through a serve process,
 * and counting, in the database and at the SMTP server, what became of their
 * timers and mails.
 */
import type { ApiAnswer, Cluster } from '../support/cluster.js';
import type { DubanProcess } from '../support/processes.js';

/** The grid officer every drill mail goes to (a demo user). */
export const RECIPIENT = 'grid-officer@example.test';
/** Where drill cases are opened (the grid officer's grid). */
export const DRILL_ORG = 'donghu-qingshui-g1';

/** Opens `count` cases of `workflowId` as the inspector, `lanes` at a time; case i falls due at `dueAt(i)`. */
export async function openDrillCases(cluster: Cluster, serve: DubanProcess, count: number, dueAt: (i: number) => Date, opts: { workflowId?: string; lanes?: number } = {}): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      const r = await cluster.api(serve, 'inspector', 'POST', '/api/v1/cases', { workflowId: opts.workflowId ?? 'drill', org: DRILL_ORG, data: { dueAt: dueAt(i).toISOString(), n: i } });
      if (r.status !== 201) throw new Error(`opening case ${i}: ${r.status} ${JSON.stringify(r.body)}`);
      ids[i] = r.body.case.id as string;
    }
  };
  await Promise.all(Array.from({ length: opts.lanes ?? 4 }, lane));
  return ids;
}

/** Per case: how many events of each timer kind it recorded, and whether it ended. */
export interface TimerCounts {
  remind: number;
  due: number;
  escalate: number;
  status: string;
}

/** Counts the timer events of every case, from the database. */
export async function timerCounts(cluster: Cluster): Promise<Map<string, TimerCounts>> {
  const out = new Map<string, TimerCounts>();
  for (const c of await cluster.db!.query<{ id: string; status: string }>('SELECT id, status FROM cases')) out.set(c.id, { remind: 0, due: 0, escalate: 0, status: c.status });
  const rows = await cluster.db!.query<{ case_id: string; type: string; n: string }>(`SELECT case_id, type, count(*) AS n FROM case_events WHERE type LIKE 'deadline.%' GROUP BY case_id, type`);
  for (const r of rows) {
    const kind = r.type.slice('deadline.'.length) as 'remind' | 'due' | 'escalate';
    const c = out.get(r.case_id);
    if (c && kind in c) c[kind] = Number(r.n);
  }
  return out;
}

/** The e-mail deliveries the database records as sent, as `<outbox id> → <address>` (the SMTP server's keys). */
export async function sentMails(cluster: Cluster): Promise<string[]> {
  const rows = await cluster.db!.query<{ outbox_id: string; address: string }>(`SELECT outbox_id, address FROM deliveries WHERE channel = 'email' AND status = 'sent' ORDER BY outbox_id`);
  return rows.map((r) => `${r.outbox_id} → ${r.address}`);
}

/** How many rows the timers table still holds, and how many outbox rows are not yet sent. */
export async function pending(cluster: Cluster): Promise<{ timers: number; outbox: number }> {
  const [t] = await cluster.db!.query<{ n: string }>('SELECT count(*) AS n FROM timers');
  const [o] = await cluster.db!.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE status <> 'sent'`);
  return { timers: Number(t!.n), outbox: Number(o!.n) };
}

/**
 * A client: sends `note` events n = 0.. to its case, each with the
 * Idempotency-Key `<name>-<n>`, retrying an unanswered request (a dead
 * server) or a 503 with the same key on the next live server until it is
 * answered 200; records each answered key (true when answered as a
 * duplicate). Resolves to the number of retries.
 */
export async function streamClient(cluster: Cluster, servers: () => DubanProcess[], caseId: string, name: string, events: number, acked: Map<string, boolean>): Promise<number> {
  let retries = 0;
  for (let n = 0; n < events; n++) {
    const key = `${name}-${n}`;
    for (let attempt = 0; ; attempt++) {
      const live = servers();
      const to = live[(n + attempt) % live.length]!;
      const answer = await cluster.api(to, 'inspector', 'POST', `/api/v1/cases/${caseId}/events`, { type: 'note', payload: { client: name, n } }, { 'idempotency-key': key }).catch((err: unknown): ApiAnswer => ({ status: 0, body: { error: String(err) } }));
      if (answer.status === 200) {
        acked.set(key, answer.body.duplicate === true);
        break;
      }
      // A dead server (no answer) or one that cannot reach the database now: the same key again, elsewhere.
      if (answer.status !== 0 && answer.status !== 503) throw new Error(`${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
      if (attempt > 300) throw new Error(`${key}: no server answered after ${attempt} tries`);
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return retries;
}
