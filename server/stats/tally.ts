/**
 * The counts the statistics add up by district, per org: what the facts
 * store answers in SQL over the `case_facts` columns (`knex-stats.ts`), and
 * the same counts over facts in memory for a report "as of" a past instant
 * (recomputed from the history). The report is assembled from these rows,
 * so both paths give the same figures (`test/server/stats/tally.test.ts`
 * holds them to that on SQLite and PostgreSQL; the 统计 page's figures to
 * the lengths of their drill-down lists).
 *
 * Windows are UTC ISO strings; a period is half-open [from, to).
 */
import { belongsAt, countsAsAccident, isOpenMajorHazardAt, isOverdueAt, isRectified, rectifiedOnTime, type CaseFacts } from '../../engine/index.js';

/** A half-open interval of instants [from, to), as UTC ISO strings. */
export interface IsoPeriod {
  from: string;
  to: string;
}

/** Accident figures of one period. */
export interface AccidentFigures {
  count: number;
  deaths: number;
  injuries: number;
  directLossCny: number;
}

/** The monthly report's window: the accident periods, the month, and its last instant. */
export interface ReportWindow {
  periods: readonly IsoPeriod[];
  month: IsoPeriod;
  end: string;
}

/** Counting accidents of one org, grade and industry: figures per period of the window (in its order), listed ones open at the end. */
export interface AccidentTally {
  org: string;
  grade: string | null;
  industry: string | null;
  periods: AccidentFigures[];
  listedOutstanding: number;
}

/** One org's hazards, letters and tip-offs in a report's month (`hazards`: all its hazard cases, so a district with any shows). */
export interface CaseTally {
  org: string;
  hazards: number;
  found: number;
  rectified: number;
  rectifiedOnTime: number;
  overdue: number;
  openMajor: number;
  lettersOutstanding: number;
  tipOffsReceived: number;
  tipOffsHandled: number;
}

export interface ReportTally {
  accidents: AccidentTally[];
  cases: CaseTally[];
}

/** The 统计 page's window: now, the year (Beijing time) it lies in, and the 13 boundaries of the trend's 12 months. */
export interface DashboardWindow {
  now: string;
  year: IsoPeriod;
  months: readonly string[];
}

/** One org's figures on the 统计 page, split by the trend month its cases belong to (`month`: index, null outside the window). */
export interface DashboardTally {
  org: string;
  month: number | null;
  openMajor: number;
  overdue: number;
  /** Counting accidents of the year and their deaths. */
  yearAccidents: number;
  yearDeaths: number;
  /** Counting accidents and their deaths, and hazard cases (the trend adds up those of its months). */
  accidents: number;
  deaths: number;
  hazardsFound: number;
}

const inPeriod = (iso: string | null, p: IsoPeriod): boolean => iso !== null && Date.parse(iso) >= Date.parse(p.from) && Date.parse(iso) < Date.parse(p.to);
const openAt = (f: CaseFacts, at: string): boolean => Date.parse(f.openedAt) <= Date.parse(at) && (f.closedAt === null || Date.parse(f.closedAt) > Date.parse(at));
const zero = (): AccidentFigures => ({ count: 0, deaths: 0, injuries: 0, directLossCny: 0 });

/** The report's counts over facts in memory (a report as of a past instant). Pure. */
export function tallyReport(facts: readonly CaseFacts[], w: ReportWindow): ReportTally {
  const accidents = new Map<string, AccidentTally>();
  const cases = new Map<string, CaseTally>();
  for (const f of facts) {
    if (countsAsAccident(f)) {
      const key = JSON.stringify([f.org, f.grade, f.industry]);
      const t = accidents.get(key) ?? { org: f.org, grade: f.grade, industry: f.industry, periods: w.periods.map(zero), listedOutstanding: 0 };
      accidents.set(key, t);
      w.periods.forEach((p, i) => {
        if (!inPeriod(belongsAt(f), p)) return;
        const s = t.periods[i]!;
        s.count++;
        s.deaths += f.deaths ?? 0;
        s.injuries += f.injuries ?? 0;
        s.directLossCny += f.directLossCny ?? 0;
      });
      if (f.listed && openAt(f, w.end)) t.listedOutstanding++;
      continue;
    }
    if (f.workflowId !== 'hazard' && f.workflowId !== 'supervision-letter' && f.workflowId !== 'tip-off') continue;
    const t = cases.get(f.org) ?? { org: f.org, hazards: 0, found: 0, rectified: 0, rectifiedOnTime: 0, overdue: 0, openMajor: 0, lettersOutstanding: 0, tipOffsReceived: 0, tipOffsHandled: 0 };
    cases.set(f.org, t);
    if (f.workflowId === 'hazard') {
      t.hazards++;
      if (inPeriod(f.openedAt, w.month)) t.found++;
      if (inPeriod(f.closedAt, w.month) && isRectified(f)) t.rectified++;
      if (inPeriod(f.closedAt, w.month) && rectifiedOnTime(f)) t.rectifiedOnTime++;
      if (isOverdueAt(f, w.end)) t.overdue++;
      if (isOpenMajorHazardAt(f, w.end)) t.openMajor++;
    } else if (f.workflowId === 'supervision-letter') {
      if (openAt(f, w.end)) t.lettersOutstanding++;
    } else {
      if (inPeriod(f.openedAt, w.month)) t.tipOffsReceived++;
      if (inPeriod(f.closedAt, w.month)) t.tipOffsHandled++;
    }
  }
  return { accidents: [...accidents.values()], cases: [...cases.values()] };
}
