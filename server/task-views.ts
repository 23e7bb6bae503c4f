/**
 * How tasks reach a person beyond their roles: recording that a task was
 * opened (issue 15: the first time a person it is offered to reads the case,
 * the task row says who and when, and the sender can no longer take it back
 * — 拿回), and the tasks delegated (委派) to someone who does not hold their
 * role, which the worklists add to the role-and-jurisdiction query.
 */
import type { Engine, TaskFilter, TaskRecord } from '../engine/index.js';
import type { Principal } from './access.js';

/** Marks the open tasks of `caseId` that `p` handles as opened by `p` (once each). */
export async function markOpenedTasks(engine: Engine, p: Principal, caseId: string): Promise<void> {
  if (p.isAuditor) return;
  const at = engine.clock.now().toISOString();
  for (const t of await engine.listTasks({ caseId })) {
    if (t.viewedAt || !p.user.roles.includes(t.role) || !p.subtree.has(t.org)) continue;
    if (t.assignee !== null && t.assignee !== p.user.id) continue;
    await engine.store.markTaskViewed(t.taskKey, p.user.id, at);
  }
}

/**
 * The open tasks delegated to `p` that a worklist query by role and
 * jurisdiction misses: a delegate need hold neither the task's role nor its
 * org. The delegation makes `p` the row's assignee; handing the task back
 * makes the holder the assignee again, so it leaves this list. Reads only.
 */
export async function delegatedToMe(engine: Engine, p: Principal, filter: Pick<TaskFilter, 'workflowId' | 'dueBefore' | 'limit'> = {}): Promise<TaskRecord[]> {
  if (p.isAuditor) return [];
  const out: TaskRecord[] = [];
  for (const t of await engine.listTasks({ ...filter, assignee: p.user.id, orderBy: 'due' })) {
    if (p.user.roles.includes(t.role) && p.subtree.has(t.org)) continue; // the role query lists it
    const record = await engine.findCase(t.caseId);
    if (record?.status === 'active' && record.state.assignments?.[t.stateId]?.delegatedTo?.userId === p.user.id) out.push(t);
  }
  return out;
}

/** Two worklist parts as one, earliest due first and undated last (the order of `orderBy: 'due'`). */
export function byDue<T extends { dueAt: string | null }>(...parts: T[][]): T[] {
  const due = (t: T) => t.dueAt ?? '9999';
  return parts.flat().sort((a, b) => due(a).localeCompare(due(b)));
}
