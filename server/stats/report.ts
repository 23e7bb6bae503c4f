/**
 * Building the monthly report for one org's subtree (the CLI and the API),
 * and writing it as a workbook (exceljs), an A4 HTML page or JSON. Every
 * label a reader sees is Chinese; no ids or codes.
 */
import ExcelJS from 'exceljs';
import type { OrgDirectory } from '../access.js';
import { BUILTIN_FACTS, factsAsOf, type HistoryReader } from './facts-store.js';
import type { StatsStore } from './stats-ports.js';
import { districtName, reportFromTally, reportWindow, type AccidentRow, type HazardRow, type MonthlyReport } from './monthly.js';
import { tallyReport } from './tally.js';

/**
 * The report of `month` over the subtree of `org` (the root when omitted):
 * counted in the database from the facts now, or, as of `at`, over the facts
 * recomputed from `history`. The org tree is walked once (each org's district
 * named once), not per case.
 */
export async function buildMonthlyReport(stats: StatsStore, history: HistoryReader, orgs: OrgDirectory, opts: { month: string; org?: string | undefined; at?: string | undefined }): Promise<MonthlyReport> {
  const all = await orgs.list();
  const root = opts.org ?? all.find((o) => o.parentId === null)?.id;
  const scopeRecord = root === undefined ? undefined : await orgs.get(root);
  const subtree = root === undefined ? new Set<string>() : await orgs.subtree(root);
  const window = reportWindow(opts.month);
  const counted = opts.at === undefined
    ? await stats.facts.reportTally(window)
    : tallyReport((await factsAsOf(stats.facts, history, BUILTIN_FACTS, opts.at)).filter((f) => subtree.has(f.org)), window);
  const tally = { accidents: counted.accidents.filter((t) => subtree.has(t.org)), cases: counted.cases.filter((t) => subtree.has(t.org)) };
  const names = new Map<string, string>();
  for (const id of subtree) names.set(id, districtName(await orgs.ancestry(id)));
  const districts = [...new Set(all.filter((o) => o.level === 'county' && subtree.has(o.id)).map((o) => o.name))];
  return reportFromTally(tally, { month: opts.month, scope: scopeRecord?.name ?? '', districtOf: (org) => names.get(org) ?? '', districts });
}

const PERIOD_HEADS = ['本月', '去年同月', '本年累计', '去年同期累计'] as const;
const FIGURE_HEADS = ['起数', '死亡人数', '受伤人数', '直接经济损失（万元）'] as const;
const periodsOf = (r: AccidentRow) => [r.month, r.lastYearMonth, r.ytd, r.lastYearYtd];
/** Yuan → ten-thousand yuan (万元), as the bulletins print it. */
const wan = (cny: number) => Math.round(cny / 100) / 100;

function accidentCells(r: AccidentRow): (string | number)[] {
  return [r.label, ...periodsOf(r).flatMap((p) => [p.count, p.deaths, p.injuries, wan(p.directLossCny)])];
}

const HAZARD_HEADS = ['区县', '排查发现', '整改完成', '按期整改', '逾期未改', '重大隐患未销号'];
const hazardCells = (r: HazardRow): (string | number)[] => [r.label, r.found, r.rectified, r.rectifiedOnTime, r.overdue, r.openMajor];

/** `2026-11` → `2026年11月`. */
export const monthLabel = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;

