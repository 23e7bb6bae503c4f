/**
 * The 抄送我的 list: copies of cases sent to a person (by user id, or to a role
 * they hold at their own org), newest first, with whether they read each.
 * Reads the rows the `copy-case` and `copy-read` effects wrote (migration 022).
 */
import type { Knex } from 'knex';

/** One copy as its recipient sees it. */
export interface CopyItem {
  copyKey: string;
  caseId: string;
  workflowId: string;
  stateId: string;
  title: unknown;
  createdAt: string;
  readAt: string | null;
}

export interface CopyQuery {
  userId: string;
  roles: readonly string[];
  org: string;
  unread?: boolean | undefined;
  limit: number;
}

/** The copies sent to a person: their own and those to a role they hold at their org. */
export async function listCopies(knex: Knex, q: CopyQuery): Promise<CopyItem[]> {
  const rows = await knex('case_copies as c')
    .leftJoin('case_copy_reads as r', (j) => j.on('r.copy_key', 'c.copy_key').andOn('r.user_id', knex.raw('?', [q.userId])))
    .where((w) => {
      w.where('c.user_id', q.userId);
      if (q.roles.length > 0) w.orWhere((x) => x.where('c.org', q.org).whereIn('c.role', [...q.roles]));
    })
    .modify((b) => (q.unread ? b.whereNull('r.read_at') : b))
    .select('c.copy_key', 'c.case_id', 'c.workflow_id', 'c.state_id', 'c.title', 'c.created_at', 'r.read_at')
    .orderBy([{ column: 'c.created_at', order: 'desc' }, { column: 'c.copy_key' }])
    .limit(q.limit * 4);
  // A person reached twice (by name and by role) sees the copy once.
  const seen = new Set<string>();
  const out: CopyItem[] = [];
  for (const r of rows as Record<string, string | null>[]) {
    if (seen.has(r.copy_key!)) continue;
    seen.add(r.copy_key!);
    out.push({ copyKey: r.copy_key!, caseId: r.case_id!, workflowId: r.workflow_id!, stateId: r.state_id!, title: JSON.parse(r.title!) as unknown, createdAt: r.created_at!, readAt: r.read_at ?? null });
    if (out.length === q.limit) break;
  }
  return out;
}
