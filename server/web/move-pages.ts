/**
 * The administrative moves on the case page (终止, 跳转, 退回, 拿回) and the
 * admin page that migrates running cases to another definition version
 * (issue 15). The engine decides every move; these pages only offer what it
 * would accept and say in Chinese what happened.
 */
import express from 'express';
import { availableMoves, buildStateTree, type CaseRecord, type CompiledWorkflow, type EventRecord, type MigrationReport, type StateValue, type TaskRecord, type WorkflowDefinition } from '../../engine/index.js';
import { assertWriter, type Principal } from '../access.js';
import { bodyGuard } from '../body-guard.js';
import { HttpError } from '../http-errors.js';
import { migrateInScope } from '../migration-scope.js';
import { visibleCase } from '../routes/cases.js';
import { page, sendPage, stateTitle, type WebDeps } from './context.js';
import { zh } from './render.js';

/** History and audit labels of the moves. */
export const MOVE_EVENT_LABELS: Record<string, string> = {
  'case.terminate': '终止案件', 'case.jump': '跳转（管理员调整环节）', 'case.sendBack': '退回', 'task.takeBack': '拿回', 'case.migrated': '迁移至新版流程', 'task.withdraw': '撤回',
};

const MOVE_TYPES = { terminate: 'case.terminate', jump: 'case.jump', sendBack: 'case.sendBack', takeBack: 'task.takeBack' } as const;

/** A state's title on its path: 「整改中 · 整改」 for nested ones. */
function pathTitle(def: Pick<WorkflowDefinition, 'initial' | 'states'>, id: string): string {
  const tree = buildStateTree(def);
  const keys = id.split('.');
  return keys.map((_, i) => {
    const t = tree.byId.get(keys.slice(0, i + 1).join('.'))?.def.title;
    return typeof t === 'string' ? t : (t?.zh ?? '（未命名环节）');
  }).join(' · ');
}

/** What the case page offers of the moves to `p`: 终止, 跳转 targets, 退回 targets, 拿回. */
export function caseMoves(wf: CompiledWorkflow, record: CaseRecord, p: Principal, history: readonly EventRecord[], tasks: readonly TaskRecord[]) {
  if (p.isAuditor || record.status !== 'active') return undefined;
  const def = wf.definition;
  const m = availableMoves(wf, record.state, p.actor);
  const choice = (id: string) => ({ id, title: pathTitle(def, id) });
  const jump = m.jump ? wf.tree.nodes.filter((n) => n.id !== '' && n.kind !== 'parallel').map((n) => choice(n.id)) : [];
  const sendBack = [...new Set(m.sendBack.flatMap((s) => s.to))].map(choice);
  // 拿回 is offered to the sender of the last hand-on while every task it opened allows it and is unopened (the engine checks again).
  const last = history[history.length - 1];
  const opened = tasks.filter((t) => last && t.openedSeq === last.seq);
  const takeBack = last && last.actor.id === p.user.id && !last.type.includes('.') && opened.length > 0 && opened.every((t) => wf.tree.byId.get(t.stateId)?.def.takeBack && !t.viewedAt) ? { seq: last.seq } : undefined;
  if (!m.terminate && jump.length === 0 && sendBack.length === 0 && !takeBack) return undefined;
  return { terminate: m.terminate, jump, sendBack, takeBack, version: record.version };
}

/**
 * The Chinese lines the audit view shows for a move: why, from where, to where, which versions.
 * `def` is the version in force after the event; `before` the one before it (they differ only for `case.migrated`).
 */
export function moveLines(def: Pick<WorkflowDefinition, 'initial' | 'states'>, event: Pick<EventRecord, 'type' | 'payload'>, before: Pick<WorkflowDefinition, 'initial' | 'states'> = def): { label: string; value: string }[] {
  const p = event.payload as Record<string, unknown>;
  const lines: { label: string; value: string }[] = [];
  const state = (v: unknown, on = def) => (typeof v === 'string' || (v && typeof v === 'object') ? stateTitle(on, v as StateValue) : '—');
  if (event.type === 'case.migrated') {
    lines.push({ label: '流程版本', value: `第 ${String(p.fromVersion)} 版 → 第 ${String(p.toVersion)} 版` }, { label: '原环节', value: state(p.from, before) }, { label: '新环节', value: state(p.to) }, { label: '迁移规则摘要', value: String(p.mapHash).slice(0, 16) });
    return lines;
  }
  if (!(event.type in MOVE_EVENT_LABELS)) return lines;
  if (typeof p.from === 'string' || (p.from && typeof p.from === 'object')) lines.push({ label: '原环节', value: typeof p.from === 'string' ? pathTitle(def, p.from) : state(p.from) });
  if (typeof p.to === 'string') lines.push({ label: '目标环节', value: pathTitle(def, p.to) });
  if (typeof p.seq === 'number') lines.push({ label: '拿回的办理记录', value: `第 ${p.seq} 条` });
  if (typeof p.reason === 'string') lines.push({ label: '原因', value: p.reason });
  return lines;
}