/** The workbook: one sheet per table, Chinese names, frozen headers, number formats. */
export async function monthlyWorkbook(report: MonthlyReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '督办系统';
  const accidentSheet = (name: string, first: string, rows: AccidentRow[]) => {
    const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 1, ySplit: 2 }] });
    ws.addRow([first, ...PERIOD_HEADS.flatMap((p) => [p, '', '', ''])]);
    ws.addRow(['', ...PERIOD_HEADS.flatMap(() => FIGURE_HEADS)]);
    PERIOD_HEADS.forEach((_, i) => ws.mergeCells(1, 2 + i * 4, 1, 5 + i * 4));
    ws.mergeCells(1, 1, 2, 1);
    for (const r of [...rows, report.accidents.total]) ws.addRow(accidentCells(r));
    ws.getColumn(1).width = 16;
    for (let c = 2; c <= 17; c++) {
      const col = ws.getColumn(c);
      col.width = 12;
      col.numFmt = (c - 2) % 4 === 3 ? '#,##0.00' : '#,##0';
    }
    ws.getRow(1).font = { bold: true };
    ws.getRow(2).font = { bold: true };
  };
  accidentSheet('事故按等级', '事故等级', report.accidents.byGrade);
  accidentSheet('事故按行业', '行业领域', report.accidents.byIndustry);
  accidentSheet('事故按区县', '区县', report.accidents.byDistrict);
  const hz = wb.addWorksheet('隐患排查治理', { views: [{ state: 'frozen', xSplit: 1, ySplit: 1 }] });
  hz.addRow(HAZARD_HEADS).font = { bold: true };
  for (const r of [...report.hazards.byDistrict, report.hazards.total]) hz.addRow(hazardCells(r));
  hz.getColumn(1).width = 16;
  for (let c = 2; c <= HAZARD_HEADS.length; c++) {
    hz.getColumn(c).width = 14;
    hz.getColumn(c).numFmt = '#,##0';
  }
  const other = wb.addWorksheet('督办与举报', { views: [{ state: 'frozen', ySplit: 1 }] });
  other.addRow(['项目', '数量']).font = { bold: true };
  other.addRow(['督办函未办结', report.letters.outstanding]);
  other.addRow(['挂牌督办事故未结案', report.letters.listedAccidentsOutstanding]);
  other.addRow(['本月受理举报', report.tipOffs.received]);
  other.addRow(['本月办结举报', report.tipOffs.handled]);
  other.getColumn(1).width = 22;
  other.getColumn(2).numFmt = '#,##0';
  const info = wb.addWorksheet('说明');
  info.addRow(['报表', `${report.scope}安全生产月报（${monthLabel(report.month)}）`]);
  info.addRow(['统计口径', '事故按发生时间计入月份，经核定等级且未被不予认定的事故计数；隐患按上报时间计入月份；月份按北京时间划分。']);
  info.getColumn(1).width = 12;
  info.getColumn(2).width = 80;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (n: number) => n.toLocaleString('zh-CN');

/** The report as a standalone HTML page that prints on A4. */
export function monthlyHtml(report: MonthlyReport): string {
  const accidentTable = (caption: string, first: string, rows: AccidentRow[]) => `
<table><caption>${esc(caption)}</caption>
<thead><tr><th rowspan="2">${esc(first)}</th>${PERIOD_HEADS.map((p) => `<th colspan="4">${p}</th>`).join('')}</tr>
<tr>${PERIOD_HEADS.map(() => FIGURE_HEADS.map((h) => `<th>${h}</th>`).join('')).join('')}</tr></thead>
<tbody>${[...rows, report.accidents.total].map((r) => `<tr><th scope="row">${esc(r.label)}</th>${periodsOf(r).map((p) => `<td>${num(p.count)}</td><td>${num(p.deaths)}</td><td>${num(p.injuries)}</td><td>${wan(p.directLossCny).toFixed(2)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
  const title = `${report.scope}安全生产月报（${monthLabel(report.month)}）`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; font-size: 10pt; }
table { border-collapse: collapse; width: 100%; margin: 0 0 8mm; page-break-inside: avoid; }
caption { font-weight: bold; text-align: left; margin-bottom: 2mm; }
th, td { border: 1px solid #444; padding: 1mm 1.5mm; }
td { text-align: right; }
tbody tr:last-child { font-weight: bold; }
</style></head><body>
<h1>${esc(title)}</h1>
${accidentTable('一、生产安全事故（按等级）', '事故等级', report.accidents.byGrade)}
${accidentTable('二、生产安全事故（按行业领域）', '行业领域', report.accidents.byIndustry)}
${accidentTable('三、生产安全事故（按区县）', '区县', report.accidents.byDistrict)}
<table><caption>四、隐患排查治理</caption><thead><tr>${HAZARD_HEADS.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${[...report.hazards.byDistrict, report.hazards.total].map((r) => `<tr>${hazardCells(r).map((c, i) => (i === 0 ? `<th scope="row">${esc(String(c))}</th>` : `<td>${num(Number(c))}</td>`)).join('')}</tr>`).join('\n')}</tbody></table>
<table><caption>五、督办与举报</caption><tbody>
<tr><th scope="row">督办函未办结</th><td>${num(report.letters.outstanding)}</td></tr>
<tr><th scope="row">挂牌督办事故未结案</th><td>${num(report.letters.listedAccidentsOutstanding)}</td></tr>
<tr><th scope="row">本月受理举报</th><td>${num(report.tipOffs.received)}</td></tr>
<tr><th scope="row">本月办结举报</th><td>${num(report.tipOffs.handled)}</td></tr>
</tbody></table>
<p>统计口径：事故按发生时间计入月份，经核定等级且未被不予认定的事故计数；隐患按上报时间计入月份；月份按北京时间划分。直接经济损失单位为万元。</p>
</body></html>
`;
}
