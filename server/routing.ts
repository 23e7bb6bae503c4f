/**
 * The route registry: each route declares its method, path, who may call it
 * and the zod schemas of its params, query, body and answer. The same list
 * mounts the express handlers (which parse every input with those schemas)
 * and generates the OpenAPI document (`openapi.ts`), so the two cannot drift.
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import type { ApiErrorCode } from './http-errors.js';
import { HttpError, zodToIssues } from './http-errors.js';
import type { Principal } from './access.js';

/** Who may call a route: anyone, any user with a valid token, or an admin. */
export type RouteAuth = 'none' | 'user' | 'admin';

type AnyObject = z.ZodType<Record<string, unknown>>;

/** What a route declares. */
export interface RouteSpec<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post';
  /** Express path syntax, e.g. `/api/v1/cases/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  params?: P;
  query?: Q;
  body?: B;
  /** Headers the route reads, documented as parameters. */
  headers?: { name: string; description: string }[];
  /** Success status (200 by default). */
  status?: number;
  /** Schema of the JSON answer; or `mediaType` for a text or streamed answer. */
  response?: z.ZodType;
  mediaType?: string;
  /** Error codes this route may answer with, besides the common ones. */
  errors?: ApiErrorCode[];
}

/** What a handler receives: the parsed inputs and the caller. */
export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  /** The authenticated caller; `undefined` only on `auth: 'none'` routes. */
  principal: Principal | undefined;
}

/** A route with its handler. The handler's return value is sent as JSON, unless it answered itself. */
export interface Route {
  spec: RouteSpec;
  handler: (ctx: RouteContext<never, never, never>) => Promise<unknown>;
}

/** A handler's answer with a status other than the route's default (e.g. 200 for an idempotent repeat of a 201). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** Declares a route; the handler's inputs are typed from the schemas. */
export function route<P extends AnyObject = z.ZodObject<Record<never, z.ZodType>>, Q extends AnyObject = z.ZodObject<Record<never, z.ZodType>>, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>,
): Route {
  return { spec: spec as unknown as RouteSpec, handler: handler as Route['handler'] };
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return (where === 'body' ? undefined : {}) as T;
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError('invalid_request', `the request ${where} is invalid`, zodToIssues(r.error, where));
  return r.data;
}

/**
 * Mounts routes on a router. `authenticate` resolves the caller (throwing
 * `unauthenticated`); `beforeWrite` runs before every authenticated POST (the
 * write rate limit); `validateResponses` parses every answer with its schema,
 * for tests that keep the documentation honest.
 */
export function mountRoutes(
  router: Router,
  routes: Route[],
  opts: { authenticate: (req: Request) => Promise<Principal>; validateResponses?: boolean; beforeWrite?: (req: Request, res: Response, p: Principal) => Promise<void> },
): void {
  for (const { spec, handler } of routes) {
    router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = spec.path;
      const principal = spec.auth === 'none' ? undefined : await opts.authenticate(req);
      res.locals.principal = principal;
      if (spec.auth === 'admin' && !principal?.isAdmin) throw new HttpError('forbidden', 'this operation needs the admin role');
      if (spec.method === 'post' && principal && opts.beforeWrite) await opts.beforeWrite(req, res, principal);
      if (spec.body && req.body === undefined && Number(req.headers['content-length'] ?? 0) > 0) {
        throw new HttpError('unsupported_media_type', 'send the request body as application/json');
      }
      const ctx = {
        req,
        res,
        principal,
        params: parse(spec.params, req.params, 'params'),
        query: parse(spec.query, req.query, 'query'),
        body: parse(spec.body, req.body, 'body'),
      } as RouteContext<never, never, never>;
      const result = await handler(ctx);
      if (res.headersSent) return;
      if (result === undefined) return next();
      const [status, body] = result instanceof Reply ? [result.status, result.body] : [spec.status ?? 200, result];
      if (opts.validateResponses && spec.response) {
        const r = spec.response.safeParse(body);
        if (!r.success) throw new Error(`answer of ${spec.method.toUpperCase()} ${spec.path} does not match its schema: ${z.prettifyError(r.error)}`);
      }
      res.status(status).json(body);
    });
  }
}