/** The case-page moves (POST /cases/:id/moves) and the migration admin page (/admin/migrations). */
export function movePages(deps: WebDeps): express.Router {
  const { engine, orgs } = deps;
  const router = express.Router();
  const form = [express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 50 }), bodyGuard];

  router.post('/cases/:id/moves', ...form, page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    await visibleCase(engine, p, caseId);
    assertWriter(p);
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const kind = body._move as keyof typeof MOVE_TYPES | undefined;
    if (!kind || !(kind in MOVE_TYPES)) throw new HttpError('invalid_request', '请选择要办理的操作。');
    if (body._confirm !== 'on') throw new HttpError('invalid_request', '请勾选“确认”后再提交此操作。');
    const reason = (body.reason ?? '').trim();
    const payload: Record<string, unknown> = kind === 'takeBack' ? { seq: Number(body.seq), reason } : kind === 'terminate' ? { reason } : { to: body.to ?? '', reason };
    const expected = Number(body._expectedVersion);
    await engine.send(caseId, { type: MOVE_TYPES[kind], payload, expectedVersion: Number.isInteger(expected) ? expected : undefined }, p.actor);
    res.redirect(303, `/cases/${encodeURIComponent(caseId)}?moved=${kind}`);
  }));

  const migrationPage = async (res: express.Response, p: Principal, extra: Record<string, unknown> = {}, status = 200) => {
    const versions = new Map<string, { id: string; title: string; versions: number[] }>();
    for (const d of await engine.listDefinitions()) {
      const v = versions.get(d.workflowId) ?? { id: d.workflowId, title: zh((d.definition as { title?: unknown }).title, d.workflowId), versions: [] };
      v.versions.push(d.version);
      versions.set(d.workflowId, v);
    }
    const orgChoices = (await orgs.list()).filter((o) => p.subtree.has(o.id)).map((o) => ({ id: o.id, name: o.name, selected: o.id === (extra.org ?? p.user.orgId) }));
    sendPage(deps, res, 'admin-migrations', '在办案件迁移', p, { workflows: [...versions.values()], orgChoices, ...extra }, status);
  };

  router.get('/admin/migrations', page(deps, async (_req, res, p) => {
    if (!p.isAdmin) throw new HttpError('forbidden', '需要管理员角色。');
    await migrationPage(res, p);
  }));

  router.post('/admin/migrations', ...form, page(deps, async (req, res, p) => {
    if (!p.isAdmin) throw new HttpError('forbidden', '需要管理员角色。');
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const values = { workflowId: body.workflowId ?? '', fromVersion: body.fromVersion ?? '', toVersion: body.toVersion ?? '', map: body.map ?? '', org: body.org ?? p.user.orgId };
    let map: unknown;
    try {
      map = JSON.parse(values.map);
    } catch {
      return migrationPage(res, p, { values, org: values.org, error: '迁移规则不是有效的 JSON。' }, 422);
    }
    try {
      const report = await migrateInScope(engine, orgs, p, { workflowId: values.workflowId, fromVersion: Number(values.fromVersion), toVersion: Number(values.toVersion), map, dryRun: body.apply !== 'on', org: values.org });
      await migrationPage(res, p, { values, org: values.org, report: await reportView(report) });
    } catch (err) {
      const e = err as { code?: string; issues?: { path: (string | number)[]; message: string }[]; message?: string };
      const issues = (e.issues ?? []).map((i) => `${i.path.join(' › ')}：${i.message}`);
      await migrationPage(res, p, { values, org: values.org, error: e.code === 'out_of_jurisdiction' ? '所选机构或流程版本不在您的管辖范围内。' : e.code === 'workflow_not_found' ? '找不到所选的流程版本。' : '迁移规则与两个版本的流程定义不符，未迁移任何案件。', issues }, e.code === 'out_of_jurisdiction' ? 403 : 422);
    }
  }));

  /** The report as the page shows it: state titles of both versions, the uncovered cases apart. */
  const reportView = async (r: MigrationReport) => {
    const from = (await engine.registry.get(r.workflowId, r.fromVersion)).definition;
    const to = (await engine.registry.get(r.workflowId, r.toVersion)).definition;
    const org = async (id: string) => (await orgs.get(id))?.name ?? '—';
    const rows = await Promise.all(r.cases.map(async (c) => ({ caseId: c.caseId, href: encodeURIComponent(c.caseId), org: await org(c.org), from: stateTitle(from, c.from as StateValue), to: c.to === null ? undefined : stateTitle(to, c.to as StateValue), covered: !c.uncovered })));
    return {
      dryRun: r.dryRun, fromVersion: r.fromVersion, toVersion: r.toVersion, migrated: r.migrated, uncovered: r.uncovered, total: r.cases.length, failed: r.failed.length,
      covered: rows.filter((x) => x.covered), notCovered: rows.filter((x) => !x.covered)
    };
  };
  return router;
}
