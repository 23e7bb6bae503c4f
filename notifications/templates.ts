/**
 * The template catalog: loads every `<id>.<locale>.hbs` of the template
 * folders at start-up, compiles each into a subject, an HTML body and a
 * plain-text body, and tells the engine's loader which variables each reads.
 *
 * A template file holds three inline blocks and nothing else:
 *
 * ```hbs
 * {{#*inline "subject"}}【督办】{{localized case.workflowTitle}}{{/inline}}
 * {{#*inline "html"}}<p>{{recipient.name}}：…</p>{{/inline}}
 * {{#*inline "text"}}{{recipient.name}}：…{{/inline}}
 * ```
 *
 * One isolated handlebars instance; `strict` (a variable the render does not
 * provide is an error, never an empty string); `knownHelpersOnly` (the helpers
 * of helpers.ts and handlebars' own block helpers, nothing a definition could
 * add); HTML escaping in the HTML body only; prototype access off.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { builtinCalendars, createCalendarRegistry, type CompiledCalendar, type TemplateCatalog } from '../engine/index.js';
import { NotificationError } from './errors.js';
import { caseUrl, createHelpers, DEFAULT_LOCALE, LOCALES, TEMPLATE_HELPERS, type HelperScope, type Locale, type RenderEnv } from './helpers.js';
import { BUILTIN_HELPERS, TemplateSyntaxError, templateVariables } from './template-variables.js';

/** The folder of the built-in templates. */
export const BUILTIN_TEMPLATE_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

const SECTIONS = ['subject', 'html', 'text'] as const;
type Section = (typeof SECTIONS)[number];
const FILE = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.(zh-CN|en)\.hbs$/;

/** A rendered message: a one-line subject, an HTML body and a plain-text body. */
export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

/** What a template is rendered with: the variables a notification provides (DESIGN §6). */
export interface TemplateContext {
  /** `title` and `due` (nearest due time, or null) when the dispatcher names cases (`describeCase`); `state` is then the state's title. */
  case: { id: string; org: string; workflowId: string; workflowTitle: unknown; state: string; stateTitle?: unknown; seq: number; link: string; title?: string | undefined; due?: string | null | undefined };
  data: Record<string, unknown>;
  event: { type: string; actorId: string; actorName: string | null };
  deadline?: Record<string, unknown> | undefined;
  recipient: { id: string; name: string; locale: string; org: string | null; roles: string[] };
  notification: { id: string; kind: string; ackUrl: string | null; ackDueAt: string | null };
  app: { name: string; url: string };
}

/** The engine's {@link TemplateCatalog}, plus rendering. */
export interface NotificationTemplates extends TemplateCatalog {
  /** Every template id, sorted. */
  ids(): string[];
  /** The locales a template is written in (zh-CN always first). */
  locales(templateId: string): Locale[];
  /** Picks the recipient's locale (falling back to zh-CN) and renders the three parts. Throws `render_failed`. */
  render(templateId: string, locale: string, context: TemplateContext, env?: Partial<RenderEnv>): RenderedMessage;
}

/** Options of {@link createTemplateCatalog}. */
export interface TemplateCatalogOptions {
  /** Template folders, later ones adding to and overriding earlier ones (default: the built-in folder). */
  dirs?: readonly string[] | undefined;
  /** Calendar for dates and working days when a render gives none (default: the built-in `cn`). */
  calendar?: CompiledCalendar | undefined;
}

type Compiled = Record<Section, HandlebarsTemplateDelegate>;
interface Entry {
  byLocale: Map<Locale, Compiled>;
  variables: string[];
}

/** The hardening every render gets; these are handlebars' defaults, spelled out so a test can hold us to them. */
export const RUNTIME_OPTIONS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false, allowCallsToHelperMissing: false } as const;

/** Normalises `en-US`, `zh`, `zh-Hans-CN`… to a template locale. */
export function pickLocale(wanted: string | undefined, available: readonly Locale[]): Locale {
  const w = (wanted ?? '').toLowerCase();
  const exact = available.find((l) => l.toLowerCase() === w);
  if (exact) return exact;
  const lang = available.find((l) => l.split('-')[0] === w.split('-')[0]);
  return lang ?? (available.includes(DEFAULT_LOCALE) ? DEFAULT_LOCALE : available[0] ?? DEFAULT_LOCALE);
}

/**
 * Loads and compiles every template of the folders. Throws `invalid_template`
 * naming the file for a template without its three parts, with a partial or a
 * decorator, calling an unknown helper, or without a zh-CN version.
 * @example
 * const templates = createTemplateCatalog();
 * const engine = await createEngine({ store, templates, workflows });
 * templates.render('task-assigned', 'en', context).subject;
 */
