/**
 * The monthly report (月报) computed from case facts: accidents by grade,
 * industry and district (month and year to date, against the same periods
 * last year), hazards by district, supervision letters and listed cases
 * outstanding, tip-offs received and handled. Months are calendar months in
 * China time (UTC+8). Pure: the facts and the org tree come in as data.
 */
import type { CaseFacts } from '../../engine/index.js';
import { tallyReport, type AccidentFigures, type AccidentTally, type ReportTally, type ReportWindow } from './tally.js';
import type { OrgRecord } from '../people-ports.js';

/** China time is UTC+8 all year. */
const CN_OFFSET_MS = 8 * 3_600_000;

/** A half-open interval of instants [from, to). */
export interface Period {
  from: number;
  to: number;
}

/** The instant a month starts in China time (`month` 1–12; 13 rolls over). */
export function monthStart(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1) - CN_OFFSET_MS;
}

/** `2026-11` → the month, the year to its end, and both a year earlier. */
export function reportPeriods(month: string): { month: Period; ytd: Period; lastMonth: Period; lastYtd: Period; end: string } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new RangeError(`not a month: ${month}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const to = monthStart(y, mo + 1);
  const lastTo = monthStart(y - 1, mo + 1);
  return {
    month: { from: monthStart(y, mo), to },
    ytd: { from: monthStart(y, 1), to },
    lastMonth: { from: monthStart(y - 1, mo), to: lastTo },
    lastYtd: { from: monthStart(y - 1, 1), to: lastTo },
    end: new Date(to - 1).toISOString(),
  };
}

/** The window the report's counts are taken over (UTC ISO strings): the four accident periods in {@link AccidentRow} order. */
export function reportWindow(month: string): ReportWindow {
  const p = reportPeriods(month);
  const iso = (q: Period) => ({ from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() });
  return { periods: [iso(p.month), iso(p.lastMonth), iso(p.ytd), iso(p.lastYtd)], month: iso(p.month), end: p.end };
}

export type { AccidentFigures };

/** One row of an accident table: its label and the four periods. */
export interface AccidentRow {
  label: string;
  month: AccidentFigures;
  lastYearMonth: AccidentFigures;
  ytd: AccidentFigures;
  lastYearYtd: AccidentFigures;
}

export interface HazardRow {
  label: string;
  found: number;
  rectified: number;
  rectifiedOnTime: number;
  overdue: number;
  openMajor: number;
}

export interface MonthlyReport {
  month: string;
  /** The org whose subtree the report covers (its name). */
  scope: string;
  accidents: { byGrade: AccidentRow[]; byIndustry: AccidentRow[]; byDistrict: AccidentRow[]; total: AccidentRow };
  hazards: { byDistrict: HazardRow[]; total: HazardRow };
  letters: { outstanding: number; listedAccidentsOutstanding: number };
  tipOffs: { received: number; handled: number };
}

export const ACCIDENT_GRADE_LABELS: Record<string, string> = { general: '一般事故', serious: '较大事故', major: '重大事故', extraordinary: '特别重大事故' };
const UNKNOWN_INDUSTRY = '未填行业';
/** Cases of orgs above the county level (the city's own offices). */
export const CITY_LEVEL_LABEL = '市本级';

/** The district a case belongs to: the name of its org's county-level ancestor, or {@link CITY_LEVEL_LABEL}. */
export function districtName(ancestry: readonly OrgRecord[]): string {
  return ancestry.find((o) => o.level === 'county')?.name ?? CITY_LEVEL_LABEL;
}

const addFigures = (a: AccidentFigures, b: AccidentFigures) => {
  a.count += b.count;
  a.deaths += b.deaths;
  a.injuries += b.injuries;
  a.directLossCny += b.directLossCny;
};
const zeroFigures = (): AccidentFigures => ({ count: 0, deaths: 0, injuries: 0, directLossCny: 0 });

/** Adds up tally rows by a label (`order` first, so a label without cases shows as zeros; others in the order met). */
function accidentRows(tally: readonly AccidentTally[], keyOf: (t: AccidentTally) => string, order: readonly string[] = []): AccidentRow[] {
  const groups = new Map<string, AccidentFigures[]>(order.map((k) => [k, [zeroFigures(), zeroFigures(), zeroFigures(), zeroFigures()]]));
  for (const t of tally) {
    const k = keyOf(t);
    const g = groups.get(k) ?? [zeroFigures(), zeroFigures(), zeroFigures(), zeroFigures()];
    groups.set(k, g);
    t.periods.forEach((p, i) => addFigures(g[i]!, p));
  }
  return [...groups.entries()].map(([label, [month, lastYearMonth, ytd, lastYearYtd]]) => ({ label, month: month!, lastYearMonth: lastYearMonth!, ytd: ytd!, lastYearYtd: lastYearYtd! }));
}

function hazardRow(label: string): HazardRow & { hazards: number } {
  return { label, hazards: 0, found: 0, rectified: 0, rectifiedOnTime: 0, overdue: 0, openMajor: 0 };
}

/**
 * The report for `month` from its counts per org (`tally`, of one subtree's
 * orgs). `districtOf` names an org's district (see {@link districtName});
 * `districts` lists the subtree's districts so that a district without cases
 * shows as zeros. Pure.
 */
export function reportFromTally(tally: ReportTally, opts: { month: string; scope: string; districtOf: (org: string) => string; districts: readonly string[] }): MonthlyReport {
  // Tally rows come in no particular order: sort them as the facts are (by org, then grade and industry), so that rows
  // outside `order` appear in a stable order.
  const accidents = [...tally.accidents].sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : 0));
  const hazardGroups = new Map(opts.districts.map((d) => [d, hazardRow(d)]));
  const total = hazardRow('合计');
  let letters = 0;
  let received = 0;
  let handled = 0;
  for (const t of [...tally.cases].sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : 0))) {
    letters += t.lettersOutstanding;
    received += t.tipOffsReceived;
    handled += t.tipOffsHandled;
    if (t.hazards === 0) continue;
    const label = opts.districtOf(t.org);
    const g = hazardGroups.get(label) ?? hazardRow(label);
    hazardGroups.set(label, g);
    for (const r of [g, total]) {
      r.hazards += t.hazards;
      r.found += t.found;
      r.rectified += t.rectified;
      r.rectifiedOnTime += t.rectifiedOnTime;
      r.overdue += t.overdue;
      r.openMajor += t.openMajor;
    }
  }
  const plain = ({ hazards: _, ...r }: HazardRow & { hazards: number }): HazardRow => r;
  const [totalRow] = accidentRows(accidents, () => '合计');
  return {
    month: opts.month,
    scope: opts.scope,
    accidents: {
      byGrade: accidentRows(accidents, (t) => ACCIDENT_GRADE_LABELS[t.grade ?? ''] ?? '未定级', Object.values(ACCIDENT_GRADE_LABELS)),
      byIndustry: accidentRows(accidents, (t) => t.industry ?? UNKNOWN_INDUSTRY).sort((a, b) => b.ytd.count - a.ytd.count || a.label.localeCompare(b.label, 'zh')),
      byDistrict: accidentRows(accidents, (t) => opts.districtOf(t.org), opts.districts),
      total: totalRow ?? { label: '合计', month: zeroFigures(), lastYearMonth: zeroFigures(), ytd: zeroFigures(), lastYearYtd: zeroFigures() },
    },
    hazards: { byDistrict: [...hazardGroups.values()].map(plain), total: plain(total) },
    letters: { outstanding: letters, listedAccidentsOutstanding: accidents.reduce((s, t) => s + t.listedOutstanding, 0) },
    tipOffs: { received, handled },
  };
}

/** The report for `month` over the facts of one subtree (see {@link reportFromTally}). Pure. */
export function monthlyReport(facts: readonly CaseFacts[], opts: { month: string; scope: string; districtOf: (org: string) => string; districts: readonly string[] }): MonthlyReport {
  return reportFromTally(tallyReport(facts, reportWindow(opts.month)), opts);
}
