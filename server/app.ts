/**
 * The HTTP application: JSON API under `/api/v1`, its OpenAPI document,
 * health, readiness and metrics, and the web pages. Built from its dependencies, so tests run it
 * with supertest on a temporary database.
 */
import type { QuotaWatcher } from './stats/quota-watch.js';
import { randomUUID } from 'node:crypto';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { createKnexArchiveStore, type ArchiveReader, type Engine } from '../engine/index.js';
import { archiveAwareEngine } from './archive/archived-engine.js';
import { createDispatcher, createInboxChannel, createTemplateCatalog, type Dispatcher, type NotificationTemplates, type OutboxStore } from '../notifications/index.js';
import { createCaseDescriber } from './case-describer.js';
import { createKnexAttachmentStore, type AttachmentStore } from './attachments.js';
import { recordDocumentsOnCommit } from './documents/issue.js';
import { createKnexDocumentStore } from './documents/store.js';
import { documentRoutes } from './routes/documents.js';
import { createKnexFlashStore } from './web/flash.js';
import { createAuthenticator, createOrgDirectory, type OrgDirectory } from './access.js';
import { bodyGuard } from './body-guard.js';
import { DEFAULT_RATE_LIMITS, type Config } from './config.js';
import { HttpError, toErrorAnswer } from './http-errors.js';
import { requestLocale } from './locale.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { createPeopleDirectory } from './directory.js';
import { createRateLimits } from './rate-limits.js';
import { tipOffStatusRoutes } from './routes/tipoff-status.js';
import { createSessions, DEFAULT_SESSION_POLICY } from './sessions.js';
import { notificationLogger } from './notifier.js';
import { mountRoutes, route, type Route } from './routing.js';
import { auditRoutes } from './routes/audit.js';
import { archiveRoutes } from './routes/archives.js';
import { calendarRoutes } from './routes/calendars.js';
import { caseRoutes } from './routes/cases.js';
import type { RouteDeps } from './routes/deps.js';
import { notificationRoutes } from './routes/notifications.js';
import { peopleRoutes } from './routes/people.js';
import { copyRoutes } from './routes/copies.js';
import { reportRoutes } from './routes/reports.js';
import { campaignRoutes } from './routes/campaigns.js';
import { registerRoutes } from './routes/register.js';
import { docNumberRoutes } from './routes/doc-numbers.js';
import { taskRoutes } from './routes/tasks.js';
import { workflowRoutes } from './routes/workflows.js';
import { migrationRoutes } from './routes/migrations.js';
import { webRouter } from './web/pages.js';
import { createRenderer } from './web/render.js';
import { type PeopleStore } from './people-ports.js';
import type { StatsStore } from './stats/stats-ports.js';

export interface AppOptions {
  engine: Engine;
  people: PeopleStore;
  /** The notification outbox, inbox and acknowledgements (`createKnexOutboxStore(store)`). */
  outbox: OutboxStore;
  /** The body limit; and, when given, the security settings (each has the documented default). */
  config: Pick<Config, 'DUBAN_BODY_LIMIT'> &
    Partial<Pick<Config, 'DUBAN_PUBLIC_URL' | 'DUBAN_TRUST_PROXY' | 'DUBAN_SESSION_IDLE' | 'DUBAN_SESSION_MAX' | 'DUBAN_LOGIN_RATE_LIMIT' | 'DUBAN_WRITE_RATE_LIMIT' | 'REDIS_URL' | 'DUBAN_ARCHIVE_DIR' | 'DUBAN_QUOTA_THRESHOLDS'>>;
  /** Key prefix of the rate-limit counters in Redis (tests isolate themselves on a shared Redis). */
  rateLimitPrefix?: string | undefined;
  logger: Logger;
  metrics: Metrics;
  /** While true, `/readyz` answers 503 (set during shutdown so balancers stop sending). */
  draining?: () => boolean;
  /** Parse every answer with its route's schema (tests: keeps the OpenAPI document honest). */
  validateResponses?: boolean;
  /** Serve the web pages (default true). */
  web?: boolean;
  /** The templates definitions are validated against (default: the built-in ones); pass the engine's. */
  templates?: NotificationTemplates | undefined;
  /**
   * The dispatcher the notification routes use (acknowledge, retry, list).
   * Default: one over the people tables with the inbox channel, not started
   * (this process then delivers nothing; another must).
   */
  dispatcher?: Dispatcher | undefined;
  /** The org directory (default: a new one over `people`). */
  orgs?: OrgDirectory | undefined;
  /** Where evidence files are kept (default: the `attachments` table of the engine's database). */
  attachments?: AttachmentStore | undefined;
  /** Archived cases (default: the `archives` tables of the engine's database): listed as archived, read from their archive. */
  archives?: ArchiveReader | undefined;
  /** The statistics' storage (`createKnexStatsStore` on the server's database); without it the statistics answer 503. */
  stats?: StatsStore | undefined;
  /** Re-checks a district's quotas when one is set (`duban serve`'s quota watcher); without it a new quota is checked at the next accident step. */
  quotaWatch?: Pick<QuotaWatcher, 'recheck'> | undefined;
}

