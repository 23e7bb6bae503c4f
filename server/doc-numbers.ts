/**
 * The document-number series (文号) each org sets: a prefix per series of
 * documents it issues (`circular` 通报, `interviewNotice` 约谈通知书, …),
 * and what each counter has issued. The numbers themselves are taken by the
 * engine inside the issuing step's transaction (`StoreTx.nextDocNumber`);
 * this module only sets and reads the settings.
 */
import { z } from 'zod';
import { MAX_DOC_NUMBER_LENGTH, type KnexStore } from '../engine/index.js';

/** The series the built-in workflows number, with their names for people. */
export const DOC_SERIES_TITLES: Readonly<Record<string, string>> = {
  circular: '通报',
  interviewNotice: '约谈通知书',
  supervisionLetter: '督办函',
  rectificationOrder: '责令限期整改指令书',
};

/** A series id: camelCase, as definitions name it. */
export const DocSeriesSchema = z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}$/, 'a series is camelCase, e.g. circular');
/** A prefix: room for the year and the sequence within the longest number the engine accepts. */
export const DocPrefixSchema = z.string().trim().min(1).max(MAX_DOC_NUMBER_LENGTH - 16).regex(/^[^〔〕\s]+$/, 'a prefix has no 〔〕 and no spaces, e.g. 江应急通');

/** One org's setting of a series, with the last number issued this year. */
export interface DocSeriesRow {
  series: string;
  title: string;
  prefix: string;
  /** The last sequence issued in `year` (0 when none yet). */
  lastSeq: number;
  year: number;
}

/** Sets (or replaces) an org's prefix of a series; the counters are untouched (a new prefix continues the year's sequence). */
export async function setDocNumberPrefix(store: KnexStore, s: { org: string; series: string; prefix: string; setBy: string; at: string }): Promise<void> {
  await store.knex('doc_number_series')
    .insert({ org: s.org, series: s.series, prefix: s.prefix, set_by: s.setBy, set_at: s.at })
    .onConflict(['org', 'series']).merge(['prefix', 'set_by', 'set_at']);
}

/** An org's series, each with the last number issued in `year`. */
export async function listDocNumberSeries(store: KnexStore, org: string, year: number): Promise<DocSeriesRow[]> {
  const series: { series: string; prefix: string }[] = await store.knex('doc_number_series').select('series', 'prefix').where('org', org).orderBy('series');
  const counters: { series: string; last_seq: number | string }[] = await store.knex('doc_number_counters').select('series', 'last_seq').where({ org, year });
  const last = new Map(counters.map((c) => [c.series, Number(c.last_seq)]));
  return series.map((s) => ({ series: s.series, title: DOC_SERIES_TITLES[s.series] ?? s.series, prefix: s.prefix, lastSeq: last.get(s.series) ?? 0, year }));
}
