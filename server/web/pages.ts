/**
 * The web pages (server-rendered, no build step, forms work without
 * JavaScript): login with a token (opening a session), the worklist, case lists, a case page with
 * its diagram, deadlines, a form per allowed event and the timeline; the
 * audit view and the admin pages live in `audit-pages.ts`, the inbox and the
 * outbox admin page in `inbox-pages.ts`.
 */
import { ownerName } from '../definition-owners.js';
import path from 'node:path';
import { createRequire } from 'node:module';
import express, { type Request, type Response } from 'express';
import { formatStateValue, GuardFailedError, REDACTED_TEXT, type ObjectSchema, type WorkflowDefinition } from '../../engine/index.js';
import type { Principal } from '../access.js';
import { assertWriter } from '../access.js';
import { bodyGuard } from '../body-guard.js';
import { redactorFor, searchExcludedFields } from '../confidential.js';
import { toMermaid } from '../diagram.js';
import { HttpError, toErrorAnswer } from '../http-errors.js';
import { visibleCase } from '../routes/cases.js';
import { auditPages } from './audit-pages.js';
import { defaultCalendar, dueText, page, readCookie, refuseCrossSite, renderError, sendPage, SESSION_COOKIE, sessionCookie, sessionOf, stateTitle, type WebDeps } from './context.js';
import { formFields, parseForm } from './forms.js';
import { inboxPages } from './inbox-pages.js';
import { statsPages } from './stats-pages.js';
import { actorLabel, VIEWS_DIR, zh } from './render.js';

const require = createRequire(import.meta.url);

/** History labels of events the engine itself sends (a definition cannot title them). */
const ENGINE_EVENT_LABELS: Record<string, string> = { 'deadline.rebaselined': '按正式放假安排重新核定期限' };

