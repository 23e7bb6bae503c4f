import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinCalendars, createEngine, createManualClock, createCalendarRegistry, defineWorkflow, validateDefinition } from '../../engine/index.js';
import { BUILTIN_TEMPLATE_DIR, createTemplateCatalog, formatDate, RUNTIME_OPTIONS, type TemplateContext } from '../../notifications/index.js';
import { freshSqliteStore } from '../support/stores.js';
import { notifyDemo, TEST_TEMPLATE_DIR } from './support.js';

const TEMPLATE_IDS = [
  'task-assigned', 'due-soon', 'overdue', 'escalated', 'case-closed', 'rejected', 'transferred', 'listing-published',
  'supervision-letter-issued', 'reminder-letter', 'circular', 'interview-notice', 'tipster-reply', 'evidence-rejected', 'gate-complete', 'acknowledged-warning',
  'deadline-rebaselined', 'delisting-published', 'reply-returned', 'extension-granted', 'extension-denied', 'rework-escalated',
];
/** Templates the server sends itself (not named by workflows), with data of their own. */
const SYSTEM_TEMPLATE_IDS = ['quota-warning'];
const DEADLINE_TEMPLATES = new Set(['due-soon', 'overdue', 'escalated', 'deadline-rebaselined']);

const context = (over: Partial<TemplateContext> = {}): TemplateContext => ({
  case: { id: 'HZ-2026-001', org: 'district-a', workflowId: 'hazard', workflowTitle: { zh: '事故隐患排查治理', en: 'Hazard lifecycle' }, state: 'active.work.rectifying.ongoing', stateTitle: { zh: '整改中', en: 'Rectifying' }, seq: 4, link: '' },
  data: {},
  event: { type: 'issueOrder', actorId: 'insp-1', actorName: '张检查' },
  deadline: { key: 'rectifying#fix', title: { zh: '整改期限', en: 'rectification deadline' }, legalBasis: '《安全生产法》第四十一条', dueAt: '2026-03-10T16:00:00.000Z', dueDate: '2026-03-10', status: 'running' },
  recipient: { id: 'es-1', name: '李安全', locale: 'zh-CN', org: 'district-a', roles: ['enterpriseSafetyOfficer'] },
  notification: { id: 'HZ-2026-001/4/2', kind: 'dueSoon', ackUrl: 'https://duban.test/notifications/x/ack', ackDueAt: '2026-03-05T02:30:00.000Z' },
  app: { name: '督办', url: 'https://duban.test' },
  ...over,
});

