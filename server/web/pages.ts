/**
 * The web pages (server-rendered, no build step, forms work without
 * JavaScript): login with a token (opening a session), static assets and the
 * 404 page here; the worklist, case lists, 新建 and the case page live in
 * `case-pages.ts`, printable documents in `print-pages.ts`, the
 * audit view and the admin pages live in `audit-pages.ts`, the inbox and the
 * outbox admin page in `inbox-pages.ts`.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import express, { type Request, type Response } from 'express';
import { bodyGuard } from '../body-guard.js';
import { toErrorAnswer } from '../http-errors.js';
import { auditPages } from './audit-pages.js';
import { casePages } from './case-pages.js';
import { movePages } from './move-pages.js';
import { printPages } from './print-pages.js';
import { readCookie, refuseCrossSite, renderError, sendPage, SESSION_COOKIE, sessionCookie, sessionOf, type WebDeps } from './context.js';
import { inboxPages } from './inbox-pages.js';
import { taskOpPages } from './task-op-pages.js';
import { statsPages } from './stats-pages.js';
import { campaignPages } from './campaign-pages.js';
import { VIEWS_DIR } from './render.js';

const require = createRequire(import.meta.url);

/** Creates the router of the web pages. Marked `webPages` so the OpenAPI test can tell it from the API. */
export function webRouter(deps: WebDeps): express.Router {
  const router = express.Router();
  (router as unknown as { webPages: boolean }).webPages = true;
  // Form bodies get the same guard as JSON ones (NUL characters and the like never reach the engine).
  const form = [express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 500 }), bodyGuard];
  // Before any page: a POST that does not come from these pages goes no further.
  router.use(refuseCrossSite(deps));

  // Static assets are addressed by a version of their content (`?v=`): cached for a year, never stale.
  const LONG_CACHE = 'public, max-age=31536000, immutable';
  router.get('/static/style.css', (_req, res) => res.type('text/css').set('Cache-Control', LONG_CACHE).sendFile(path.join(VIEWS_DIR, 'style.css')));
  router.get('/static/mermaid.min.js', (_req, res) => res.type('application/javascript').set('Cache-Control', LONG_CACHE).sendFile(require.resolve('mermaid/dist/mermaid.min.js')));

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

  router.use(casePages(deps, deps.attachments));
  router.use(auditPages(deps));
  router.use(movePages(deps));
  router.use(inboxPages(deps));
  router.use(taskOpPages(deps));
  router.use(statsPages(deps, { thresholds: deps.quotaThresholds }));
  router.use(campaignPages(deps));
  router.use(printPages(deps));
  // Any other page: a page saying so (the API keeps its JSON answer).
  router.use(async (req: Request, res: Response, next: express.NextFunction) => {
    if (req.path.startsWith('/api/') || !['GET', 'HEAD'].includes(req.method) || !req.accepts('html')) return next();
    res.locals.route = 'web 404';
    const p = await sessionOf(deps, req).catch(() => undefined);
    sendPage(deps, res, 'not-found', '页面不存在', p, { path: req.path }, 404);
  });
  return router;
}

/** Only same-site relative paths are followed after login. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/tasks';
}
