/**
 * The documents a case has issued (整改指令书, 督办函, 通报, 约谈通知书,
 * 结案报告), each with the hash recorded when it was issued and whether its
 * kept text still has it. The documents themselves are pages
 * (`/cases/:id/documents/:kind/:seq`), to print or save as PDF.
 */
import { z } from 'zod';
import { ensureDocuments } from '../documents/issue.js';
import { HttpError } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import { visibleCase } from './cases.js';
import type { RouteDeps } from './deps.js';

const DocumentSchema = z.object({
  kind: z.enum(['order', 'letter', 'circular', 'interview-notice', 'closing-report']).describe('order 整改指令书, letter 督办函, circular 通报, interview-notice 约谈通知书, closing-report 结案报告'),
  label: z.string(),
  title: z.string(),
  docNo: z.string().nullable().describe('发文字号'),
  seq: z.number().int().describe('the event that issued it'),
  issuedAt: z.string(),
  sha256: z.string().describe('SHA-256 of the document text, recorded when it was issued'),
  intact: z.boolean().describe('whether the kept text still has that hash'),
  href: z.string().describe('the printable page'),
});

export function documentRoutes(deps: RouteDeps): Route[] {
  const { engine } = deps;
  return [
    route(
      {
        method: 'get', path: '/api/v1/cases/:id/documents', tag: 'cases', auth: 'user', params: z.object({ id: z.string().min(1).max(200) }),
        summary: 'The official documents the case has issued, with the hash recorded at issue',
        response: z.object({ documents: z.array(DocumentSchema) }), errors: ['case_not_found', 'not_found'],
      },
      async ({ params, principal }) => {
        await visibleCase(engine, principal!, params.id);
        if (!deps.documents) throw new HttpError('not_found', 'this server keeps no documents');
        const docs = await ensureDocuments({ ...deps, documents: deps.documents }, params.id);
        return {
          documents: docs.map((d) => ({
            kind: d.kind as z.infer<typeof DocumentSchema>['kind'], label: d.label, title: d.title, docNo: d.docNo, seq: d.seq, issuedAt: d.issuedAt, sha256: d.sha256, intact: d.intact,
            href: `/cases/${encodeURIComponent(params.id)}/documents/${d.kind}/${d.seq}`,
          })),
        };
      },
    ),
  ];
}
