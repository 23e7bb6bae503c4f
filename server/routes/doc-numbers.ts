/**
 * Document-number series (文号) of an org: admins of the org's subtree set the
 * prefix of each series its documents are numbered in; everyone in the
 * subtree reads them with the last number issued this year.
 */
import { z } from 'zod';
import { docNumberYear, type KnexStore } from '../../engine/index.js';
import { visibleOrg } from '../access.js';
import { HttpError } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import { DocPrefixSchema, DocSeriesSchema, listDocNumberSeries, setDocNumberPrefix } from '../doc-numbers.js';
import type { RouteDeps } from './deps.js';

const SeriesRow = z.object({
  series: z.string(), title: z.string().describe('the documents the series numbers, in Chinese'), prefix: z.string(),
  lastSeq: z.number().int().describe('the last number issued in `year` (0: none yet)'), year: z.number().int(),
});
const OrgParams = z.object({ org: z.string().min(1).max(64) });
const SeriesParams = OrgParams.extend({ series: DocSeriesSchema });

function sqlStore(engine: RouteDeps['engine']): KnexStore {
  const store = engine.store as Partial<KnexStore>;
  if (store.knex === undefined) throw new HttpError('internal_error', 'document numbers need the SQL store');
  return store as KnexStore;
}

export function docNumberRoutes({ engine, orgs }: RouteDeps): Route[] {
  return [
    route(
      {
        method: 'get', path: '/api/v1/orgs/:org/doc-number-series', tag: 'people', auth: 'user', params: OrgParams,
        summary: 'The document-number series (文号) of an org of your subtree: prefix and the last number issued this year (Beijing time)',
        response: z.object({ items: z.array(SeriesRow) }),
        errors: ['org_not_found'],
      },
      async ({ params, principal }) => {
        const org = await visibleOrg(principal!, orgs, params.org);
        return { items: await listDocNumberSeries(sqlStore(engine), org.id, docNumberYear(engine.clock.now())) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/orgs/:org/doc-number-series/:series', tag: 'people', auth: 'admin', params: SeriesParams,
        summary: 'Set the prefix of a document-number series of an org of your subtree (e.g. circular → 江应急通, numbers 江应急通〔2026〕1号, 2号, …); the year\'s sequence continues',
        body: z.object({ prefix: DocPrefixSchema }).strict(),
        response: SeriesRow,
        errors: ['org_not_found', 'invalid_input'],
      },
      async ({ params, body, principal }) => {
        const p = principal!;
        const org = await visibleOrg(p, orgs, params.org);
        const store = sqlStore(engine);
        await setDocNumberPrefix(store, { org: org.id, series: params.series, prefix: body.prefix, setBy: p.user.id, at: engine.clock.now().toISOString() });
        const rows = await listDocNumberSeries(store, org.id, docNumberYear(engine.clock.now()));
        return rows.find((r) => r.series === params.series)!;
      },
    ),
  ];
}
