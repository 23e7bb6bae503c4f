/**
 * Printable documents of a case: the 责令限期整改指令书 of a hazard in the
 * layout of official documents (GB/T 9704—2012: 版头 with the issuing
 * authority in red and the red separator line, 发文字号, 标题, 主送, 正文, 落款,
 * 成文日期; A4, 仿宋 body), a page of its own to print or save as PDF from
 * the browser. The document is filled from the recorded 下达整改指令书 event,
 * and names that event and its hash: the hash chain covers what the document
 * says.
 */
import express from 'express';
import type { WorkflowDefinition } from '../../engine/index.js';
import { redactorFor } from '../confidential.js';
import { HttpError } from '../http-errors.js';
import { visibleCase } from '../routes/cases.js';
import { page, type WebDeps } from './context.js';
import { chineseDate, displayValue, namesOf } from './display.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The date of an instant in Asia/Shanghai, as 2026年3月2日. */
function localDate(iso: string): string {
  return chineseDate(new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10));
}

export function printPages(deps: WebDeps): express.Router {
  const { engine, orgs } = deps;
  const router = express.Router();

  router.get('/cases/:id/print/order', page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    const record = await visibleCase(engine, p, caseId);
    if (record.workflowId !== 'hazard') throw new HttpError('not_found', '此案件没有整改指令书。');
    const red = await redactorFor(engine, orgs, p.actor, record);
    const events = (await engine.history(caseId)).map(red.event);
    const issued = [...events].reverse().find((e) => e.type === 'issueOrder');
    if (!issued) throw new HttpError('not_found', '此案件尚未下达整改指令书。');
    const def = (await engine.registry.get(record.workflowId, record.workflowVersion)).definition as WorkflowDefinition;
    const names = namesOf(deps.people, orgs);
    const data = red.data(record.state.data) as Record<string, unknown>;
    const props = def.data?.properties ?? {};
    const show = async (field: string, v: unknown = data[field]) => esc(await displayValue(props[field], v, names));
    const payload = issued.payload as Record<string, unknown>;
    const issuer = (issued.actor.org && (await names.org(issued.actor.org))) || '应急管理部门';
    const authority = issuer.endsWith('局') ? issuer : `${issuer}应急管理局`;
    const unit = await show('enterpriseId');
    const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>责令限期整改指令书 ${esc(String(payload.orderNo ?? ''))}</title>
<style>
  @page { size: A4; margin: 37mm 26mm 35mm 28mm; }
  body { margin: 0; font-family: "FangSong", "STFangsong", "仿宋", "WenQuanYi Zen Hei", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 28.9pt; color: #000; background: #fff; }
  .sheet { max-width: 156mm; margin: 0 auto; padding: 8mm 0; }
  .masthead { color: #d40000; text-align: center; font-family: "SimSun", "宋体", "WenQuanYi Zen Hei", serif; font-size: 30pt; font-weight: bold; letter-spacing: .1em; line-height: 1.3; margin: 0; }
  .docno { text-align: center; margin: 14pt 0 4pt; }
  .rule { border: 0; border-top: 2px solid #d40000; margin: 0 0 24pt; }
  h1 { font-family: "SimSun", "宋体", "WenQuanYi Zen Hei", serif; font-size: 22pt; text-align: center; font-weight: bold; margin: 0 0 24pt; line-height: 1.4; }
  p { margin: 0; text-indent: 2em; text-align: justify; }
  p.to { text-indent: 0; }
  .sign { margin-top: 40pt; text-align: right; padding-right: 4em; }
  .date { text-align: right; padding-right: 4em; }
  .note { margin-top: 40pt; border-top: 1px solid #000; padding-top: 6pt; font-size: 10.5pt; line-height: 1.6; text-indent: 0; color: #333; }
  .tools { text-align: center; margin: 12pt 0; font-family: sans-serif; font-size: 11pt; }
  @media print { .tools { display: none; } .sheet { padding: 0; } }
  @media (max-width: 640px) { body { font-size: 13pt; line-height: 1.8; } .masthead { font-size: 20pt; } h1 { font-size: 17pt; } .sheet { padding: 4mm; } }
</style></head>
<body><div class="tools"><a href="/cases/${encodeURIComponent(caseId)}">返回案件</a> · <button type="button" onclick="window.print()">打印或另存为 PDF</button></div>
<div class="sheet" id="document">
  <p class="masthead">${esc(authority)}</p>
  <p class="docno" id="doc-no">${esc(String(payload.orderNo ?? ''))}</p>
  <hr class="rule">
  <h1>责令限期整改指令书</h1>
  <p class="to" id="addressee">${unit}：</p>
  <p>经查，你单位存在下列事故隐患：${await show('description')}（位置：${await show('location')}；隐患类别：${await show('hazardCategory')}；隐患等级：${await show('grade')}）。</p>
  <p>依据《中华人民共和国安全生产法》第六十五条和《安全生产事故隐患排查治理暂行规定》的有关规定，现责令你单位于<strong>${esc(chineseDate(String(payload.orderDeadline ?? '')))}</strong>前整改完毕，达到有关法律法规、规章和标准规定的要求。整改措施要求：${esc(String(payload.measures ?? ''))}</p>
  <p>整改完成后，请及时报送整改情况及整改前后的影像资料。逾期未整改或整改不合格的，将依法予以处理。</p>
  <p>如不服本指令，可以依法在六十日内申请行政复议，或者在六个月内依法提起行政诉讼，但本指令不停止执行，法律另有规定的除外。</p>
  <p class="sign">${esc(authority)}</p>
  <p class="date" id="doc-date">${esc(localDate(issued.at))}</p>
  <p class="note">本文书内容取自案件第 ${issued.seq} 条办理记录（下达整改指令书，${esc(localDate(issued.at))}），该记录的哈希为 ${esc(issued.hash.slice(0, 16))}…，可在审计视图中核验。</p>
</div></body></html>`;
    res.status(200).type('text/html; charset=utf-8').set('Cache-Control', 'private, no-store').send(html);
  }));

  return router;
}
