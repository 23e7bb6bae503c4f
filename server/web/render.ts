/**
 * Server-side rendering with handlebars: the templates in `server/views/`,
 * one layout, and helpers for the things every page shows (localized text,
 * times in Asia/Shanghai, JSON).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const VIEWS_DIR = fileURLToPath(new URL('../views/', import.meta.url));

/** The zh text of a localized text (`string` or `{ zh, en }`). */
export function zh(text: unknown, fallback = ''): string {
  if (typeof text === 'string') return text;
  if (text && typeof text === 'object' && typeof (text as { zh?: unknown }).zh === 'string') return (text as { zh: string }).zh;
  return fallback;
}

const TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/**
 * Who acted, for a history line: the name, and when the token used was
 * issued by someone else (an admin), that issuer too — both are accountable.
 */
export function actorLabel(actor: { id: string; name?: string | undefined; issuedBy?: { id: string; name?: string | undefined } | undefined }): string {
  const who = actor.name ?? actor.id;
  return actor.issuedBy ? `${who}（使用 ${actor.issuedBy.name ?? actor.issuedBy.id} 签发的令牌）` : who;
}

/** `2026-03-02 10:00` in Asia/Shanghai. */
export function shanghaiTime(iso: unknown): string {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = Object.fromEntries(TIME.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A due time as people write it: a deadline at 00:00 local ends "24:00" of the day before. */
export function dueTime(iso: unknown): string {
  const t = shanghaiTime(iso);
  if (!t.endsWith(' 00:00') || typeof iso !== 'string') return t;
  return `${shanghaiTime(new Date(new Date(iso).getTime() - 60_000).toISOString()).slice(0, 10)} 24:00`;
}

export interface Renderer {
  /** Renders `view` inside the layout. */
  page(view: string, context: Record<string, unknown>): string;
}

/** Compiles every template once. */
export function createRenderer(): Renderer {
  const hb = Handlebars.create();
  hb.registerHelper('zh', (text: unknown, fallback: unknown) => zh(text, typeof fallback === 'string' ? fallback : ''));
  hb.registerHelper('time', (iso: unknown) => shanghaiTime(iso));
  hb.registerHelper('due', (iso: unknown) => dueTime(iso));
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('kb', (n: unknown) => (typeof n === 'number' ? (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`) : ''));
  hb.registerHelper('short', (hash: unknown) => (typeof hash === 'string' ? hash.slice(0, 12) : ''));
  const templates = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of fs.readdirSync(VIEWS_DIR)) {
    if (!file.endsWith('.hbs')) continue;
    const name = path.basename(file, '.hbs');
    const source = fs.readFileSync(path.join(VIEWS_DIR, file), 'utf8');
    if (name.startsWith('_')) hb.registerPartial(name.slice(1), source);
    else templates.set(name, hb.compile(source, { strict: false }));
  }
  const layout = templates.get('layout');
  if (!layout) throw new Error(`no layout.hbs in ${VIEWS_DIR}`);
  // The stylesheet's URL carries a hash of its content, so browsers may keep it for a year.
  const assetVersion = createHash('sha256').update(fs.readFileSync(path.join(VIEWS_DIR, 'style.css'))).digest('hex').slice(0, 10);
  return {
    page(view, context) {
      const t = templates.get(view);
      if (!t) throw new Error(`no template ${view}.hbs`);
      return layout({ ...context, assetVersion, body: t(context) });
    },
  };
}