/** Accepts a caller's request id only when it is short and plain. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

const API_VERSION = '0.1.0';

/**
 * Creates the express app.
 * @example
 * const app = createApp({ engine, people, config, logger, metrics });
 * const server = app.listen(3000);
 */
export function createApp(options: AppOptions): express.Express {
  const { people, outbox, logger, metrics } = options;
  const knex = (options.engine.store as { knex?: Parameters<typeof createKnexAttachmentStore>[0] }).knex;
  const archives = options.archives ?? (knex ? createKnexArchiveStore({ knex }).reader : undefined);
  // Pruned cases read their history (timeline, documents, export) from their archive.
  const engine = archives ? archiveAwareEngine(options.engine, { reader: archives, root: options.config.DUBAN_ARCHIVE_DIR }) : options.engine;
  const orgs = options.orgs ?? createOrgDirectory(people);
  const auth = createAuthenticator(people, orgs, engine.clock, (err) => logger.warn({ err }, 'recording a token use failed'));
  const templates = options.templates ?? createTemplateCatalog();
  const dispatcher =
    options.dispatcher ??
    createDispatcher({ engine, outbox, directory: createPeopleDirectory(people, orgs), templates, channels: [createInboxChannel(outbox.inbox)], logger: notificationLogger(logger), describeCase: createCaseDescriber(engine, people, orgs) });
  const attachments = options.attachments ?? (knex ? createKnexAttachmentStore(knex) : undefined);
  const documents = knex ? createKnexDocumentStore(knex) : undefined;
  const deps: RouteDeps = { engine, people, outbox, orgs, auth, logger, dispatcher, templates, attachments, documents, archives, stats: options.stats, quotaWatch: options.quotaWatch };
  const unrecord = documents ? recordDocumentsOnCommit({ engine, people, orgs, documents }, (err) => logger.warn({ err }, 'recording an issued document failed (it is recorded when the case is next read)')) : undefined;
  const unbind = metrics.bindEngine(engine, outbox);
  if (options.stats) metrics.bindStats(options.stats, orgs, engine.clock);
  const { config } = options;
  const sessions = createSessions(people, auth, engine.clock, { idleMs: config.DUBAN_SESSION_IDLE ?? DEFAULT_SESSION_POLICY.idleMs, absoluteMs: config.DUBAN_SESSION_MAX ?? DEFAULT_SESSION_POLICY.absoluteMs });
  // Distributed mode: one budget for every server process, counted in Redis.
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', (err) => logger.warn({ err }, 'rate limits: Redis connection error'));
  const limits = createRateLimits({
    login: config.DUBAN_LOGIN_RATE_LIMIT === undefined ? DEFAULT_RATE_LIMITS.login : config.DUBAN_LOGIN_RATE_LIMIT,
    write: config.DUBAN_WRITE_RATE_LIMIT === undefined ? DEFAULT_RATE_LIMITS.write : config.DUBAN_WRITE_RATE_LIMIT,
    redis, prefix: options.rateLimitPrefix, logger,
  });

  const routes: Route[] = [
    ...workflowRoutes(deps), ...caseRoutes(deps), ...taskRoutes(deps), ...notificationRoutes(deps), ...calendarRoutes(deps), ...peopleRoutes(deps), ...auditRoutes(deps), ...archiveRoutes({ ...deps, config: options.config }), ...reportRoutes(deps), ...documentRoutes(deps),
    ...tipOffStatusRoutes(deps, limits),
    ...campaignRoutes(deps), ...registerRoutes(deps),
    ...migrationRoutes(deps),
    ...copyRoutes(deps),
    ...docNumberRoutes(deps),
  ];
  let document: unknown;
  routes.push(
    route({ method: 'get', path: '/healthz', tag: 'system', auth: 'none', summary: 'The process is up', response: z.object({ status: z.literal('ok') }) }, async () => ({ status: 'ok' as const })),
    route(
      {
        method: 'get', path: '/readyz', tag: 'system', auth: 'none', summary: 'The database answers and the process is not shutting down; `warnings` never fail readiness',
        response: z.object({
          status: z.literal('ready'),
          warnings: z.array(z.object({ code: z.literal('calendar_next_year_provisional'), calendar: z.string(), year: z.number().int(), message: z.string() })).optional()
            .describe("from 1 October: calendars that still count next year provisionally (import the State Council's notice)"),
        }),
        errors: ['not_ready'],
      },
      async () => {
        if (options.draining?.()) throw new HttpError('not_ready', 'shutting down');
        try {
          await engine.findCase('readyz-probe');
        } catch (err) {
          logger.warn({ err }, 'readiness probe: database unreachable');
          throw new HttpError('not_ready', 'the database does not answer');
        }
        const warnings = (await engine.calendars.nextYearWarnings().catch(() => [])).map((w) => ({
          code: 'calendar_next_year_provisional' as const, calendar: w.calendarId, year: w.year,
          message: `calendar ${w.calendarId} v${w.version} still counts ${w.year} provisionally (weekends and statutory holidays only); import the official notice for ${w.year}`,
        }));
        return { status: 'ready' as const, ...(warnings.length > 0 ? { warnings } : {}) };
      },
    ),
    route({ method: 'get', path: '/metrics', tag: 'system', auth: 'none', summary: 'Prometheus metrics', mediaType: 'text/plain' }, async ({ res }) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      return undefined;
    }),
    route({ method: 'get', path: '/api/openapi.json', tag: 'system', auth: 'none', summary: 'This OpenAPI 3.1 document', response: z.record(z.string(), z.unknown()) }, async () => {
      document ??= buildOpenApiDocument(routes, { title: 'Duban API', version: API_VERSION });
      return document;
    }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.DUBAN_TRUST_PROXY ?? false);
  app.locals.close = () => {
    unbind();
    unrecord?.();
    redis?.disconnect();
  };

  // The duration histogram's series, one per method × route × status, looked up once each (not a label set hashed per request).
  const series = new Map<string, { observe(seconds: number): void }>();
  const observe = (method: string, routeLabel: string, status: number, seconds: number) => {
    const key = `${method} ${status} ${routeLabel}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = metrics.httpDuration.labels({ method, route: routeLabel, status: String(status) })));
    s.observe(seconds);
  };
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const reqId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.reqId = reqId;
    res.setHeader('x-request-id', reqId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const routeLabel = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      observe(req.method, routeLabel, res.statusCode, seconds);
      // The access line is built only when it will be written (pino would drop it after we built it).
      if (!logger.isLevelEnabled('info')) return;
      const user = (res.locals.principal as { user?: { id: string } } | undefined)?.user?.id;
      logger.info({ reqId, method: req.method, path: req.path, route: routeLabel, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10, user }, 'request');
    });
    next();
  });
  // Pages, JSON and the diagram script go compressed to clients that accept it.
  app.use(compression());
  app.use(express.json({ limit: options.config.DUBAN_BODY_LIMIT }));
  app.use(bodyGuard);

  const router = express.Router();
  mountRoutes(router, routes, { authenticate: auth.authenticate, validateResponses: options.validateResponses ?? false, beforeWrite: limits.write });
  app.use(router);
  if (options.web !== false && !attachments) throw new Error('the web pages need an attachment store (pass options.attachments)');
  if (options.web !== false) app.use(webRouter({ ...deps, render: createRenderer(), sessions, limits, attachments: attachments!, flashes: knex ? createKnexFlashStore(knex, () => engine.clock.now().getTime()) : undefined, publicOrigin: config.DUBAN_PUBLIC_URL && new URL(config.DUBAN_PUBLIC_URL).origin, quotaThresholds: config.DUBAN_QUOTA_THRESHOLDS }));

  app.use((req: Request) => {
    throw new HttpError('not_found', `no route ${req.method} ${req.path}`);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const a = toErrorAnswer(err, requestLocale(req, (res.locals.principal as { user?: { locale?: string } } | undefined)?.user?.locale));
    if (a.unexpected) logger.error({ err, reqId: res.locals.reqId }, 'unexpected error');
    if (res.headersSent) return void res.end();
    if (a.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (a.body.error.code === 'store_unavailable') {
      logger.warn({ err, reqId: res.locals.reqId }, 'database unavailable; answered 503 store_unavailable');
      res.setHeader('Retry-After', '1');
    }
    res.status(a.status).json(a.body);
  });
  return app;
}
