/**
 * The statistics' own storage port (issue 13: storage owned by its users):
 * the facts read model as reports read it, the district quotas with their
 * threshold crossings and interviews, and the scheduled monthly reports. In
 * domain words; no knex type appears here. The knex adapter is
 * `knex-stats.ts`, built in the composition root from the server's database.
 */
import type { CaseFacts } from '../../engine/index.js';
import type { DashboardTally, DashboardWindow, IsoPeriod, ReportTally, ReportWindow } from './tally.js';

export const QUOTA_MEASURES = ['accidents', 'deaths'] as const;
export type QuotaMeasure = (typeof QUOTA_MEASURES)[number];

/** The facts rows (one per case), as the reports read them. */
export interface FactsReader {
  /** Rows in case id order; `workflowId` and the `belongsAt` range [from, to) narrow them. */
  list(filter?: { workflowId?: string | undefined; belongsFrom?: string | undefined; belongsTo?: string | undefined }): Promise<CaseFacts[]>;
  /** One case's row. */
  get(caseId: string): Promise<CaseFacts | undefined>;
  /** The cases (id and workflow) created at or before `createdBy` (all without it), in id order. */
  cases(createdBy?: string): Promise<{ id: string; workflowId: string }[]>;
  /** The monthly report's counts per org (added up where the rows are: one pass per table part, no row leaves the database). */
  reportTally(window: ReportWindow): Promise<ReportTally>;
  /** The 统計 page's counts per org at `window.now`, with each trend month's. */
  dashboardTally(window: DashboardWindow): Promise<DashboardTally[]>;
  /** Counting accidents and their deaths per org, of those belonging to `period` (quota use). */
  accidentUse(period: IsoPeriod): Promise<{ org: string; accidents: number; deaths: number }[]>;
  /** Replaces every row with these, in one transaction (`duban stats rebuild`). */
  replaceAll(facts: readonly CaseFacts[]): Promise<void>;
}

/** A quota threshold crossing: raised once, given back when the use falls under it again. */
export interface QuotaCrossing {
  district: string;
  year: number;
  measure: QuotaMeasure;
  threshold: number;
  /** 1 for the first crossing of the threshold in the year, 2 for the one after a give-back, … */
  crossing: number;
  used: number;
  quota: number;
  caseId: string;
  notificationId: string | null;
  raisedAt: string;
  givenBackAt: string | null;
}

/** The interview opened when a district exceeded a quota (one per district and year). */
export interface QuotaInterview {
  district: string;
  year: number;
  measure: QuotaMeasure;
  reason: string;
  linkedCaseId: string;
  /** Null until the case is opened (a claim whose opening failed is finished by the next check). */
  caseId: string | null;
}

/** Quotas, their crossings and interviews. */
export interface QuotaStore {
  set(q: { district: string; year: number; measure: QuotaMeasure; quota: number; setBy: string; at: string }): Promise<void>;
  list(year: number): Promise<{ district: string; measure: QuotaMeasure; quota: number }[]>;
  /** The thresholds in force (crossed and not given back) of a year. */
  warned(year: number): Promise<{ district: string; measure: QuotaMeasure; threshold: number }[]>;
  /** Claims a crossing (exactly one process wins): its number, or undefined when the threshold is in force already. */
  raise(c: Omit<QuotaCrossing, 'crossing' | 'notificationId' | 'givenBackAt'>): Promise<number | undefined>;
  /** Records the warning's outbox id on a crossing. */
  setNotification(c: Pick<QuotaCrossing, 'district' | 'year' | 'measure' | 'threshold' | 'crossing'>, notificationId: string): Promise<void>;
  /** Ends the crossing in force of a threshold; false when none was. */
  giveBack(c: { district: string; year: number; measure: QuotaMeasure; threshold: number; at: string }): Promise<boolean>;
  crossings(filter: { year: number; district?: string | undefined }): Promise<QuotaCrossing[]>;
  /** Claims the district's interview of the year; returns the row in force (this claim's or an earlier one). */
  claimInterview(i: Omit<QuotaInterview, 'caseId'> & { at: string }): Promise<QuotaInterview>;
  setInterviewCase(district: string, year: number, caseId: string): Promise<void>;
}

/** A stored monthly report. */
export interface StoredReport {
  month: string;
  org: string;
  sha256: string | null;
  xlsx: Buffer | null;
  generatedAt: string | null;
  sentAt: string | null;
}

/** The scheduled monthly reports: claimed by one process, stored with their hash, delivered once per recipient. */
export interface ReportStore {
  /** Claims (or takes over an expired claim on) the report of `month` for `org`; false when another process holds it or it was sent. */
  claim(month: string, org: string, owner: string, now: string, until: string): Promise<boolean>;
  get(month: string, org: string): Promise<StoredReport | undefined>;
  /** Stores the workbook and its hash (once: a stored report is never replaced). */
  save(month: string, org: string, r: { xlsx: Buffer; sha256: string; at: string }): Promise<void>;
  /** Recipients already served. */
  delivered(month: string, org: string): Promise<string[]>;
  recordDelivery(d: { month: string; org: string; recipient: string; address: string | null; status: 'sent' | 'failed'; error: string | null; at: string }): Promise<void>;
  markSent(month: string, org: string, at: string): Promise<void>;
  /** The stored reports, newest month first. */
  list(org?: string): Promise<StoredReport[]>;
}

/** Everything the statistics store. */
export interface StatsStore {
  readonly facts: FactsReader;
  readonly quotas: QuotaStore;
  readonly reports: ReportStore;
}
