/**
 * The 专项整治 page (campaigns with their figures per district against the
 * targets, for everyone who sees them) and the 分派规则 page (routing rules
 * an admin edits for its subtree: a form, a list, delete). Tables and plain
 * forms: they work without JavaScript and at 390 px.
 */
import express from 'express';
import { z } from 'zod';
import { bodyGuard } from '../body-guard.js';
import { seesCampaign, sqlKnex } from '../campaigns/access.js';
import { listCampaigns, REPORT_PERIOD_TITLES } from '../campaigns/store.js';
import { HttpError } from '../http-errors.js';
import { deleteRule, getRule, listRules, RoutingRuleSchema, saveRule, type RoutingRule } from '../responsibility/rules.js';
import { figuresFor } from '../routes/campaigns.js';
import type { Principal } from '../access.js';
import { page, sendPage, type WebDeps } from './context.js';
import { zh } from './render.js';

/** The workflows whose new cases a rule may route: a hazard, a tip-off, a supervision letter, an enforcement case. */
export const ROUTABLE_WORKFLOWS = ['hazard', 'tip-off', 'supervision-letter', 'enforcement'] as const;

const percent = (n: number, of: number | null) => (of === null || of === 0 ? null : Math.round((n / of) * 100));
const FIELD_TITLES: Record<string, string> = { id: '规则编号', ownerOrg: '所属单位', title: '规则名称', priority: '优先级', workflows: '适用案件', industries: '行业领域', grid: '责任网格', departments: '责任部门' };
const splitList = (v: unknown) => (typeof v === 'string' ? v.split(/[、,，;；\n]/).map((s) => s.trim()).filter((s) => s !== '') : []);
const asList = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

export function campaignPages(deps: WebDeps): express.Router {
  const router = express.Router();
  const form = [express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 40 }), bodyGuard];
  const knex = () => sqlKnex(deps.engine);

  router.get('/campaigns', page(deps, async (_req, res, p) => {
    const owners = [...new Set([...p.subtree, ...(await deps.orgs.ancestry(p.user.orgId)).map((o) => o.id)])];
    const asOf = deps.engine.clock.now().toISOString();
    const items = [];
    for (const c of await listCampaigns(knex(), owners)) {
      if (!(await seesCampaign(p, deps.orgs, c))) continue;
      const figures = (await figuresFor(deps, p, c, asOf)).map((f) => ({ ...f, rate: percent(f.rectified, f.found), foundProgress: percent(f.found, f.targetFound) }));
      const industries = c.industries.length === 0 ? '全部行业' : c.industries.join('、');
      items.push({ ...c, owner: (await deps.orgs.get(c.ownerOrg))?.name ?? '', period: REPORT_PERIOD_TITLES[c.reportPeriod], industries, active: c.status === 'active', figures });
    }
    sendPage(deps, res, 'campaigns', '专项整治', p, { items });
  }));

  const rulesPage = async (res: express.Response, p: Principal, extra: Record<string, unknown> = {}, status = 200) => {
    const orgs = (await deps.orgs.list()).filter((o) => p.subtree.has(o.id));
    const names = new Map(orgs.map((o) => [o.id, o.name]));
    // Only the workflows this installation has, by their titles.
    const titles = new Map<string, string>();
    for (const id of ROUTABLE_WORKFLOWS) {
      const wf = await deps.engine.resolveWorkflow(id, p.user.orgId).catch(() => undefined);
      if (wf) titles.set(id, zh(wf.workflow.definition.title, '其他流程'));
    }
    const rules = (await listRules(knex(), [...p.subtree])).map((r) => ({
      ...r, owner: names.get(r.ownerOrg) ?? '', workflowTitles: r.workflows.map((w) => titles.get(w) || '其他流程').join('、'),
      industryText: r.industries.length === 0 ? '全部行业' : r.industries.join('、'),
      gridText: r.grid.from === 'enterprise' ? '企业所在网格' : (names.get(r.grid.org) ?? ''),
      departmentText: r.departments.from === 'industry' ? '按行业监管部门表' : r.departments.names.join('、'),
    }));
    const values = (extra.values ?? {}) as Record<string, unknown>;
    sendPage(deps, res, 'admin-routing', '分派规则', p, {
      rules, values,
      ownerChoices: orgs.filter((o) => o.level !== 'enterprise' && o.level !== 'grid').map((o) => ({ id: o.id, name: o.name, selected: o.id === (values.ownerOrg ?? p.user.orgId) })),
      gridChoices: orgs.filter((o) => o.level === 'grid').map((o) => ({ id: o.id, name: o.name, selected: o.id === values.gridOrg })),
      workflowChoices: [...titles].map(([id, title]) => ({ id, title, checked: asList(values.workflows).includes(id) })),
      ...extra,
    }, status);
  };
  const admin = (p: Principal) => {
    if (!p.isAdmin) throw new HttpError('forbidden', '需要管理员角色');
  };

  router.get('/admin/routing', page(deps, async (_req, res, p) => {
    admin(p);
    await rulesPage(res, p);
  }));

  router.post('/admin/routing', form, page(deps, async (req, res, p) => {
    admin(p);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const candidate = {
      id: b.id, ownerOrg: b.ownerOrg, title: b.title, priority: b.priority === '' || b.priority === undefined ? 100 : Number(b.priority),
      workflows: asList(b.workflows), industries: splitList(b.industries),
      grid: b.gridFrom === 'org' ? { from: 'org', org: b.gridOrg } : { from: 'enterprise' },
      departments: b.departmentsFrom === 'named' ? { from: 'named', names: splitList(b.departmentNames) } : { from: 'industry' },
    };
    const parsed = RoutingRuleSchema.safeParse(candidate);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => FIELD_TITLES[String(i.path[0])] ?? '表单'))];
      return rulesPage(res, p, { values: b, error: `请检查：${fields.join('、')}` }, 422);
    }
    const rule: RoutingRule = parsed.data;
    const existing = await getRule(knex(), rule.id);
    if (!p.subtree.has(rule.ownerOrg) || (existing && !p.subtree.has(existing.ownerOrg))) return rulesPage(res, p, { values: b, error: '只能编辑本单位及下级单位的规则' }, 403);
    if (rule.grid.from === 'org' && !(await deps.orgs.subtree(rule.ownerOrg)).has(rule.grid.org)) return rulesPage(res, p, { values: b, error: '责任网格须在所属单位辖区内' }, 422);
    await saveRule(knex(), rule, p.user.id, deps.engine.clock.now().toISOString());
    res.redirect(303, '/admin/routing?saved=1');
  }));

  router.post('/admin/routing/:id/delete', form, page(deps, async (req, res, p) => {
    admin(p);
    const id = z.string().max(64).parse(String(req.params.id));
    const rule = await getRule(knex(), id);
    if (!rule || !p.subtree.has(rule.ownerOrg)) throw new HttpError('routing_rule_not_found', '该规则不存在');
    await deleteRule(knex(), id);
    res.redirect(303, '/admin/routing');
  }));
  return router;
}