/** Creates the router of the web pages. Marked `webPages` so the OpenAPI test can tell it from the API. */
export function webRouter(deps: WebDeps): express.Router {
  const { engine, orgs } = deps;
  const router = express.Router();
  (router as unknown as { webPages: boolean }).webPages = true;
  // Form bodies get the same guard as JSON ones (NUL characters and the like never reach the engine).
  const form = [express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 500 }), bodyGuard];
  // Before any page: a POST that does not come from these pages goes no further.
  router.use(refuseCrossSite(deps));

  router.get('/static/style.css', (_req, res) => res.type('text/css').set('Cache-Control', 'public, max-age=3600').sendFile(path.join(VIEWS_DIR, 'style.css')));
  router.get('/static/mermaid.min.js', (_req, res) => res.type('application/javascript').set('Cache-Control', 'public, max-age=86400').sendFile(require.resolve('mermaid/dist/mermaid.min.js')));

  router.get('/', async (req, res) => res.redirect(303, (await sessionOf(deps, req)) ? '/tasks' : '/login'));
  router.get('/login', (req, res) => sendPage(deps, res, 'login', '登录', undefined, { next: safeNext(req.query.next) }));
  router.post('/login', form, async (req: Request, res: Response) => {
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    let opened: { id: string };
    try {
      await deps.limits.login(req, res);
      opened = await deps.sessions.open(await deps.auth.authenticateToken(token));
    } catch (err) {
      const a = toErrorAnswer(err);
      if (a.unexpected) return renderError(deps, res, undefined, err);
      const message = a.body.error.code === 'rate_limited' ? '登录失败次数过多，请稍后再试' : '令牌无效或已吊销';
      return sendPage(deps, res, 'login', '登录', undefined, { error: message, next: safeNext(req.body?.next) }, a.status);
    }
    // A new session id at every sign-in: a cookie planted before sign-in is never promoted.
    res.setHeader('Set-Cookie', sessionCookie(req, opened.id, Math.floor(deps.sessions.policy.absoluteMs / 1000)));
    res.redirect(303, safeNext(req.body?.next));
  });
  router.post('/logout', form, async (req: Request, res: Response) => {
    const id = readCookie(req, SESSION_COOKIE);
    try {
      if (id) await deps.sessions.close(id);
    } catch (err) {
      return renderError(deps, res, undefined, err);
    }
    res.setHeader('Set-Cookie', sessionCookie(req, '', 0));
    res.redirect(303, '/login');
  });

  router.get('/tasks', page(deps, async (_req, res, p) => {
    const now = engine.clock.now();
    const cal = await defaultCalendar(engine);
    const tasks = await engine.listTasks({ roles: p.user.roles, orgs: [...p.subtree], orderBy: 'due', limit: 200 });
    const items = await Promise.all(tasks.map(async (t) => {
      const wf = await engine.registry.get(t.workflowId).catch(() => undefined);
      return { ...t, titleText: zh(t.title, t.stateId), workflowTitle: zh(wf?.definition.title, t.workflowId), orgName: (await orgs.get(t.org))?.name ?? t.org, due: dueText(cal, now, t.dueAt) };
    }));
    sendPage(deps, res, 'tasks', '我的待办', p, { items });
  }));

  router.get('/cases', page(deps, async (req, res, p) => {
    const text = typeof req.query.text === 'string' && req.query.text.trim() ? req.query.text.trim().slice(0, 100) : undefined;
    const now = engine.clock.now();
    const cal = await defaultCalendar(engine);
    const rows = await engine.store.listCases({ orgs: [...p.subtree], text, textExcludes: text === undefined ? undefined : await searchExcludedFields(engine), limit: 100 });
    const items = await Promise.all(rows.map(async (r) => {
      const next = (r.state.deadlines ?? []).filter((d) => d.status !== 'paused').map((d) => d.dueAt).sort()[0] ?? null;
      return { id: r.id, workflowId: r.workflowId, stateLabel: formatStateValue(r.state.value), status: r.status, orgName: (await orgs.get(r.org))?.name ?? r.org, updatedAt: r.updatedAt, due: dueText(cal, now, next) };
    }));
    sendPage(deps, res, 'cases', '案件', p, { items, text });
  }));

  const casePage = async (res: Response, p: Principal, caseId: string, extra: Record<string, unknown> = {}, status = 200) => {
    const record = await visibleCase(engine, p, caseId);
    const view = await engine.getCase(caseId, p.actor);
    const def = (await engine.registry.get(view.workflowId, view.workflowVersion)).definition as WorkflowDefinition;
    const props = def.data?.properties ?? {};
    const red = await redactorFor(engine, orgs, p.actor, record);
    const data = Object.entries(red.data(view.data, `「${REDACTED_TEXT}」`)).map(([k, v]) => ({ key: k, label: props[k]?.title ?? k, value: typeof v === 'string' ? v : JSON.stringify(v) }));
    const events = p.isAuditor ? [] : (view.availableEvents ?? []);
    const forms = events.map((e) => ({ type: e.type, label: zh(def.events?.[e.type]?.title, e.type), fields: formFields(e.input as ObjectSchema | undefined) }));
    const history = (await engine.history(caseId)).map((e) => ({ seq: e.seq, at: e.at, actor: actorLabel(e.actor), label: zh(def.events?.[e.type]?.title, ENGINE_EVENT_LABELS[e.type] ?? e.type), type: e.type, state: formatStateValue(e.state.value) }));
    const deadlines = view.deadlines.map((d) => ({
      ...d, titleText: zh(d.title, d.key),
      provisionalNote: d.provisional ? `${(d.provisionalYears ?? []).join('、')}年放假安排尚未公布，此到期日按法定节假日暂定，公布后将重新核定` : undefined,
      due: d.overdue ? '已逾期' : d.remainingWorkdays === null ? '—' : d.remainingWorkdays === 0 ? '今日到期' : `剩 ${d.remainingWorkdays} 个工作日` }));
    sendPage(deps, res, 'case', `案件 ${caseId}`, p, {
      c: view, stateTitle: stateTitle(def, view.value), workflowTitle: zh(def.title, def.id), orgName: (await orgs.get(view.org))?.name ?? view.org, data, deadlines, forms, history: history.reverse(),
      diagram: toMermaid(def, view.value), tasks: view.tasks.map((t) => ({ ...t, titleText: zh(t.title, t.stateId) })),
      ownerName: await ownerName(orgs, view.workflowOwner), incomingFrom: view.parent?.handOver ? ((await orgs.get(view.parent.handOver.fromOrg))?.name ?? '其他机构') : undefined, ...extra,
    }, status);
  };

  router.get('/cases/:id', page(deps, async (req, res, p) => {
    await casePage(res, p, String(req.params.id), { done: typeof req.query.done === 'string' ? req.query.done : undefined });
  }));

  router.post('/cases/:id/events', form, page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await visibleCase(engine, p, caseId);
      assertWriter(p);
      const type = typeof body._type === 'string' ? body._type : '';
      const view = await engine.getCase(caseId, p.actor);
      const event = view.availableEvents?.find((e) => e.type === type);
      if (!event) throw new HttpError('invalid_request', `事件 ${type} 现在不可提交 (not available now)`);
      const expected = Number(body._expectedVersion);
      await engine.send(caseId, { type, payload: parseForm(event.input as ObjectSchema | undefined, body), expectedVersion: Number.isInteger(expected) ? expected : undefined }, p.actor);
      res.redirect(303, `/cases/${encodeURIComponent(caseId)}?done=${encodeURIComponent(type)}`);
    } catch (err) {
      // The page is Chinese: a refused guard shows the definition's zh wording (or a plain zh sentence, never the event id).
      const a = toErrorAnswer(err, 'zh-CN');
      if (a.unexpected || a.body.error.code === 'case_not_found') return renderError(deps, res, p, err);
      const error = err instanceof GuardFailedError && err.guardMessage === undefined ? { ...a.body.error, message: '不满足办理此操作的条件' } : a.body.error;
      await casePage(res, p, caseId, { error }, a.status);
    }
  }));

  router.use(auditPages(deps));
  router.use(inboxPages(deps));
  router.use(statsPages(deps));
  return router;
}

/** Only same-site relative paths are followed after login. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/tasks';
}
