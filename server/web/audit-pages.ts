/**
 * The audit view (step through a case's history: the event and the replayed
 * state at each step, the chain verified or its first broken link shown) and
 * the admin pages (validate and register a definition, see its diagram).
 */
import express from 'express';
import { EngineError, formatPath, REDACTED_TEXT, validateDefinition, workflowsAlong, type FieldSchema, type ObjectSchema, type StateDefinition, type WorkflowDefinition } from '../../engine/index.js';
import { markersToText, redactorFor } from '../confidential.js';
import { bodyGuard } from '../body-guard.js';
import { toMermaid } from '../diagram.js';
import { definitionVisibility, ownerName, registrationOwner } from '../definition-owners.js';
import { HttpError, toErrorAnswer } from '../http-errors.js';
import { visibleCase } from '../routes/cases.js';
import { page, sendPage, type WebDeps } from './context.js';
import { zh } from './render.js';
import { caseTitle, dataRows, namesOf, roleTitle, type DataRow } from './display.js';
import { stateTitle } from './context.js';
import { ENGINE_EVENT_LABELS } from './event-labels.js';
import { MOVE_EVENT_LABELS, moveLines } from './move-pages.js';


/** A verification failure in Chinese. */
function failureText(reason: string): string {
  if (/altered/.test(reason)) return '记录内容与其哈希不符（记录被改动过）';
  if (/prev_hash/.test(reason)) return '记录与前一条记录的哈希不衔接（记录被删除、插入或改动过）';
  if (/missing/.test(reason)) return '缺少记录';
  if (/replayed state differs/.test(reason)) return '按流程重放得到的状态与记录的状态不一致';
  if (/replay refuses/.test(reason)) return '流程重放拒绝了这条记录';
  if (/case row/.test(reason)) return '案件当前状态与最后一条记录不一致';
  if (/definition/.test(reason)) return '无法载入案件所用的流程定义版本';
  return '记录校验未通过';
}

/** Every field a definition names (case data and every event input), for labelling payloads. */
function allFields(def: WorkflowDefinition): ObjectSchema {
  const properties: Record<string, FieldSchema> = { ...(def.data?.properties ?? {}) };
  const walk = (states: Record<string, StateDefinition> | undefined) => {
    for (const st of Object.values(states ?? {})) {
      for (const t of Object.values(st.on ?? {}).flatMap((x) => (Array.isArray(x) ? x : [x]))) {
        for (const [k, f] of Object.entries((t.input as ObjectSchema | undefined)?.properties ?? {})) properties[k] ??= f;
      }
      walk(st.states);
    }
  };
  walk(def.states);
  return { type: 'object', properties };
}

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
    const def = (await engine.registry.get(record.workflowId, record.workflowVersion)).definition as WorkflowDefinition & { caseTitle?: string };
    // Each event is titled on the version in force when it ran (a migrated case ran on several).
    const along = (await workflowsAlong(engine, record, events)).map((w) => w.definition);
    const defAfter = (seq: number) => along[seq - 1] ?? def;
    const defBefore = (seq: number) => along[seq - 2] ?? defAfter(seq);
    const names = namesOf(deps.people, orgs);
    // The replayed data is the version's after the event; the payload was the input of the version before it.
    const fields = allFields(defAfter(at));
    const inputFields = allFields(defBefore(at));
    let replayed: { stateLabel: string; rows: DataRow[] } | undefined;
    let replayError: string | undefined;
    try {
      const r = await engine.replay(caseId, { atSeq: at });
      replayed = { stateLabel: stateTitle(defAfter(at), r.state.value), rows: await dataRows(fields, red.data(r.state.data, `「${REDACTED_TEXT}」`) as Record<string, unknown>, names, { skipMissing: true }) };
    } catch (err) {
      replayError = err instanceof EngineError ? `重放失败：${failureText(err.message)}` : '重放失败。';
    }
    const event = events[at - 1]!;
    const labelOf = (e: { seq: number; type: string }) => zh(defBefore(e.seq).events?.[e.type]?.title, ENGINE_EVENT_LABELS[e.type] ?? '办理');
    const steps = await Promise.all(events.map(async (e) => ({
      seq: e.seq, at: e.at, actor: e.actor.name ?? (await names.user(e.actor.id)) ?? '系统', label: labelOf(e), current: e.seq === at,
      status: !failure || e.seq < failure.seq ? 'ok' : e.seq === failure.seq ? 'broken' : 'unverified',
    })));
    const title = await caseTitle(def, red.data(record.state.data) as Record<string, unknown>, names);
    sendPage(deps, res, 'audit', `审计：${title}`, p, {
      caseId, encodedId: encodeURIComponent(caseId), caseTitle: title, at, total: events.length, prev: at > 1 ? at - 1 : undefined, next: at < events.length ? at + 1 : undefined,
      event: {
        seq: event.seq, at: event.at, hash: event.hash, prevHash: event.prevHash, label: labelOf(event), recordedState: stateTitle(defAfter(event.seq), event.state.value),
        actorName: event.actor.name ?? (await names.user(event.actor.id)) ?? '系统', actorOrg: event.actor.org ? ((await names.org(event.actor.org)) ?? '—') : '—',
        issuedBy: event.actor.issuedBy ? (event.actor.issuedBy.name ?? (await names.user(event.actor.issuedBy.id)) ?? '管理员') : undefined,
        moveLines: moveLines(defAfter(event.seq), event, defBefore(event.seq)),
        rows: event.type in MOVE_EVENT_LABELS ? [] : await dataRows(inputFields, markersToText(event.payload) as Record<string, unknown>, names),
      },
      replayed, replayError, report, failure: failure && { seq: failure.seq, text: failureText(failure.reason) }, steps, diagram: toMermaid(defAfter(event.seq), event.state.value),
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
    sendPage(deps, res, 'workflow', `流程：${zh(def.title, '流程')}`, p, { ref: wf.ref, version: def.version, wfTitle: zh(def.title, '流程'), description: zh(def.description), diagram: toMermaid(def), roles: def.roles.filter((r) => r !== 'system').map(roleTitle).join('、'), owner: await ownerName(deps.orgs, owner) });
  }));

  return router;
}
