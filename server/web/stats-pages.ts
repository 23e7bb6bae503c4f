/**
 * The 统计 page: open major hazards (动态清零) and overdue matters by
 * district, the year's accidents against each district's quota (bars drawn
 * with CSS, thresholds marked at 80% and 100%), and twelve months of trend;
 * every figure links to the list of its cases. Tables only: it works
 * without JavaScript.
 */
import express from 'express';
import { visibleOrg } from '../access.js';
import { HttpError } from '../http-errors.js';
import { statsOf } from '../routes/reports.js';
import { buildDashboard, figureCases, FIGURES, type Figure } from '../stats/dashboard.js';
import { page, sendPage, type WebDeps } from './context.js';
import { zh } from './render.js';

const FIGURE_TITLES: Record<Figure, string> = { openMajor: '重大隐患未销号', overdue: '逾期未办', accidents: '本年事故', hazardsFound: '本年排查隐患' };


export function statsPages(deps: WebDeps): express.Router {
  const router = express.Router();
  router.get('/stats', page(deps, async (_req, res, p) => {
    const now = deps.engine.clock.now().toISOString();
    const d = await buildDashboard(statsOf(deps), deps.orgs, p.user.orgId, now);
    const link = (figure: Figure, district: string | null) => `/stats/cases?figure=${figure}${district === null ? '&district=' : `&district=${encodeURIComponent(district)}`}`;
    const districts = d.districts.map((r) => ({
      ...r,
      openMajorLink: link('openMajor', r.id), overdueLink: link('overdue', r.id), accidentsLink: link('accidents', r.id),
      cleared: r.openMajor === 0,
      bar: r.percent === null ? null : { width: (Math.min(r.percent, 120) / 1.2).toFixed(1), level: r.percent >= 100 ? 'over' : r.percent >= 80 ? 'near' : 'ok' },
      warnedText: r.warned.map((t) => `${t}%`).join('、'),
    }));
    sendPage(deps, res, 'stats', '统计', p, { ...d, districts, maxTrend: Math.max(1, ...d.trend.map((t) => t.accidents)) });
  }));
  router.get('/stats/cases', page(deps, async (req, res, p) => {
    const figure = typeof req.query.figure === 'string' && (FIGURES as readonly string[]).includes(req.query.figure) ? (req.query.figure as Figure) : undefined;
    if (!figure) throw new HttpError('invalid_input', '未知的统计项');
    const district = typeof req.query.district === 'string' ? (req.query.district === '' ? null : req.query.district) : undefined;
    if (typeof district === 'string') await visibleOrg(p, deps.orgs, district);
    const now = deps.engine.clock.now().toISOString();
    const facts = await figureCases(statsOf(deps), deps.orgs, p.user.orgId, figure, { district }, now);
    const items = await Promise.all(facts.map(async (f) => {
      const wf = await deps.engine.registry.get(f.workflowId).catch(() => undefined);
      return { id: f.caseId, workflowTitle: zh(wf?.definition.title, '其他'), orgName: (await deps.orgs.get(f.org))?.name ?? '', openedAt: f.openedAt };
    }));
    const districtName = typeof district === 'string' ? (await deps.orgs.get(district))?.name : district === null ? '市本级' : undefined;
    sendPage(deps, res, 'stats-cases', `${FIGURE_TITLES[figure]}${districtName ? `（${districtName}）` : ''}`, p, { items, figureTitle: FIGURE_TITLES[figure], districtName });
  }));
  return router;
}