describe('template catalog', () => {
  const templates = createTemplateCatalog();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  it('provides every template in zh-CN and en, each with a subject, an HTML and a plain-text body', () => {
    expect(templates.ids()).toEqual([...TEMPLATE_IDS, ...SYSTEM_TEMPLATE_IDS].sort());
    for (const id of TEMPLATE_IDS) {
      expect(templates.locales(id)).toEqual(['zh-CN', 'en']);
      for (const locale of ['zh-CN', 'en']) {
        const m = templates.render(id, locale, context(), { now: new Date('2026-03-05T02:00:00Z') });
        expect(m.subject.length, `${id} ${locale}`).toBeGreaterThan(3);
        expect(m.subject).not.toMatch(/\n/);
        expect(m.html).toMatch(/<p>/);
        expect(m.text).not.toMatch(/<p>|&lt;|&quot;/);
        expect(m.text).toContain('https://duban.test/cases/HZ-2026-001');
      }
    }
  });

  it('renders the quota warning with the figures of its crossing', () => {
    const data = { districtName: '东湖区', year: 2026, measureLabel: '事故起数', used: 4, quota: 5, threshold: 80 };
    const m = templates.render('quota-warning', 'zh-CN', context({ data, notification: { id: 'quota/donghu/2026/accidents/80/1', kind: 'acknowledgedWarning', ackUrl: 'https://duban.test/notifications/x/ack', ackDueAt: '2026-03-05T04:00:00.000Z' } }));
    expect(m.subject).toBe('【控制指标预警·请立即确认】东湖区2026年事故起数已达控制指标80%');
    expect(m.text).toContain('控制指标为 5，目前已计入 4，达到控制指标的 80%');
    expect(m.text).toContain('请于 2026年3月5日 12:00 前确认');
    expect(templates.render('quota-warning', 'en', context({ data })).subject).toBe('[Quota warning: acknowledge now] 东湖区 2026: 80% of the accident quota');
  });

  it('keeps generic templates to variables every workflow provides: never data.*, deadline.* only for deadline notices', () => {
    for (const id of TEMPLATE_IDS) {
      const roots = new Set(templates.variables(id).map((v) => v.split('.')[0]));
      expect([...roots].every((r) => ['case', 'event', 'recipient', 'notification', 'app', 'deadline'].includes(r!)), id).toBe(true);
      expect(roots.has('deadline'), id).toBe(DEADLINE_TEMPLATES.has(id));
    }
  });

  it('chooses the recipient locale and falls back to zh-CN', () => {
    const zh = templates.render('task-assigned', 'zh-CN', context());
    const en = templates.render('task-assigned', 'en-US', context());
    const other = templates.render('task-assigned', 'fr', context());
    expect(zh.subject).toBe('【待办】事故隐患排查治理 HZ-2026-001');
    expect(en.subject).toBe('[Action required] Hazard lifecycle HZ-2026-001');
    expect(other.subject).toBe(zh.subject);
    const onlyZh = createTemplateCatalog({ dirs: [TEST_TEMPLATE_DIR] });
    expect(onlyZh.render('proto', 'en', context()).subject).toBe('[]');
  });

  it('formats dates in the calendar zone with a 24:00 day end, and counts working days left (a dash beyond the loaded years)', () => {
    const m = templates.render('due-soon', 'zh-CN', context(), { now: new Date('2026-03-05T02:00:00Z') });
    expect(m.text).toContain('将于 2026年3月10日 24:00 到期，剩余 3 个工作日');
    const en = templates.render('due-soon', 'en', context(), { now: new Date('2026-03-05T02:00:00Z') });
    expect(en.text).toContain('falls due on 2026-03-10 24:00, 3 working day(s) from now');
    const far = templates.render('due-soon', 'zh-CN', context({ deadline: { dueAt: '2031-06-01T16:00:00.000Z' } }), { now: new Date('2026-03-05T02:00:00Z') });
    expect(far.text).toContain('剩余 — 个工作日');
    expect(formatDate('2026-10-08', 'zh-CN', 'Asia/Shanghai')).toBe('2026年10月8日');
    expect(formatDate('2026-03-05T02:30:00.000Z', 'en', 'Asia/Shanghai')).toBe('2026-03-05 10:30');
    expect(formatDate(null, 'en', 'Asia/Shanghai')).toBe('—');
  });

  it('offers helpers for small words, localized text, case links, dates and working days', () => {
    const catalog = createTemplateCatalog({ dirs: [TEST_TEMPLATE_DIR] });
    const env = { now: new Date('2026-03-05T02:00:00Z') };
    const zh = catalog.render('helpers', 'zh-CN', context(), env);
    expect(zh.subject).toBe('即将到期 事故隐患排查治理');
    expect(zh.html).toBe('<a href="https://duban.test/cases/HZ-2026-001">https://duban.test/cases/a%20b%2Fc</a>\n');
    expect(zh.text).toBe('2026年3月10日 2026年3月10日 3 no-such-word\n');
    const en = catalog.render('helpers', 'en', context(), env);
    expect(en.subject).toBe('Due soon Hazard lifecycle');
    expect(en.text).toBe('2026-03-10 2026-03-10 3\n');
  });

  it('uses the calendar a render is given (another zone)', () => {
    const cn = createCalendarRegistry(builtinCalendars).get('cn')!;
    const utc = { ...cn, timeZone: 'UTC' } as typeof cn;
    expect(templates.render('due-soon', 'en', context(), { now: new Date('2026-03-05T02:00:00Z'), calendar: utc }).text).toContain('2026-03-10 16:00');
  });

  it('escapes the HTML body and leaves the plain-text body unescaped', () => {
    const m = templates.render('task-assigned', 'zh-CN', context({ event: { type: 'x', actorId: 'u', actorName: '<script>alert(1)</script>' } }));
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(m.html).not.toContain('<script>');
    expect(m.text).toContain('<script>alert(1)</script>');
  });

  it('is strict: a variable the render does not provide is an error, not an empty string', () => {
    const { deadline: _d, ...noDeadline } = context();
    expect(() => templates.render('due-soon', 'zh-CN', noDeadline as TemplateContext)).toThrow(expect.objectContaining({ code: 'render_failed' }));
    const mixed = createTemplateCatalog({ dirs: [TEST_TEMPLATE_DIR] });
    expect(() => mixed.render('reads-missing', 'zh-CN', context())).toThrow(/missingField/);
    expect(mixed.render('reads-missing', 'zh-CN', context({ data: { missingField: 'ok' } })).text).toBe('ok\n');
  });

  it('renders with prototype access off: constructor and __proto__ are not reachable', () => {
    expect(RUNTIME_OPTIONS).toMatchObject({ allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
    const proto = createTemplateCatalog({ dirs: [TEST_TEMPLATE_DIR] });
    const m = proto.render('proto', 'zh-CN', context());
    expect(m.subject).toBe('[]');
    expect(m.html).toBe('[][]\n');
    expect(m.text).toBe('[]\n');
    // A fresh handlebars with the same options refuses too (the default since 4.6), so this is not luck of our context objects.
    const hb = Handlebars.create();
    expect(hb.compile('{{a.constructor.name}}')({ a: {} }, RUNTIME_OPTIONS)).toBe('');
  });

  it('reports the variables a template reads by walking its AST (blocks, block params, ../, @root, helpers\' arguments)', () => {
    const scoped = createTemplateCatalog({ dirs: [TEST_TEMPLATE_DIR] });
    expect(scoped.variables('scoped')).toEqual([
      'app.name', 'case', 'case.id', 'data.items', 'data.items.0.name', 'deadline', 'event', 'event.actorId', 'event.type', 'notification.ackDueAt', 'recipient.name',
    ]);
    expect(scoped.variables('hazard-described')).toEqual(['case.id', 'data.description', 'data.tipsterName', 'event.actorName', 'recipient.name']);
  });

  it('refuses at start-up a template with a partial, an unknown helper, a missing part or no zh-CN version', () => {
    const write = (files: Record<string, string>) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-tpl-'));
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
      return dir;
    };
    const ok = '{{#*inline "subject"}}s{{/inline}}{{#*inline "html"}}h{{/inline}}{{#*inline "text"}}t{{/inline}}';
    expect(() => createTemplateCatalog(write({ 'a.zh-CN.hbs': ok + '{{> other}}' }))).toThrow(expect.objectContaining({ code: 'invalid_template' }));
    expect(() => createTemplateCatalog(write({ 'a.zh-CN.hbs': ok.replace('s{{/inline}}', '{{shout case.id}}{{/inline}}') }))).toThrow(/unknown helper shout/);
    expect(() => createTemplateCatalog(write({ 'a.zh-CN.hbs': '{{#*inline "subject"}}s{{/inline}}' }))).toThrow(/"html" block is missing/);
    expect(() => createTemplateCatalog(write({ 'a.en.hbs': ok }))).toThrow(/no zh-CN version/);
    expect(() => createTemplateCatalog(write({ 'a.zh-CN.hbs': ok.replace('h{{/inline}}', '{{#each data.x}}{{> p}}{{/each}}{{/inline}}') }))).toThrow(/partial is not allowed/);
    expect(createTemplateCatalog(write({ 'a.zh-CN.hbs': ok })).ids()).toEqual(['a']);
  });

  describe('checked when a definition is loaded', () => {
    const catalog = createTemplateCatalog({ dirs: [BUILTIN_TEMPLATE_DIR, TEST_TEMPLATE_DIR] });
    const wf = (notify: unknown[], deadlineNotify?: unknown) =>
      defineWorkflow({
        id: 'tpl-check', version: 1, title: '模板检查', roles: ['clerk'],
        data: { type: 'object', properties: { description: { type: 'string' } } },
        initial: 'open',
        states: {
          open: {
            task: { title: '办理', role: 'clerk' },
            deadlines: deadlineNotify === undefined ? [] : [{ id: 'reply', duration: '5 workdays', notify: deadlineNotify as string }],
            on: { done: { target: 'closed', roles: ['clerk'], notify: notify as never } },
          },
          closed: { type: 'final' },
        },
      });

    it('rejects a template that does not exist', () => {
      const r = validateDefinition(wf([{ template: 'no-such-template', to: [{ role: 'clerk' }] }]), { templates: catalog });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues).toContainEqual(expect.objectContaining({ code: 'unknown_template', path: ['states', 'open', 'on', 'done', 'notify', 0, 'template'] }));
    });

    it('rejects a template reading a data field the workflow does not have', () => {
      const r = validateDefinition(wf([{ template: 'reads-missing', to: [{ role: 'clerk' }] }]), { templates: catalog });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues).toContainEqual(expect.objectContaining({ code: 'unknown_template_variable', message: expect.stringContaining('data.missingField') }));
    });

    it('rejects a deadline template on a transition, and accepts it on a deadline', () => {
      const r = validateDefinition(wf([{ template: 'due-soon', to: [{ role: 'clerk' }] }]), { templates: catalog });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues.map((i) => i.code)).toContain('unknown_template_variable');
      expect(validateDefinition(wf([{ template: 'case-closed', to: [{ role: 'clerk' }] }], 'overdue'), { templates: catalog }).ok).toBe(true);
    });

    it('accepts data templates on a workflow that has the fields, and the engine refuses the others at registration', async () => {
      expect(validateDefinition(notifyDemo, { templates: catalog }).ok).toBe(true);
      const { store, cleanup } = await freshSqliteStore();
      cleanups.push(cleanup);
      const engine = await createEngine({ store, clock: createManualClock(), templates: catalog });
      await expect(engine.registerWorkflow(wf([{ template: 'no-such-template', to: [{ role: 'clerk' }] }]))).rejects.toMatchObject({ code: 'invalid_definition', issues: [expect.objectContaining({ code: 'unknown_template' })] });
      await expect(engine.registerWorkflow(wf([{ template: 'reads-missing', to: [{ role: 'clerk' }] }]))).rejects.toMatchObject({ issues: [expect.objectContaining({ code: 'unknown_template_variable' })] });
      await expect(engine.registerWorkflow(wf([{ template: 'task-assigned', to: [{ role: 'clerk' }] }]))).resolves.toMatchObject({ created: true });
    });
  });
});
