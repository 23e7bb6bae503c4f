/**
 * `GET /audit/verify`: checks the hash chains and replays the cases of the
 * caller's subtree (or one case), streaming NDJSON: `progress` lines while
 * it runs, then one `result` line (or an `error` line if it could not finish).
 */
import { z } from 'zod';
import type { VerifyFailure, VerifyReport } from '../../engine/index.js';
import { toErrorAnswer } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import { visibleCase } from './cases.js';
import type { RouteDeps } from './deps.js';

/** Progress lines at most this often (and always at the end). */
const PROGRESS_EVERY_MS = 500;
const BATCH = 200;

export function auditRoutes({ engine, orgs, logger }: RouteDeps): Route[] {
  return [
    route(
      {
        method: 'get', path: '/api/v1/audit/verify', tag: 'audit', auth: 'user',
        summary: 'Verify hash chains and replays of your subtree (or `case`), streamed as NDJSON progress lines and a final result line',
        description:
          'Each line is a JSON object: `{"type":"progress","done":n,"total":n}` while running, then `{"type":"result","ok":bool,"casesChecked":n,"eventsChecked":n,"failures":[{caseId,seq,reason}]}`; ' +
          'if verification cannot finish, `{"type":"error","error":{code,message}}` ends the stream instead.',
        query: z.object({ case: z.string().min(1).max(200).optional() }),
        mediaType: 'application/x-ndjson',
        errors: ['case_not_found'],
      },
      async ({ req, res, query, principal }) => {
        const p = principal!;
        if (query.case !== undefined) await visibleCase(engine, p, query.case);
        res.status(200).type('application/x-ndjson; charset=utf-8');
        res.setHeader('Cache-Control', 'no-store');
        // Ask proxies not to buffer the stream.
        res.setHeader('X-Accel-Buffering', 'no');
        let aborted = false;
        req.on('close', () => (aborted = !res.writableFinished));
        let lastAt = 0;
        const line = (obj: unknown) => res.write(`${JSON.stringify(obj)}\n`);
        const progress = (done: number, total: number | null, force = false) => {
          if (!force && Date.now() - lastAt < PROGRESS_EVERY_MS) return;
          lastAt = Date.now();
          line({ type: 'progress', done, total });
        };
        try {
          let report: VerifyReport;
          const everything = (await orgs.list()).every((o) => p.subtree.has(o.id));
          if (query.case !== undefined) {
            report = await engine.verify(query.case);
          } else if (everything) {
            progress(0, await engine.countCases(), true);
            report = await engine.verify(undefined, { onProgress: (done, total) => progress(done, total) });
          } else {
            // Only the subtree: page through its cases and verify each.
            report = { ok: true, casesChecked: 0, eventsChecked: 0, failures: [] };
            const failures: VerifyFailure[] = [];
            let after: { createdAt: string; id: string } | undefined;
            progress(0, null, true);
            while (!aborted) {
              const page = await engine.listCases({ orgs: [...p.subtree], after, limit: BATCH });
              for (const c of page) {
                const one = await engine.verify(c.id);
                report.casesChecked += one.casesChecked;
                report.eventsChecked += one.eventsChecked;
                if (!one.ok) {
                  report.ok = false;
                  failures.push(...one.failures);
                }
                progress(report.casesChecked, null);
              }
              if (page.length < BATCH) break;
              const last = page[page.length - 1]!;
              after = { createdAt: last.createdAt, id: last.id };
            }
            report.failures = failures.slice(0, 1000);
          }
          progress(report.casesChecked, report.casesChecked, true);
          line({ type: 'result', ...report });
        } catch (err) {
          const a = toErrorAnswer(err);
          if (a.unexpected) logger.error({ err, reqId: res.locals.reqId }, 'audit verify failed');
          line({ type: 'error', ...a.body });
        }
        res.end();
        return undefined;
      },
    ),
  ];
}
