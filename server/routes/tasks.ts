/**
 * The worklist: open tasks offered to one of the caller's roles at an org of
 * the caller's subtree, and those delegated (委派) to the caller whatever
 * their role, earliest due first (so overdue first), undated last.
 */
import { z } from 'zod';
import { route, type Route } from '../routing.js';
import { QueryBool, TaskSchema } from '../schemas.js';
import { byDue, delegatedToMe } from '../task-views.js';
import type { RouteDeps } from './deps.js';

export function taskRoutes({ engine }: RouteDeps): Route[] {
  return [
    route(
      {
        method: 'get', path: '/api/v1/tasks', tag: 'tasks', auth: 'user',
        summary: 'My worklist: tasks for my roles in my subtree and tasks delegated to me, overdue first',
        query: z.object({
          workflow: z.string().max(100).optional(),
          overdue: QueryBool.optional().describe('true: only tasks whose due time has passed'),
          dueBefore: z.iso.datetime({ offset: true }).optional(),
          mine: QueryBool.optional().describe('true: only the tasks I hold (claimed or transferred to me)'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: z.object({ items: z.array(TaskSchema.extend({ overdue: z.boolean() })) }),
      },
      async ({ query, principal }) => {
        const p = principal!;
        const now = engine.clock.now();
        const cutoffs = [query.dueBefore === undefined ? undefined : new Date(query.dueBefore).toISOString(), query.overdue ? now.toISOString() : undefined].filter((c): c is string => c !== undefined).sort();
        // Tasks a colleague claimed leave everyone else's worklist; tasks I hold stay on mine.
        const who = query.mine ? { assignee: p.user.id } : { availableTo: p.user.id };
        const filter = { workflowId: query.workflow, dueBefore: cutoffs[0], limit: query.limit };
        const offered = await engine.listTasks({ roles: p.user.roles, orgs: [...p.subtree], ...who, ...filter, orderBy: 'due' });
        const tasks = byDue(offered, await delegatedToMe(engine, p, filter)).slice(0, query.limit);
        return { items: tasks.map((t) => ({ ...t, overdue: t.dueAt !== null && Date.parse(t.dueAt) <= now.getTime() })) };
      },
    ),
  ];
}
