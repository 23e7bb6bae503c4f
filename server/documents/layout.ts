/**
 * The layout of official documents (GB/T 9704—2012 党政机关公文格式): 版头
 * with the issuing authority in red and the red separator line, 发文字号,
 * 标题, 主送, 正文, 落款 and 成文日期; A4 with the standard margins, 仿宋 body
 * in 三号 (16 pt), 小标宋 title in 二号 (22 pt). One function for every kind
 * of document, so they all print alike.
 */

/** Escapes text for HTML. */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A document's parts, as text (escaped here, not by the caller). */
export interface OfficialDocument {
  /** 发文机关 (红头), e.g. 江州市东湖区应急管理局. */
  authority: string;
  /** 发文字号, e.g. 东应急责改〔2026〕3号; omitted when the document has none. */
  docNo?: string | undefined;
  /** 标题. */
  title: string;
  /** 主送机关 (without the closing colon). */
  addressee?: string | undefined;
  /** 正文, one paragraph per entry; `{ heading }` for a 一、二、 level heading. */
  body: (string | { heading: string })[];
  /** 附件说明 lines. */
  attachments?: string[] | undefined;
  /** 落款 (the issuing authority again, or the signing office). */
  signer: string;
  /** 成文日期, e.g. 2026年3月2日. */
  date: string;
  /** 抄送 (copied to), printed above the 版记 line. */
  copyTo?: string | undefined;
}

/** The sheet of a document: the part that is hashed and kept when it is issued. */
export function renderSheet(doc: OfficialDocument): string {
  const paragraph = (p: string | { heading: string }) => (typeof p === 'string' ? `<p>${esc(p)}</p>` : `<p class="heading">${esc(p.heading)}</p>`);
  const attachments = doc.attachments?.length
    ? `<p class="attach">附件：${doc.attachments.map((a, i) => `${doc.attachments!.length > 1 ? `${i + 1}. ` : ''}${esc(a)}`).join('<br>')}</p>`
    : '';
  return [
    '<div class="sheet" id="document">',
    `<p class="masthead">${esc(doc.authority)}</p>`,
    doc.docNo ? `<p class="docno" id="doc-no">${esc(doc.docNo)}</p>` : '',
    '<hr class="rule">',
    `<h1 id="doc-title">${esc(doc.title)}</h1>`,
    doc.addressee ? `<p class="to" id="addressee">${esc(doc.addressee)}：</p>` : '',
    ...doc.body.map(paragraph),
    attachments,
    `<p class="sign">${esc(doc.signer)}</p>`,
    `<p class="date" id="doc-date">${esc(doc.date)}</p>`,
    doc.copyTo ? `<p class="copy">抄送：${esc(doc.copyTo)}。</p>` : '',
    '</div>',
  ].filter(Boolean).join('\n');
}

const STYLE = `
  @page { size: A4; margin: 37mm 26mm 35mm 28mm; }
  body { margin: 0; font-family: "FangSong", "STFangsong", "仿宋", "WenQuanYi Zen Hei", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 28.9pt; color: #000; background: #fff; }
  .sheet { max-width: 156mm; margin: 0 auto; padding: 8mm 0; }
  .masthead { color: #d40000; text-align: center; font-family: "SimSun", "宋体", "WenQuanYi Zen Hei", serif; font-size: 30pt; font-weight: bold; letter-spacing: .1em; line-height: 1.3; margin: 0; text-indent: 0; }
  .docno { text-align: center; margin: 14pt 0 4pt; text-indent: 0; }
  .rule { border: 0; border-top: 2px solid #d40000; margin: 0 0 24pt; }
  h1 { font-family: "SimSun", "宋体", "WenQuanYi Zen Hei", serif; font-size: 22pt; text-align: center; font-weight: bold; margin: 0 0 24pt; line-height: 1.4; }
  p { margin: 0; text-indent: 2em; text-align: justify; overflow-wrap: anywhere; }
  p.to, p.attach, p.copy { text-indent: 0; }
  p.heading { font-family: "SimHei", "黑体", "WenQuanYi Zen Hei", sans-serif; }
  p.attach { margin-top: 16pt; padding-left: 2em; }
  .sign { margin-top: 40pt; text-align: right; padding-right: 4em; }
  .date { text-align: right; padding-right: 4em; }
  .copy { margin-top: 28pt; border-top: 1px solid #000; border-bottom: 1px solid #000; padding: 4pt 1em; font-size: 14pt; }
  .note { max-width: 156mm; margin: 24pt auto 0; border-top: 1px solid #999; padding: 6pt 4mm 0; text-indent: 0; font-family: sans-serif; font-size: 10.5pt; line-height: 1.6; color: #333; }
  .note.bad { color: #b00000; font-weight: bold; }
  .tools { text-align: center; margin: 12pt 0; font-family: sans-serif; font-size: 11pt; }
  @media print { .tools, .note { display: none; } .sheet { padding: 0; } }
  @media (max-width: 640px) { body { font-size: 13pt; line-height: 1.8; } .masthead { font-size: 20pt; } h1 { font-size: 17pt; } .sheet { padding: 4mm; } .sign, .date { padding-right: 1em; } }
`;

/**
 * The whole printable page around a kept sheet: the tools (back to the case,
 * print or save as PDF), the sheet as issued, and a note naming the event
 * that issued it and the recorded hash — or saying that the sheet no longer
 * matches the hash recorded when it was issued.
 */
export function renderPage(opts: { title: string; caseHref: string; sheet: string; note: string; intact: boolean }): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title>
<style>${STYLE}</style></head>
<body><div class="tools"><a href="${esc(opts.caseHref)}">返回案件</a> · <button type="button" onclick="window.print()">打印或另存为 PDF</button></div>
${opts.sheet}
<p class="note${opts.intact ? '' : ' bad'}" id="doc-note">${esc(opts.note)}</p>
</body></html>`;
}
