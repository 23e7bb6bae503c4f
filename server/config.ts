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
  /** How often `duban serve` (embedded) and `duban worker` make a checkpoint when a key is set. */
  DUBAN_ANCHOR_INTERVAL_MS: z.coerce.number().int().min(1000, 'must be at least 1000 (one second)').default(3_600_000),
  DUBAN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Runs the engine clock ahead (or behind) of the machine's, e.g. `30d`, for demos. */
  DUBAN_CLOCK_OFFSET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || parseOffset(v) !== undefined, 'must be an offset like 90s, 2h or 30d'),
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
