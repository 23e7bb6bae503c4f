/**
 * Printable documents of a case: the 整改指令书 in the layout of official
 * documents (GB/T 9704: 版头, 发文字号, 标题, 主送, 正文, 落款, 成文日期),
 * a page of its own to print or save as PDF from the browser.
 */
import express from 'express';
import type { WebDeps } from './context.js';

export function printPages(_deps: WebDeps): express.Router {
  return express.Router();
}
