/**
 * Workflow definitions: list, versions, register (admin), validate, diagram.
 */
import { z } from 'zod';
import { validateDefinition, type StoredDefinition, type WorkflowDefinition } from '../../engine/index.js';
import type { Principal } from '../access.js';
import { definitionVisibility, ownerName, registrationOwner, visibleDefinitions } from '../definition-owners.js';
import { visibleCase } from './cases.js';
import { toMermaid } from '../diagram.js';
import { HttpError } from '../http-errors.js';
import { Reply, route, type Route } from '../routing.js';
import { IdParams } from '../schemas.js';
import type { RouteDeps } from './deps.js';

const IssueSchema = z.object({ code: z.string(), path: z.array(z.union([z.string(), z.number()])), message: z.string() });
const DefinitionBody = z.record(z.string(), z.unknown()).describe('a workflow definition (see `duban workflows schema` for its JSON Schema)');

/** Splits the optional `org` (where to register) off a definition body. */
function splitOrg(body: Record<string, unknown>): { org: string | undefined; definition: Record<string, unknown> } {
  const { org, ...definition } = body;
  if (org !== undefined && (typeof org !== 'string' || org.length === 0 || org.length > 64)) {
    throw new HttpError('invalid_request', 'org must be an org id', [{ code: 'invalid_type', path: ['body', 'org'], message: 'an org id (1–64 characters)' }]);
  }
  return { org, definition };
}

const OwnerSchema = z.object({ org: z.string().nullable().describe('null: the root (built-in workflows and the root admin\'s versions)'), name: z.string(), versions: z.array(z.number().int()) });

export function workflowRoutes({ engine, templates, orgs }: RouteDeps): Route[] {
  const latestDefinitions = async (p: Principal) => visibleDefinitions(await engine.listDefinitions(), orgs, p);
  return [
    route(
      {
        method: 'get', path: '/api/v1/workflows', tag: 'workflows', auth: 'user',
        summary: 'The workflows that govern you (and, for admins, those registered below you) with their versions and owner orgs; `effectiveVersion` is what a new case in your org runs',
        response: z.object({
          items: z.array(z.object({
            id: z.string(), title: z.unknown(), description: z.unknown().optional(), latestVersion: z.number().int(), versions: z.array(z.number().int()),
            owners: z.array(OwnerSchema), effectiveVersion: z.number().int().nullable(),
          })),
        }),
      },
      async ({ principal }) => {
        const p = principal!;
        const items = [];
        for (const [id, versions] of await latestDefinitions(p)) {
          const latest = versions[versions.length - 1]!;
          const def = latest.definition as Partial<WorkflowDefinition>;
          const owners = [];
          for (const owner of new Set(versions.map((v) => v.ownerOrg))) {
            owners.push({ org: owner, name: await ownerName(orgs, owner), versions: versions.filter((v) => v.ownerOrg === owner).map((v) => v.version) });
          }
          const effective = await engine.resolveWorkflow(id, p.user.orgId).then((r) => r.workflow.definition.version, () => null);
          items.push({ id, title: def.title, description: def.description, latestVersion: latest.version, versions: versions.map((v) => v.version), owners, effectiveVersion: effective });
        }
        return { items };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/workflows', tag: 'workflows', auth: 'admin', status: 201,
        summary: 'Register a definition version at an org of your subtree (`org` beside the definition\'s fields; your own org by default). It governs new cases in that org\'s subtree only; at the root it replaces the built-in version everywhere not overridden below. Immutable once stored; the same content at the same org again is accepted; a version number belongs to one org (`definition_conflict`). Every notification template it names must exist and be given every variable it reads (`unknown_template`, `unknown_template_variable` issues).',
        body: DefinitionBody,
        response: z.object({ ref: z.string(), created: z.boolean(), ownerOrg: z.string().nullable(), ownerName: z.string() }),
        errors: ['invalid_definition', 'definition_conflict', 'org_not_found', 'out_of_jurisdiction'],
      },
      async ({ body, principal }) => {
        const { org, definition } = splitOrg(body);
        const owner = await registrationOwner(orgs, principal!, org);
        const r = await engine.registerWorkflow(definition, { owner });
        return new Reply(r.created ? 201 : 200, { ...r, ownerOrg: owner, ownerName: await ownerName(orgs, owner) });
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
        const r = validateDefinition(splitOrg(body).definition, { templates });
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
          versions: z.array(z.object({ version: z.number().int(), hash: z.string(), createdAt: z.string(), ownerOrg: z.string().nullable(), ownerName: z.string() })),
          definition: z.object({ version: z.number().int(), hash: z.string(), definition: z.unknown(), ownerOrg: z.string().nullable(), ownerName: z.string() }),
        }),
        errors: ['workflow_not_found'],
      },
      async ({ params, query, principal }) => {
        const versions = (await latestDefinitions(principal!)).get(params.id);
        const chosen = versions && (query.version === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === query.version));
        if (!versions || !chosen) throw new HttpError('workflow_not_found', `workflow ${params.id}${query.version === undefined ? '' : `@${query.version}`} is not registered`);
        const named = async (v: StoredDefinition) => ({ ownerOrg: v.ownerOrg, ownerName: await ownerName(orgs, v.ownerOrg) });
        return {
          id: params.id,
          versions: await Promise.all(versions.map(async (v) => ({ version: v.version, hash: v.hash, createdAt: v.createdAt, ...(await named(v)) }))),
          definition: { version: chosen.version, hash: chosen.hash, definition: chosen.definition, ...(await named(chosen)) },
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
        // Without a case: the version asked for if one may read it (other districts' answer like missing ones), else the one governing one's org.
        const wf = record || query.version !== undefined
          ? await engine.registry.get(params.id, record?.workflowVersion ?? query.version)
          : (await engine.resolveWorkflow(params.id, principal!.user.orgId)).workflow;
        if (!record && !(await definitionVisibility(orgs, principal!))(await engine.registry.ownerOf(params.id, wf.definition.version))) throw new HttpError('workflow_not_found', `workflow ${wf.ref} is not registered`);
        res.type('text/plain; charset=utf-8').send(`${toMermaid(wf.definition, record?.state.value)}\n`);
        return undefined;
      },
    ),
  ];
}
