/**
 * Rate limits (issue 8), with `express-rate-limit`: failed sign-ins per
 * client IP, and writes (every POST, API and web pages together) per user.
 * Counts live in memory in the embedded mode and in Redis in the distributed
 * mode (`rate-limit-redis` over the ioredis client BullMQ already uses), so
 * every server process shares one budget. A refused request answers 429
 * `rate_limited` with `Retry-After` (seconds).
 *
 * When Redis does not answer, requests pass (logged): the limits protect the
 * service, they must not take it down.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Principal } from './access.js';
import type { RateLimitSetting } from './config.js';
import { HttpError } from './http-errors.js';
import type { Logger } from './logger.js';

export interface RateLimitOptions {
  /** Failed sign-ins per IP; `null` is off. */
  login: RateLimitSetting;
  /** Writes per user; `null` is off. */
  write: RateLimitSetting;
  /** Count in Redis (distributed mode); in this process's memory without. */
  redis?: Redis | undefined;
  /** Key prefix in Redis (tests isolate themselves with their own). */
  prefix?: string | undefined;
  logger: Logger;
}

export interface RateLimits {
  /** Counts a sign-in attempt of the request's IP; successful ones are given back. Throws `rate_limited`. */
  login(req: Request, res: Response): Promise<void>;
  /** Counts a write of the caller. Throws `rate_limited`. */
  write(req: Request, res: Response, p: Principal): Promise<void>;
}

/** Runs an express-rate-limit middleware as a promise: resolves when it lets the request through. */
function run(limiter: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    Promise.resolve(limiter(req, res, (err?: unknown) => (err ? reject(err) : resolve()))).catch(reject);
  });
}

/**
 * Creates the two limiters.
 * @example
 * const limits = createRateLimits({ login: { limit: 10, windowMs: 900_000 }, write: { limit: 120, windowMs: 60_000 }, logger });
 * await limits.write(req, res, principal); // throws HttpError('rate_limited')
 */
export function createRateLimits(opts: RateLimitOptions): RateLimits {
  const prefix = opts.prefix ?? 'duban:rl:';
  const store = (name: string): Store | undefined => {
    const redis = opts.redis;
    if (!redis) return undefined;
    return new RedisStore({ prefix: `${prefix}${name}:`, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply> });
  };
  const make = (name: string, setting: RateLimitSetting, extra: Partial<Parameters<typeof rateLimit>[0] & object>) => {
    if (setting === null) return undefined;
    const s = store(name);
    return rateLimit({
      windowMs: setting.windowMs,
      limit: setting.limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      passOnStoreError: true,
      // The operator decides what proxies to trust (DUBAN_TRUST_PROXY); no warnings about it on every start.
      validate: { trustProxy: false, xForwardedForHeader: false },
      logger: { error: (err, message) => opts.logger.error({ err }, message ?? 'rate limit store failed'), warn: (err, message) => opts.logger.warn({ err }, message ?? 'rate limit') },
      handler: (_req, res, next) => {
        const after = res.getHeader('Retry-After');
        next(new HttpError('rate_limited', `too many requests; try again in ${String(after ?? Math.ceil(setting.windowMs / 1000))} s`));
      },
      ...(s ? { store: s } : {}),
      ...extra,
    });
  };
  const login = make('login', opts.login, { keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'), skipSuccessfulRequests: true });
  const write = make('write', opts.write, { keyGenerator: (_req, res) => `u:${(res.locals.principal as Principal | undefined)?.user.id ?? '?'}` });
  return {
    async login(req, res) {
      if (login) await run(login, req, res);
    },
    async write(req, res, p) {
      if (!write) return;
      res.locals.principal = p;
      await run(write, req, res);
    },
  };
}
