/**
 * What the fault tests share: opening drill cases through a serve process,
 * and counting, in the database and at the SMTP server, what became of their
 * timers and mails.
 */
import type { Cluster } from '../support/cluster.js';
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
