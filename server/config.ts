/**
 * Configuration from environment variables, validated with zod at start-up.
 * A bad value is reported naming the variable, and the process exits with 2.
 */
import { z } from 'zod';

const DURATION_MS = /^(-?\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `90s`, `2h`, `30d`, `-1d` into milliseconds. */
export function parseOffset(text: string): number | undefined {
  const m = DURATION_MS.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const positiveDuration = (example: string) =>
  z.string().refine((v) => (parseOffset(v) ?? 0) > 0, `must be a positive duration like ${example}`).transform((v) => parseOffset(v)!);

/** `N/duration` (at most N requests per window) or `off`. */
const RATE_LIMIT = /^(\d+)\/(\d+(?:ms|s|m|h|d))$/;
/** A rate limit: at most `limit` requests per `windowMs`; `null` is off. */
export type RateLimitSetting = { limit: number; windowMs: number } | null;
const rateLimit = (example: string) =>
  z
    .string()
    .refine((v) => v === 'off' || (RATE_LIMIT.test(v) && Number(RATE_LIMIT.exec(v)![1]) > 0 && (parseOffset(RATE_LIMIT.exec(v)![2]!) ?? 0) > 0), `must be like ${example} (requests per window) or off`)
    .transform((v): RateLimitSetting => {
      const m = RATE_LIMIT.exec(v);
      return m ? { limit: Number(m[1]), windowMs: parseOffset(m[2]!)! } : null;
    });

/** The rate limits when none are configured: failed sign-ins per IP, writes per user. */
export const DEFAULT_RATE_LIMITS = { login: { limit: 10, windowMs: 15 * 60_000 }, write: { limit: 120, windowMs: 60_000 } } as const satisfies Record<string, RateLimitSetting>;

/**
 * express's `trust proxy` from `DUBAN_TRUST_PROXY`: `true`/`false`, a hop
 * count, or addresses and subnets (`loopback`, `10.0.0.0/8, 127.0.0.1`).
 */
export function parseTrustProxy(v: string): boolean | number | string[] {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DUBAN_DB: z.string().min(1).default('./data/duban.sqlite'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  /** E-mail notifications go out through this SMTP server; without it only the inbox and webhooks deliver. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// URL').optional(),
  /** The From header of notification mails. */
  DUBAN_MAIL_FROM: z
    .string()
    .trim()
    .regex(/^(?:[^<>@]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'must be an address like duban@example.gov.cn or 督办 <duban@example.gov.cn>')
    .default('督办 <duban@localhost>'),
  /** The HMAC-SHA256 key webhook receivers verify `X-Duban-Signature` with; the webhook channel is off without it. */
  DUBAN_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Base URL of the web pages as recipients reach them (links in notifications); default the listen URL. */
  DUBAN_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) URL without query or fragment, e.g. https://duban.example.gov.cn')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** A folder of extra notification templates (`<id>.<zh-CN|en>.hbs`), adding to and overriding the built-in ones. */
  DUBAN_TEMPLATE_DIR: z.string().min(1).optional(),
  /** Largest accepted request body (express/bytes syntax: 100kb, 1mb). */
  DUBAN_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must be a size like 512kb or 1mb').default('1mb'),
  /** Path of the Ed25519 private key (PEM) that signs anchor checkpoints (`duban audit anchor-key`); anchoring is off without it. Keep it out of the database owner's reach. */
  DUBAN_ANCHOR_KEY: z.string().min(1).optional(),
  /** The anchor log (one signed JSON line per checkpoint); default `anchors.jsonl` next to `DUBAN_DB`. One file per machine. */
  DUBAN_ANCHOR_LOG: z.string().min(1).optional(),
  /** Each checkpoint line is also POSTed here (application/json), to a witness the database owner does not control. */
  DUBAN_ANCHOR_WITNESS_URL: z.string().regex(/^https?:\/\/[^\s/?#]+(\/\S*)?$/, 'must be an http(s) URL').optional(),
  /**
   * Where archives live (`duban archive`): the default `--out`, and where archived cases are read from
   * (`<DUBAN_ARCHIVE_DIR>/<archive id>`) instead of the directory recorded when they were written — set it
   * after moving or restoring the archives elsewhere.
   */
  DUBAN_ARCHIVE_DIR: z.string().min(1).optional(),
  /** How often `duban serve` (embedded) and `duban worker` make a checkpoint when a key is set. */
  DUBAN_ANCHOR_INTERVAL_MS: z.coerce.number().int().min(1000, 'must be at least 1000 (one second)').default(3_600_000),
  /** A web session unused this long ends (sign in again). */
  DUBAN_SESSION_IDLE: positiveDuration('30m').default(30 * 60_000),
  /** A web session ends this long after sign-in, however much it is used. */
  DUBAN_SESSION_MAX: positiveDuration('12h').default(12 * 3_600_000),
  /**
   * Which proxies in front of the server to believe about the client (express `trust proxy`):
   * then `X-Forwarded-For` gives the IP rate limits count by and `X-Forwarded-Proto: https` marks the session cookie `Secure`.
   */
  DUBAN_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+|[0-9A-Za-z.:/_-]+(\s*,\s*[0-9A-Za-z.:/_-]+)*)$/, 'must be true, false, a hop count, or addresses/subnets like loopback, 10.0.0.0/8')
    .transform(parseTrustProxy)
    .default(false),
  /** Failed sign-ins per client IP (`N/window`, or `off`). */
  DUBAN_LOGIN_RATE_LIMIT: rateLimit('10/15m').default(DEFAULT_RATE_LIMITS.login),
  /** Writes (POSTs) per user, API and web pages together (`N/window`, or `off`). */
  DUBAN_WRITE_RATE_LIMIT: rateLimit('120/1m').default(DEFAULT_RATE_LIMITS.write),
  /** BullMQ key prefix of the timer and notification queues (default `bull`): deployments sharing one Redis each take their own. Every serve and worker of one deployment must use the same. */
  DUBAN_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, - or _').optional(),
  /** How often a worker looks in the database for timers and notifications whose queue job went missing (a flushed or restarted Redis); default 30s for timers, 10s for notifications. */
  DUBAN_SWEEP_INTERVAL: positiveDuration('10s').optional(),
  /** How long past due a timer or notification must be before that sweep takes it instead of its job (default 60s). */
  DUBAN_SWEEP_GRACE: positiveDuration('60s').optional(),
  /**
   * How long a claim on a timer or a notification holds before another process may take it over (a crashed worker's
   * claims run out after this). Longer than the slowest firing or SMTP delivery; default 30s for timers, 5m for notifications.
   */
  DUBAN_CLAIM_LEASE: positiveDuration('30s').optional(),
  DUBAN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Runs the engine clock ahead (or behind) of the machine's, e.g. `30d`, for demos. */
  DUBAN_CLOCK_OFFSET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || parseOffset(v) !== undefined, 'must be an offset like 90s, 2h or 30d'),
  /** Percentages of a district's accident quota that raise an acknowledged warning, e.g. `80,100`. */
  DUBAN_QUOTA_THRESHOLDS: z
    .string()
    .regex(/^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$/, 'must be percentages like 80,100')
    .transform((v) => [...new Set(v.split(',').map((x) => Number(x.trim())))].sort((a, b) => a - b))
    .refine((ts) => ts.every((t) => t >= 1 && t <= 200), 'each percentage must lie between 1 and 200')
    .default([80, 100]),
  /** How long a district's leaders have to acknowledge a quota warning before the level above is told (ISO 8601, e.g. PT2H). */
  DUBAN_QUOTA_ACK_WITHIN: z.string().regex(/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$/, 'must be an ISO 8601 duration like PT2H or P1D').default('PT2H'),
  /** Who receives the monthly report on the first working day of each month: user ids and/or e-mail addresses, comma-separated; off when unset. */
  DUBAN_MONTHLY_REPORT_TO: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .optional(),
  /** The org whose subtree the scheduled monthly report covers (default the root org). */
  DUBAN_MONTHLY_REPORT_ORG: z.string().min(1).optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

/** A configuration error: names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** Reads and validates the configuration from an environment object. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const r = ConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })));
  return r.data;
}
