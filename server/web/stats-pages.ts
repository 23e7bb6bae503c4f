/**
 * The 统计 page: open major hazards by district against the zero target
 * (动态清零), overdue matters by district and by unit, the year's accidents
 * against each district's quota (the thresholds drawn), and twelve months of
 * trend; every figure links to the list of its cases. The numbers are
 * tables (the page works without JavaScript); ECharts, served from here with
 * long-lived caching and loaded only on this page, draws them as charts.
 * Also the stored monthly reports (the scheduled 月报) for download.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express from 'express';
import { visibleOrg } from '../access.js';
import { HttpError } from '../http-errors.js';
import { statsOf } from '../routes/reports.js';
import { buildDashboard, figureCases, FIGURES, type Figure } from '../stats/dashboard.js';
import { DEFAULT_THRESHOLDS } from '../stats/quotas.js';
import { monthLabel } from '../stats/report.js';
import { page, sendPage, type WebDeps } from './context.js';
import { VIEWS_DIR, zh } from './render.js';

const require = createRequire(import.meta.url);
const FIGURE_TITLES: Record<Figure, string> = { openMajor: '重大隐患未销号', overdue: '逾期未办', accidents: '本年事故', hazardsFound: '排查发现隐患' };
const ECHARTS = require.resolve('echarts/dist/echarts.min.js');
const CHARTS_JS = path.join(VIEWS_DIR, 'stats-charts.js');
/** Assets are addressed by a version of their content, so they may be cached for a year. */
const version = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 10);
const LONG_CACHE = 'public, max-age=31536000, immutable';

