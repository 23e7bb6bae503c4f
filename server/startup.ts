/**
 * A first start that explains itself: what `duban serve` and `duban init`
 * check before they print or create anything, and how the first admin comes
 * to be.
 *
 * - `checkDataDir`: the SQLite file's folder can be created and written.
 * - `checkPort`: the port can be bound (bound once and released, before the
 *   database is opened or seeded).
 * - `initRoot`: on a database with no users, creates the root org (when
 *   missing) and the root admin, and returns the admin's token, shown once.
 *   On any later start it does nothing: tokens come from `duban tokens issue`.
 *
 * Every refusal is a `CommandError` with a stable code; the CLI prints it on
 * one line and exits with status 2.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type Clock } from '../engine/index.js';
import { issueToken } from './access.js';
import type { Config } from './config.js';
import { HttpError } from './http-errors.js';
import { addOrg, createUser } from './people.js';
import { ORG_LEVELS, type OrgLevel, type PeopleStore } from './people-ports.js';

export const COMMAND_ERROR_CODES = ['invalid_config', 'port_in_use', 'port_not_permitted', 'data_dir_unwritable', 'invalid_argument', 'invalid_file', 'already_initialised'] as const;
export type CommandErrorCode = (typeof COMMAND_ERROR_CODES)[number];

/** A start-up or command-line refusal: one line per problem, exit status 2. */
export class CommandError extends Error {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
    /** Further lines, one per problem (path: what is wrong, what is allowed). */
    readonly lines: string[] = [],
  ) {
    super(message);
  }
}

/**
 * The SQLite file's folder must exist or be creatable, and be writable; an
 * existing file must be writable. Creates nothing. PostgreSQL (`DATABASE_URL`)
 * needs no folder.
 */
export function checkDataDir(config: Pick<Config, 'DUBAN_DB' | 'DATABASE_URL'>): void {
  if (config.DATABASE_URL) return;
  const file = path.resolve(config.DUBAN_DB);
  const fail = (why: string) => {
    throw new CommandError('data_dir_unwritable', `cannot keep the database at ${file}: ${why} (set DUBAN_DB to a writable path)`);
  };
  const statOf = (p: string) => {
    try {
      return fs.statSync(p, { throwIfNoEntry: false });
    } catch {
      return undefined; // ENOTDIR: a file on the way; the walk up finds it
    }
  };
  const stat = statOf(file);
  if (stat) {
    if (!stat.isFile()) fail('it is not a file');
    try {
      fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    } catch {
      fail('the file is not writable');
    }
  }
  // The nearest folder that exists must be a writable folder (the rest is created at start).
  let dir = path.dirname(file);
  for (;;) {
    const s = statOf(dir);
    if (s) {
      if (!s.isDirectory()) fail(`${dir} is not a folder`);
      // A real write (removed at once): access() says yes to root even where nothing can be written.
      const probe = path.join(dir, `.duban-write-check-${process.pid}`);
      try {
        fs.writeFileSync(probe, '', { flag: 'wx' });
        fs.unlinkSync(probe);
      } catch {
        fail(`the folder ${dir} is not writable`);
      }
      return;
    }
    const parent = path.dirname(dir);
    if (parent === dir) fail('no folder on its path exists');
    dir = parent;
  }
}

