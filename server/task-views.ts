/**
 * Recording that a task was opened (issue 15): the first time a person it is
 * offered to (its role, inside their jurisdiction, unless someone else holds
 * it) reads the case, the task row says who and when. From then on the sender
 * can no longer take it back (拿回).
 */
import type { Engine } from '../engine/index.js';
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
