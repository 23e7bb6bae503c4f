/**
 * The audit view (step through a case's history: the event and the replayed
 * state at each step, the chain verified or its first broken link shown) and
 * the admin pages (validate and register a definition, see its diagram).
 */
import express from 'express';
import { EngineError, formatPath, formatStateValue, REDACTED_TEXT, validateDefinition, type WorkflowDefinition } from '../../engine/index.js';
import { markersToText, redactorFor } from '../confidential.js';
import { bodyGuard } from '../body-guard.js';
import { toMermaid } from '../diagram.js';
import { definitionVisibility, ownerName, registrationOwner } from '../definition-owners.js';
import { HttpError, toErrorAnswer } from '../http-errors.js';
import { visibleCase } from '../routes/cases.js';
import { page, sendPage, type WebDeps } from './context.js';
import { actorLabel, zh } from './render.js';

export function auditPages(deps: WebDeps): express.Router {
  const { engine, orgs } = deps;
  const router = express.Router();
  const form = [express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 20 }), bodyGuard];

  router.get('/cases/:id/audit', page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    const record = await visibleCase(engine, p, caseId);
    const red = await redactorFor(engine, orgs, p.actor, record);
    const events = (await engine.history(caseId)).map(red.event);
    const at = Math.min(Math.max(1, Number.parseInt(String(req.query.at ?? events.length), 10) || events.length), events.length);
    const report = await engine.verify(caseId);
    const failure = report.failures[0];
    const def = (await engine.registry.get(record.workflowId, record.workflowVersion)).definition as WorkflowDefinition;
    let replayed: { stateLabel: string; data: unknown } | undefined;
    let replayError: string | undefined;
    try {
      const r = await engine.replay(caseId, { atSeq: at });
      replayed = { stateLabel: formatStateValue(r.state.value), data: red.data(r.state.data, `「${REDACTED_TEXT}」`) };
    } catch (err) {
      replayError = err instanceof EngineError ? `${err.code}: ${err.message}` : String(err);
    }
    const event = events[at - 1]!;
    const steps = events.map((e) => ({
      seq: e.seq, at: e.at, actor: actorLabel(e.actor), label: zh(def.events?.[e.type]?.title, e.type), current: e.seq === at,
      status: !failure || e.seq < failure.seq ? 'ok' : e.seq === failure.seq ? 'broken' : 'unverified',
    }));
    sendPage(deps, res, 'audit', `审计 ${caseId}`, p, {
      caseId, at, total: events.length, prev: at > 1 ? at - 1 : undefined, next: at < events.length ? at + 1 : undefined,
      event: { ...event, payload: markersToText(event.payload), label: zh(def.events?.[event.type]?.title, event.type), recordedState: formatStateValue(event.state.value) },
      replayed, replayError, report, failure, steps, diagram: toMermaid(def, event.state.value),
    });
  }));

  const adminPage = async (res: express.Response, p: Parameters<Parameters<typeof page>[1]>[2], extra: Record<string, unknown> = {}, status = 200) => {
    // The versions that govern the admin and those registered below it, each with the name of the org it belongs to.
    const visible = await definitionVisibility(deps.orgs, p);
    const items = [];
    for (const d of await engine.listDefinitions()) {
      if (!visible(d.ownerOrg)) continue;
      items.push({ id: d.workflowId, version: d.version, hash: d.hash, createdAt: d.createdAt, title: zh((d.definition as { title?: unknown }).title, d.workflowId), owner: await ownerName(deps.orgs, d.ownerOrg) });
    }
    const orgChoices = (await deps.orgs.list()).filter((o) => p.subtree.has(o.id)).map((o) => ({ id: o.id, name: o.name, selected: o.id === (extra.org ?? p.user.orgId) }));
    sendPage(deps, res, 'admin-workflows', '流程定义管理', p, { items, orgChoices, ...extra }, status);
  };

  router.get('/admin/workflows', page(deps, async (_req, res, p) => {
    if (!p.isAdmin) throw new HttpError('forbidden', '需要管理员角色 (admin role required)');
    await adminPage(res, p);
  }));

  router.post('/admin/workflows', form, page(deps, async (req, res, p) => {
    if (!p.isAdmin) throw new HttpError('forbidden', '需要管理员角色 (admin role required)');
    const source = typeof req.body?.definition === 'string' ? req.body.definition : '';
    const org = typeof req.body?.org === 'string' && req.body.org !== '' ? req.body.org : undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(source) as unknown;
    } catch (err) {
      return adminPage(res, p, { source, issues: [{ path: '(root)', message: `不是有效的 JSON: ${(err as Error).message}` }] }, 400);
    }
    const r = validateDefinition(parsed, { templates: deps.templates });
    if (!r.ok) return adminPage(res, p, { source, issues: r.issues.map((i) => ({ path: formatPath(i.path), message: i.message, code: i.code })) }, 422);
    const diagram = toMermaid(r.definition);
    if (req.body?.action !== 'register') return adminPage(res, p, { source, valid: true, diagram });
    try {
      const owner = await registrationOwner(deps.orgs, p, org);
      const reg = await engine.registerWorkflow(parsed, { owner });
      return adminPage(res, p, { source, org, valid: true, diagram, registered: { ...reg, owner: await ownerName(deps.orgs, owner) } });
    } catch (err) {
      const a = toErrorAnswer(err);
      return adminPage(res, p, { source, org, diagram, issues: [{ path: '(root)', message: `${a.body.error.code}: ${a.body.error.message}` }] }, a.status);
    }
  }));

  router.get('/admin/workflows/:id', page(deps, async (req, res, p) => {
    const version = req.query.version === undefined ? undefined : Number(req.query.version);
    const id = String(req.params.id);
    // A version one may read (other districts' answer like missing ones), else the one that governs one's org.
    const wf = version !== undefined && Number.isInteger(version) ? await engine.registry.get(id, version) : (await engine.resolveWorkflow(id, p.user.orgId)).workflow;
    const owner = await engine.registry.ownerOf(id, wf.definition.version);
    if (!(await definitionVisibility(deps.orgs, p))(owner)) throw new HttpError('workflow_not_found', `流程 ${wf.ref} 不存在`);
    const def = wf.definition as WorkflowDefinition;
    sendPage(deps, res, 'workflow', `流程 ${wf.ref}`, p, { ref: wf.ref, wfTitle: zh(def.title, def.id), description: zh(def.description), diagram: toMermaid(def), roles: def.roles.join(', '), owner: await ownerName(deps.orgs, owner) });
  }));

  return router;
}