/** Binds the port once and releases it: a taken or forbidden port is refused before anything else happens. */
export async function checkPort(config: Pick<Config, 'PORT' | 'HOST'>): Promise<void> {
  if (config.PORT === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const where = `port ${config.PORT} on ${config.HOST}`;
      if (err.code === 'EADDRINUSE') reject(new CommandError('port_in_use', `${where} is already in use (another duban serve?); stop that process or set PORT to a free port`));
      else if (err.code === 'EACCES') reject(new CommandError('port_not_permitted', `${where} may not be bound by this user; set PORT above 1023`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new CommandError('invalid_config', `HOST ${config.HOST} is not an address of this machine; set HOST (default 127.0.0.1)`));
      else reject(err);
    });
    probe.listen({ port: config.PORT, host: config.HOST, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Who `initRoot` creates when the database has no users. */
export interface RootOptions {
  /** The root org's id, name and level; created when missing. */
  orgId: string;
  orgName: string;
  level: OrgLevel;
  /** The root admin's user id and name. */
  adminId: string;
  adminName: string;
}

/** The root that the first `duban serve` on an empty database creates (`duban init` names its own). */
export const DEFAULT_ROOT: RootOptions = { orgId: 'root', orgName: '本级机构', level: 'city', adminId: 'admin', adminName: '系统管理员' };

/**
 * Creates the root org (when missing) and the root admin with a first token,
 * once: on a database that already has users it returns undefined and creates
 * nothing.
 */
export async function initRoot(people: PeopleStore, clock: Clock, root: RootOptions = DEFAULT_ROOT): Promise<{ orgId: string; orgCreated: boolean; userId: string; token: string } | undefined> {
  if ((await people.listUsers()).length > 0) return undefined;
  if (!ORG_LEVELS.includes(root.level)) throw new CommandError('invalid_argument', `--level: "${String(root.level)}" is not an org level; allowed: ${ORG_LEVELS.join(', ')}`);
  const existing = (await people.listOrgs()).find((o) => o.id === root.orgId);
  let orgCreated = false;
  if (!existing) orgCreated = (await addOrg(people, clock, { id: root.orgId, name: root.orgName, level: root.level, parentId: null }, undefined)).created;
  let r: Awaited<ReturnType<typeof createUser>>;
  try {
    r = await createUser(people, clock, { id: root.adminId, name: root.adminName, orgId: root.orgId, roles: ['admin'] });
  } catch (err) {
    // Another process starting on the same empty database made the admin first: it printed the token.
    if (err instanceof HttpError && err.code === 'already_exists') return undefined;
    throw err;
  }
  return { orgId: root.orgId, orgCreated, userId: r.user.id, token: r.token };
}

/** Parses `--expires-in 30d` (or 12h, 90m) or `--expires-at <ISO date or instant>` into an ISO instant; undefined: never. */
export function parseExpiry(opts: { expiresIn?: string | undefined; expiresAt?: string | undefined }, now: Date): string | undefined {
  if (opts.expiresIn !== undefined && opts.expiresAt !== undefined) throw new CommandError('invalid_argument', '--expires-in and --expires-at: give one of them');
  if (opts.expiresIn !== undefined) {
    const m = /^([1-9]\d{0,4})(m|h|d)$/.exec(opts.expiresIn.trim());
    if (!m) throw new CommandError('invalid_argument', `--expires-in: "${opts.expiresIn}" is not a duration; write minutes, hours or days like 90m, 12h or 30d`);
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() + Number(m[1]) * unit).toISOString();
  }
  if (opts.expiresAt !== undefined) {
    const text = opts.expiresAt.trim();
    // A bare date ends at 24:00 China time, like a day deadline.
    const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(Date.parse(`${text}T00:00:00+08:00`) + 86_400_000) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime())) throw new CommandError('invalid_argument', `--expires-at: "${opts.expiresAt}" is not a date (2026-12-31) or an instant (2026-12-31T18:00:00+08:00)`);
    if (at.getTime() <= now.getTime()) throw new CommandError('invalid_argument', `--expires-at: ${opts.expiresAt} has already passed`);
    return at.toISOString();
  }
  return undefined;
}

/** Issues a token for an existing user (`duban tokens issue`). */
export async function issueUserToken(people: PeopleStore, clock: Clock, userId: string, opts: { label?: string | undefined; expiresAt?: string | undefined }) {
  const user = await people.getUser(userId);
  if (!user) return undefined;
  const { token, record } = await issueToken(people, clock, user.id, { label: opts.label ?? 'duban tokens issue', expiresAt: opts.expiresAt ?? null });
  return { user, token, record };
}

/** An instant as a person in China reads it: `2026-12-31 18:00 (北京时间)`. */
export function formatChinaTime(iso: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} (北京时间)`;
}
