/**
 * Workflow definitions: list, versions, register (admin), validate, diagram.
 */
import { z } from 'zod';
import { validateDefinition, type WorkflowDefinition } from '../../engine/index.js';
import { visibleCase } from './cases.js';
import { toMermaid } from '../diagram.js';
import { HttpError } from '../http-errors.js';
import { Reply, route, type Route } from '../routing.js';
import { IdParams } from '../schemas.js';
import type { RouteDeps } from './deps.js';

const IssueSchema = z.object({ code: z.string(), path: z.array(z.union([z.string(), z.number()])), message: z.string() });
const DefinitionBody = z.record(z.string(), z.unknown()).describe('a workflow definition (see `duban workflows schema` for its JSON Schema)');

export function workflowRoutes({ engine, templates }: RouteDeps): Route[] {
  const latestDefinitions = async () => {
    const all = await engine.store.listDefinitions();
    const byId = new Map<string, typeof all>();
    for (const d of all) byId.set(d.workflowId, [...(byId.get(d.workflowId) ?? []), d]);
    return byId;
  };
  return [
    route(
      {
        method: 'get', path: '/api/v1/workflows', tag: 'workflows', auth: 'user',
        summary: 'The registered workflows with their versions',
        response: z.object({ items: z.array(z.object({ id: z.string(), title: z.unknown(), description: z.unknown().optional(), latestVersion: z.number().int(), versions: z.array(z.number().int()) })) }),
      },
      async () => {
        const items = [...(await latestDefinitions())].map(([id, versions]) => {
          const latest = versions[versions.length - 1]!;
          const def = latest.definition as Partial<WorkflowDefinition>;
          return { id, title: def.title, description: def.description, latestVersion: latest.version, versions: versions.map((v) => v.version) };
        });
        return { items };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/workflows', tag: 'workflows', auth: 'admin', status: 201,
        summary: 'Register a definition version (immutable once stored; the same content again is accepted). Every notification template it names must exist and be given every variable it reads (`unknown_template`, `unknown_template_variable` issues).',
        body: DefinitionBody,
        response: z.object({ ref: z.string(), created: z.boolean() }),
        errors: ['invalid_definition', 'definition_conflict'],
      },
      async ({ body }) => {
        const r = await engine.registerWorkflow(body);
        return new Reply(r.created ? 201 : 200, r);
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/workflows/validate', tag: 'workflows', auth: 'user',
        summary: 'Check a definition without storing it: every problem with its JSON path, notification templates included',
        body: DefinitionBody,
        response: z.object({ ok: z.boolean(), issues: z.array(IssueSchema), states: z.number().int().optional(), events: z.array(z.string()).optional() }),
      },
      async ({ body }) => {
        const r = validateDefinition(body, { templates });
        if (!r.ok) return { ok: false, issues: r.issues };
        return { ok: true, issues: [], states: r.tree.nodes.length, events: [...new Set(r.tree.transitions.map((t) => t.event).filter((e): e is string => typeof e === 'string' && e !== 'onDone'))].sort() };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/workflows/:id', tag: 'workflows', auth: 'user', params: IdParams,
        summary: 'The versions of a workflow and one definition (the latest unless `version` is given)',
        query: z.object({ version: z.coerce.number().int().positive().optional() }),
        response: z.object({
          id: z.string(),
          versions: z.array(z.object({ version: z.number().int(), hash: z.string(), createdAt: z.string() })),
          definition: z.object({ version: z.number().int(), hash: z.string(), definition: z.unknown() }),
        }),
        errors: ['workflow_not_found'],
      },
      async ({ params, query }) => {
        const versions = (await latestDefinitions()).get(params.id);
        const chosen = versions && (query.version === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === query.version));
        if (!versions || !chosen) throw new HttpError('workflow_not_found', `workflow ${params.id}${query.version === undefined ? '' : `@${query.version}`} is not registered`);
        return {
          id: params.id,
          versions: versions.map((v) => ({ version: v.version, hash: v.hash, createdAt: v.createdAt })),
          definition: { version: chosen.version, hash: chosen.hash, definition: chosen.definition },
        };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/workflows/:id/diagram', tag: 'workflows', auth: 'user', params: IdParams,
        summary: 'The state machine as Mermaid `stateDiagram-v2` text; with `case`, that case\'s current states are highlighted',
        query: z.object({ version: z.coerce.number().int().positive().optional(), case: z.string().min(1).max(200).optional() }),
        mediaType: 'text/plain',
        errors: ['workflow_not_found', 'case_not_found'],
      },
      async ({ res, params, query, principal }) => {
        const record = query.case === undefined ? undefined : await visibleCase(engine, principal!, query.case);
        const wf = await engine.registry.get(params.id, record?.workflowVersion ?? query.version);
        res.type('text/plain; charset=utf-8').send(`${toMermaid(wf.definition, record?.state.value)}\n`);
        return undefined;
      },
    ),
  ];
}
