/**
 * Printable documents of a case (`server/documents/`): each page shows the
 * document exactly as it was kept when issued, in the layout of official
 * documents (GB/T 9704—2012), to print or save as PDF from the browser, with
 * a note naming the issuing event, its hash and the document's own hash —
 * or a warning when the kept text no longer has the hash recorded at issue.
 */
import express from 'express';
import { ensureDocuments } from '../documents/issue.js';
import { renderPage } from '../documents/layout.js';
import { localDate } from '../documents/kinds.js';
import { HttpError } from '../http-errors.js';
import { visibleCase } from '../routes/cases.js';
import { page, type WebDeps } from './context.js';

export function printPages(deps: WebDeps): express.Router {
  const { engine } = deps;
  const router = express.Router();

  const documentsOf = async (caseId: string) => {
    if (!deps.documents) throw new HttpError('not_found', '本系统未保存文书。');
    return ensureDocuments({ ...deps, documents: deps.documents }, caseId);
  };

  router.get('/cases/:id/documents/:kind/:seq', page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    await visibleCase(engine, p, caseId);
    const doc = (await documentsOf(caseId)).find((d) => d.kind === req.params.kind && String(d.seq) === req.params.seq);
    if (!doc) throw new HttpError('not_found', '此案件没有这份文书。');
    const event = (await engine.history(caseId)).find((e) => e.seq === doc.seq);
    const note = doc.intact
      ? `本文书于${localDate(doc.issuedAt)}随案件第 ${doc.seq} 条办理记录印发${event ? `（该记录的哈希为 ${event.hash.slice(0, 16)}…）` : ''}，印发时登记的文书哈希为 ${doc.sha256.slice(0, 16)}…，与现存文本一致，可在审计视图中核验。`
      : `警告：现存文本与印发时登记的文书哈希（${doc.sha256.slice(0, 16)}…）不一致，文书在印发后被改动过，不得作为正式文书使用。`;
    const html = renderPage({ title: `${doc.title}${doc.docNo ? ` ${doc.docNo}` : ''}`, caseHref: `/cases/${encodeURIComponent(caseId)}`, sheet: doc.body, note, intact: doc.intact });
    res.status(200).type('text/html; charset=utf-8').set('Cache-Control', 'private, no-store').send(html);
  }));

  // The address of the first printable document (the 整改指令书), kept for links already given out.
  router.get('/cases/:id/print/order', page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    await visibleCase(engine, p, caseId);
    const order = (await documentsOf(caseId)).filter((d) => d.kind === 'order').pop();
    if (!order) throw new HttpError('not_found', '此案件尚未下达整改指令书。');
    res.redirect(303, `/cases/${encodeURIComponent(caseId)}/documents/order/${order.seq}`);
  }));

  return router;
}