/** JSON inside a `<script>` element: `<` escaped so no text closes it. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export function statsPages(deps: WebDeps, opts: { thresholds?: readonly number[] | undefined } = {}): express.Router {
  const router = express.Router();
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const assets = { echarts: version(ECHARTS), charts: version(CHARTS_JS) };
  router.get('/static/echarts.min.js', (_req, res) => res.type('application/javascript').set('Cache-Control', LONG_CACHE).sendFile(ECHARTS));
  router.get('/static/stats-charts.js', (_req, res) => res.type('application/javascript').set('Cache-Control', LONG_CACHE).sendFile(CHARTS_JS));

  router.get('/stats', page(deps, async (_req, res, p) => {
    const now = deps.engine.clock.now().toISOString();
    const d = await buildDashboard(statsOf(deps), deps.orgs, p.user.orgId, now);
    const q = (params: Record<string, string | null | undefined>) => `/stats/cases?${Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(v ?? '')}`).join('&')}`;
    const link = (figure: Figure, district: string | null) => q({ figure, district });
    const top = Math.max(120, ...thresholds.map((t) => t + 20));
    const districts = d.districts.map((r) => ({
      ...r,
      openMajorLink: link('openMajor', r.id), overdueLink: link('overdue', r.id), accidentsLink: link('accidents', r.id),
      cleared: r.openMajor === 0,
      bar: r.percent === null ? null : { width: ((Math.min(r.percent, top) * 100) / top).toFixed(1), level: r.percent >= 100 ? 'over' : r.percent >= (thresholds[0] ?? 80) ? 'near' : 'ok' },
      warnedText: r.warned.map((t) => `${t}%`).join('、'),
    }));
    const marks = thresholds.map((t) => ({ label: `${t}%`, left: ((t * 100) / top).toFixed(2) }));
    const units = d.overdueByUnit.map((u) => ({ ...u, link: q({ figure: 'overdue', org: u.org }) }));
    const trend = d.trend.map((t) => ({ ...t, accidentsLink: q({ figure: 'accidents', month: t.month }), hazardsLink: q({ figure: 'hazardsFound', month: t.month }) }));
    const reports = (await statsOf(deps).reports.list()).filter((r) => r.sentAt !== null || r.generatedAt !== null).slice(0, 12);
    const visibleReports = [];
    for (const r of reports) {
      if (await visibleOrg(p, deps.orgs, r.org).then(() => true, () => false)) visibleReports.push({ label: monthLabel(r.month), link: `/stats/reports/${r.month}?org=${encodeURIComponent(r.org)}`, sha256: r.sha256 });
    }
    const chartData = {
      thresholds,
      districts: districts.map((r) => ({ name: r.name, openMajor: r.openMajor, overdue: r.overdue, accidents: r.accidents, quota: r.quota, percent: r.percent, links: { openMajor: r.openMajorLink, overdue: r.overdueLink, accidents: r.accidentsLink } })),
      units: units.slice(0, 15).map((u) => ({ name: `${u.districtName}·${u.name}`, overdue: u.overdue, link: u.link })),
      trend: trend.map((t) => ({ label: t.label, accidents: t.accidents, deaths: t.deaths, hazardsFound: t.hazardsFound, accidentsLink: t.accidentsLink, hazardsLink: t.hazardsLink })),
    };
    sendPage(deps, res, 'stats', '统计', p, { ...d, districts, units, trend, marks, reports: visibleReports, chartJson: scriptJson(chartData), assets });
  }));

  router.get('/stats/cases', page(deps, async (req, res, p) => {
    const figure = typeof req.query.figure === 'string' && (FIGURES as readonly string[]).includes(req.query.figure) ? (req.query.figure as Figure) : undefined;
    if (!figure) throw new HttpError('invalid_input', '未知的统计项');
    const district = typeof req.query.district === 'string' ? (req.query.district === '' ? null : req.query.district) : undefined;
    if (typeof district === 'string') await visibleOrg(p, deps.orgs, district);
    const org = typeof req.query.org === 'string' && req.query.org !== '' ? (await visibleOrg(p, deps.orgs, req.query.org)).id : undefined;
    const month = typeof req.query.month === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(req.query.month) ? req.query.month : undefined;
    const now = deps.engine.clock.now().toISOString();
    const facts = await figureCases(statsOf(deps), deps.orgs, p.user.orgId, figure, { district, org, month }, now);
    const items = await Promise.all(facts.map(async (f) => {
      const wf = await deps.engine.registry.get(f.workflowId).catch(() => undefined);
      return { id: f.caseId, workflowTitle: zh(wf?.definition.title, '其他'), orgName: (await deps.orgs.get(f.org))?.name ?? '', openedAt: f.openedAt };
    }));
    const where = org !== undefined ? (await deps.orgs.get(org))?.name : typeof district === 'string' ? (await deps.orgs.get(district))?.name : district === null ? '市本级' : undefined;
    const districtName = [where, month && monthLabel(month)].filter(Boolean).join(' · ') || undefined;
    sendPage(deps, res, 'stats-cases', `${FIGURE_TITLES[figure]}${districtName ? `（${districtName}）` : ''}`, p, { items, figureTitle: FIGURE_TITLES[figure], districtName });
  }));

  // A stored monthly report (the scheduled 月报), for those whose subtree holds its org.
  router.get('/stats/reports/:month', page(deps, async (req, res, p) => {
    const month = String(req.params.month);
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new HttpError('invalid_input', '月份格式应为 2026-11');
    const stats = statsOf(deps);
    const org = typeof req.query.org === 'string' && req.query.org !== '' ? req.query.org : (await deps.orgs.list()).find((o) => o.parentId === null)?.id ?? '';
    const scope = await visibleOrg(p, deps.orgs, org);
    const stored = await stats.reports.get(month, scope.id);
    if (!stored?.xlsx) throw new HttpError('not_found', `${monthLabel(month)}的月报尚未生成`);
    const name = `${scope.name}安全生产月报（${monthLabel(month)}）.xlsx`;
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .set('Content-Disposition', `attachment; filename="monthly-${month}.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .set('X-Content-SHA256', stored.sha256 ?? '')
      .send(stored.xlsx);
  }));
  return router;
}
