/**
 * 抄送我的: the copies of cases sent to the caller, unread first when asked.
 * Reading one is the `copy.read` event (POST /api/v1/cases/{id}/events).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { listCopies } from '../copies.js';
import { route, type Route } from '../routing.js';
import { QueryBool } from '../schemas.js';
import type { RouteDeps } from './deps.js';

export const CopyItemSchema = z
  .object({
    copyKey: z.string(), caseId: z.string(), workflowId: z.string(), stateId: z.string(), title: z.unknown().describe('a string or { zh, en }'),
    createdAt: z.string(), readAt: z.string().nullable().describe('when the caller read it (copy.read), or null'),
  })
  .meta({ id: 'CopyItem' });

export function copyRoutes({ engine }: RouteDeps): Route[] {
  const knex = (engine.store as { knex?: Knex }).knex;
  if (!knex) return [];
  return [
    route(
      {
        method: 'get', path: '/api/v1/copies', tag: 'tasks', auth: 'user',
        summary: '抄送我的: copies of cases sent to me (to me by name, or to a role I hold at my org), newest first',
        query: z.object({ unread: QueryBool.optional().describe('true: only copies I have not read'), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: z.object({ items: z.array(CopyItemSchema) }),
      },
      async ({ query, principal }) => {
        const p = principal!;
        return { items: await listCopies(knex, { userId: p.user.id, roles: p.user.roles, org: p.user.orgId, unread: query.unread, limit: query.limit }) };
      },
    ),
  ];
}