export function createTemplateCatalog(options: string | TemplateCatalogOptions = {}): NotificationTemplates {
  const opts: TemplateCatalogOptions = typeof options === 'string' ? { dirs: [options] } : options;
  const dirs = opts.dirs ?? [BUILTIN_TEMPLATE_DIR];
  const defaultCalendar = opts.calendar ?? createCalendarRegistry(builtinCalendars).get('cn')!;
  const hb = Handlebars.create();
  let scope: HelperScope | undefined;
  const helpers = createHelpers(() => {
    if (!scope) throw new Error('a template helper was called outside a render');
    return scope;
  });
  for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn);
  const helperNames = new Set<string>([...TEMPLATE_HELPERS, ...BUILTIN_HELPERS]);
  const knownHelpers = Object.fromEntries(TEMPLATE_HELPERS.map((h) => [h, true]));
  const compileOptions = (section: Section): CompileOptions => ({ strict: true, knownHelpers, knownHelpersOnly: true, noEscape: section !== 'html' });

  const entries = new Map<string, Entry>();
  const sources = new Map<string, Map<Locale, string>>();
  for (const dir of dirs) {
    for (const file of fs.readdirSync(dir).sort()) {
      if (!file.endsWith('.hbs')) continue;
      const m = FILE.exec(file);
      if (!m) throw new NotificationError('invalid_template', `${path.join(dir, file)}: a template file is named <id>.<zh-CN|en>.hbs`, { file });
      const byLocale = sources.get(m[1]!) ?? new Map<Locale, string>();
      byLocale.set(m[2] as Locale, path.join(dir, file));
      sources.set(m[1]!, byLocale);
    }
  }
  for (const [id, files] of sources) {
    if (!files.has(DEFAULT_LOCALE)) throw new NotificationError('invalid_template', `template "${id}" has no ${DEFAULT_LOCALE} version (zh-CN comes first)`, { template: id });
    const entry: Entry = { byLocale: new Map(), variables: [] };
    const variables = new Set<string>();
    for (const locale of LOCALES) {
      const file = files.get(locale);
      if (!file) continue;
      const source = fs.readFileSync(file, 'utf8');
      try {
        const compiled = {} as Compiled;
        const ast = hb.parse(source);
        for (const section of SECTIONS) {
          const program = sectionOf(ast, section);
          for (const v of templateVariables(program, helperNames)) variables.add(v);
          // precompile runs the compiler now (compile() waits for the first render), so a bad template fails at start-up.
          hb.precompile(program, compileOptions(section));
          compiled[section] = hb.compile(program, compileOptions(section));
        }
        entry.byLocale.set(locale, compiled);
      } catch (error) {
        if (error instanceof NotificationError) throw error;
        const why = error instanceof TemplateSyntaxError || error instanceof Error ? error.message : String(error);
        throw new NotificationError('invalid_template', `${file}: ${why}`, { template: id, locale });
      }
    }
    entry.variables = [...variables].sort();
    entries.set(id, entry);
  }

  return {
    has: (id) => entries.has(id),
    variables: (id) => entries.get(id)?.variables ?? [],
    ids: () => [...entries.keys()].sort(),
    locales: (id) => LOCALES.filter((l) => entries.get(id)?.byLocale.has(l)),
    render(id, wanted, context, env = {}) {
      const entry = entries.get(id);
      if (!entry) throw new NotificationError('template_not_found', `template "${id}" does not exist`, { template: id });
      const locale = pickLocale(wanted, [...entry.byLocale.keys()]);
      const compiled = entry.byLocale.get(locale)!;
      const ctx = { ...context, recipient: { ...context.recipient, locale }, case: { ...context.case, link: context.case.link || caseUrl(context.app.url, context.case.id) } };
      // Rendering is synchronous, so the helpers' scope cannot leak into another render.
      scope = { env: { now: env.now ?? new Date(), calendar: env.calendar ?? defaultCalendar }, locale, appUrl: context.app.url, caseId: context.case.id };
      try {
        const part = (s: Section) => compiled[s](ctx, RUNTIME_OPTIONS);
        return { subject: part('subject').replace(/\s+/g, ' ').trim(), html: part('html').trim() + '\n', text: tidyText(part('text')) };
      } catch (error) {
        throw new NotificationError('render_failed', `template "${id}" (${locale}) failed: ${error instanceof Error ? error.message : String(error)}`, { template: id, locale });
      } finally {
        scope = undefined;
      }
    },
  };
}

/** Trailing spaces off every line, at most one blank line in a row, one final newline. */
function tidyText(text: string): string {
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** The body of `{{#*inline "<section>"}}`; anything but the three blocks, whitespace and comments at the top level is refused. */
function sectionOf(file: hbs.AST.Program, section: Section): hbs.AST.Program {
  let found: hbs.AST.Program | undefined;
  for (const node of file.body) {
    if (node.type === 'ContentStatement' && (node as hbs.AST.ContentStatement).value.trim() === '') continue;
    if (node.type === 'CommentStatement') continue;
    const block = node as hbs.AST.BlockStatement;
    const name = block.params?.[0] as hbs.AST.StringLiteral | undefined;
    if (node.type !== 'DecoratorBlock' || block.path.original !== 'inline' || name?.type !== 'StringLiteral' || !(SECTIONS as readonly string[]).includes(name.value)) {
      throw new TemplateSyntaxError('only {{#*inline "subject"}}, {{#*inline "html"}} and {{#*inline "text"}} blocks may stand at the top level');
    }
    if (name.value === section) {
      if (found) throw new TemplateSyntaxError(`"${section}" is defined twice`);
      found = block.program;
    }
  }
  if (!found) throw new TemplateSyntaxError(`the "${section}" block is missing`);
  return found;
}
