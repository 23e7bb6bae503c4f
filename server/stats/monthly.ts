/**
 * The monthly report (月报) computed from case facts: accidents by grade,
 * industry and district (month and year to date, against the same periods
 * last year), hazards by district, supervision letters and listed cases
 * outstanding, tip-offs received and handled. Months are calendar months in
 * China time (UTC+8). Pure: the facts and the org tree come in as data.
 */
import { belongsAt, countsAsAccident, isOpenMajorHazardAt, isOverdueAt, isRectified, rectifiedOnTime, type CaseFacts } from '../../engine/index.js';
import type { OrgRecord } from '../people-ports.js';

/** China time is UTC+8 all year. */
const CN_OFFSET_MS = 8 * 3_600_000;

/** A half-open interval of instants [from, to). */
export interface Period {
  from: number;
  to: number;
}

/** The instant a month starts in China time (`month` 1–12; 13 rolls over). */
function monthStart(year: number, month: number): number {
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

const within = (iso: string | null, p: Period): boolean => iso !== null && Date.parse(iso) >= p.from && Date.parse(iso) < p.to;

/** Accident figures of one period. */
export interface AccidentFigures {
  count: number;
  deaths: number;
  injuries: number;
  directLossCny: number;
}

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

function figures(facts: readonly CaseFacts[], p: Period): AccidentFigures {
  const inP = facts.filter((f) => within(belongsAt(f), p));
  return {
    count: inP.length,
    deaths: inP.reduce((s, f) => s + (f.deaths ?? 0), 0),
    injuries: inP.reduce((s, f) => s + (f.injuries ?? 0), 0),
    directLossCny: inP.reduce((s, f) => s + (f.directLossCny ?? 0), 0),
  };
}

function accidentRows(accidents: readonly CaseFacts[], keyOf: (f: CaseFacts) => string, periods: ReturnType<typeof reportPeriods>, order?: readonly string[]): AccidentRow[] {
  const groups = new Map<string, CaseFacts[]>();
  for (const k of order ?? []) groups.set(k, []);
  for (const f of accidents) {
    const k = keyOf(f);
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  return [...groups.entries()].map(([label, fs]) => accidentRow(label, fs, periods));
}

function accidentRow(label: string, fs: readonly CaseFacts[], periods: ReturnType<typeof reportPeriods>): AccidentRow {
  return { label, month: figures(fs, periods.month), lastYearMonth: figures(fs, periods.lastMonth), ytd: figures(fs, periods.ytd), lastYearYtd: figures(fs, periods.lastYtd) };
}

function hazardRow(label: string, fs: readonly CaseFacts[], periods: ReturnType<typeof reportPeriods>): HazardRow {
  const closedInMonth = fs.filter((f) => within(f.closedAt, periods.month));
  return {
    label,
    found: fs.filter((f) => within(f.openedAt, periods.month)).length,
    rectified: closedInMonth.filter((f) => isRectified(f)).length,
    rectifiedOnTime: closedInMonth.filter((f) => rectifiedOnTime(f)).length,
    overdue: fs.filter((f) => isOverdueAt(f, periods.end)).length,
    openMajor: fs.filter((f) => isOpenMajorHazardAt(f, periods.end)).length,
  };
}

/**
 * The report for `month` over the facts of one subtree. `districtOf` names a
 * case's district (see {@link districtName}); `districts` lists the
 * subtree's districts so that a district without cases shows as zeros.
 */
export function monthlyReport(facts: readonly CaseFacts[], opts: { month: string; scope: string; districtOf: (org: string) => string; districts: readonly string[] }): MonthlyReport {
  const periods = reportPeriods(opts.month);
  const accidents = facts.filter(countsAsAccident);
  const district = (f: CaseFacts) => opts.districtOf(f.org);
  const hazards = facts.filter((f) => f.workflowId === 'hazard');
  const hazardGroups = new Map<string, CaseFacts[]>(opts.districts.map((d) => [d, []]));
  for (const f of hazards) {
    const g = hazardGroups.get(district(f));
    if (g) g.push(f);
    else hazardGroups.set(district(f), [f]);
  }
  const end = Date.parse(periods.end);
  const openAtEnd = (f: CaseFacts) => Date.parse(f.openedAt) <= end && (f.closedAt === null || Date.parse(f.closedAt) > end);
  return {
    month: opts.month,
    scope: opts.scope,
    accidents: {
      byGrade: accidentRows(accidents, (f) => ACCIDENT_GRADE_LABELS[f.grade ?? ''] ?? '未定级', periods, Object.values(ACCIDENT_GRADE_LABELS)),
      byIndustry: accidentRows(accidents, (f) => f.industry ?? UNKNOWN_INDUSTRY, periods).sort((a, b) => b.ytd.count - a.ytd.count || a.label.localeCompare(b.label, 'zh')),
      byDistrict: accidentRows(accidents, district, periods, opts.districts),
      total: accidentRow('合计', accidents, periods),
    },
    hazards: {
      byDistrict: [...hazardGroups.entries()].map(([label, fs]) => hazardRow(label, fs, periods)),
      total: hazardRow('合计', hazards, periods),
    },
    letters: {
      outstanding: facts.filter((f) => f.workflowId === 'supervision-letter' && openAtEnd(f)).length,
      listedAccidentsOutstanding: accidents.filter((f) => f.listed && openAtEnd(f)).length,
    },
    tipOffs: {
      received: facts.filter((f) => f.workflowId === 'tip-off' && within(f.openedAt, periods.month)).length,
      handled: facts.filter((f) => f.workflowId === 'tip-off' && within(f.closedAt, periods.month)).length,
    },
  };
}
