/**
 * The `Store` port over knex: SQLite (better-sqlite3) for the embedded mode,
 * PostgreSQL (pg) for the distributed one, with the same schema and the same
 * behaviour (one contract suite runs on both).
 *
 * knex owns the connections, the migrations and the ad-hoc queries (listings,
 * timers, outbox). The hot path does not go through it: units of work
 * (`transaction`) queue into a group-commit writer (`group-commit.ts`) that
 * borrows knex's connection for a batch and runs cached prepared statements on
 * the driver itself (`sql-statements.ts`, `knex-tx.ts`); the case view's reads
 * (`getCase`, a case's tasks, its events) do the same on the reader.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import knexFactory, { type Knex } from 'knex';
import type { CaseFilter, CaseRecord, Store, StoredDefinition, TaskRecord } from '../ports.js';
import type { StateValue } from '../core/types.js';
import { DefinitionConflictError } from '../errors.js';
import { createKnexCalendarStore, createKnexTimerStore } from './knex-time.js';
import { createSqlTx, type CommitProjection } from './knex-tx.js';
import { createGroupCommit } from './group-commit.js';
import { pgConn, sqliteConn, type StatementHook } from './sql-statements.js';
import { migrateToLatest } from './migrations/index.js';
import { withPgAdvisoryLock } from './pg-advisory-lock.js';
import { CASE_SELECT, definitionToRow, readDefinition, TASK_SELECT, readDefinitionOwners, readEventsWith, readSnapshotAt, readSnapshots, rowToCase, rowToDefinition, rowToTask, type CaseRow, type DefinitionRow, type Dialect, type QueryRows, type TaskRow } from './knex-rows.js';

/** Where the embedded mode keeps its database unless told otherwise. */
export const defaultSqliteFile = './data/duban.sqlite';

/** Where the store's data lives: a SQLite file, or a PostgreSQL URL (and optionally a schema). */
export interface KnexStoreOptions {
  /** Path of the SQLite file; its directory is created if missing. `:memory:` works for throwaway use. */
  sqliteFile?: string | undefined;
  /** `postgres://…`; takes PostgreSQL instead of SQLite. */
  databaseUrl?: string | undefined;
  /** PostgreSQL schema to work in (the connections' `search_path`); `migrate()` creates it if missing. */
  schema?: string | undefined;
  /** Most connections to PostgreSQL at once (default 10). SQLite always uses one. */
  poolSize?: number | undefined;
  /** A full state snapshot every this many events of a case (default 16), and when the case ends. */
  snapshotEvery?: number | undefined;
  /** PostgreSQL: how many group-commit writers (default 4, at most `poolSize - 1`). SQLite has one. */
  writers?: number | undefined;
  /** Called with the SQL of each statement the writer runs (tests count statements per send). */
  onStatement?: StatementHook | undefined;
  /** Read models written in each step's transaction (the statistics facts, see `server/stats/`). */
  projections?: readonly CommitProjection[] | undefined;
}

/** Default of {@link KnexStoreOptions.snapshotEvery}. */
export const DEFAULT_SNAPSHOT_EVERY = 16;

/** A `Store` that also exposes its knex instance, for the tamper helper and raw checks in tests. */
export interface KnexStore extends Store {
  /** The SQL dialect behind `knex` (the engine's port has none: it is this adapter's business). */
  readonly dialect: Dialect;
  /** The knex that transactions and writes use (on SQLite, plain reads go through a second connection). */
  readonly knex: Knex;
  /** Adds a read model written in each later step's transaction (once: adding the same function again does nothing). */
  addProjection(projection: CommitProjection): void;
}

/**
 * Creates a store on SQLite (`sqliteFile`, default {@link defaultSqliteFile}) or on
 * PostgreSQL (`databaseUrl`). Opens no connection until first used; call
 * `migrate()` before anything else and `close()` at the end.
 *
 * @example
 * const store = createKnexStore({ sqliteFile: './data/duban.sqlite' });
 * await store.migrate();
 * const n = await store.countCases();
 * await store.close();
 */
export function createKnexStore(options: KnexStoreOptions = {}): KnexStore {
  if (options.sqliteFile !== undefined && options.databaseUrl !== undefined) {
    throw new TypeError('createKnexStore: give either sqliteFile or databaseUrl, not both');
  }
  const dialect: Dialect = options.databaseUrl === undefined ? 'sqlite' : 'postgres';
  const sqliteFile = options.sqliteFile ?? defaultSqliteFile;
  const knex = options.databaseUrl === undefined ? openSqlite(sqliteFile) : openPostgres(options.databaseUrl, options.schema, options.poolSize ?? 10);
  // SQLite: reads outside a transaction go through a second connection. The
  // writer is a single connection (better-sqlite3 is synchronous, so a second
  // in-process writer would block the event loop waiting for the first), and a
  // read issued while a transaction holds it would otherwise wait for that
  // transaction, forever if the read comes from inside it. In WAL mode the
  // reader sees the last commit, as a second pg connection would.
  const reader = options.databaseUrl === undefined && sqliteFile !== ':memory:' ? openSqlite(sqliteFile) : knex;
  const schema = dialect === 'postgres' ? options.schema : undefined;
  const snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  if (!Number.isInteger(snapshotEvery) || snapshotEvery < 1) throw new TypeError('createKnexStore: snapshotEvery must be a positive integer');
  const hook = options.onStatement;
  const projections: CommitProjection[] = [...(options.projections ?? [])];
  const poolSize = options.poolSize ?? 10;
  // The writer borrows knex's own connection (SQLite: the only one) for each batch, so knex's other
  // writes (timers, outbox) and the writer never hold two write transactions in one process.
  const writer = createGroupCommit({
    async acquire() {
      const raw: unknown = await knex.client.acquireConnection();
      const conn = dialect === 'sqlite' ? sqliteConn(raw as Parameters<typeof sqliteConn>[0], hook) : pgConn(raw as Parameters<typeof pgConn>[0], hook);
      return { conn, release: () => void knex.client.releaseConnection(raw) };
    },
    // SQLite: take the database's write lock before reading anything. A
    // deferred transaction that reads first and writes later cannot wait
    // for another process's writer (WAL refuses a stale snapshot with
    // SQLITE_BUSY_SNAPSHOT, busy_timeout or not); an immediate one simply
    // waits up to busy_timeout. SQLite has one writer anyway.
    begin: dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN',
    makeTx: (conn) => createSqlTx(conn, { snapshotEvery, projections }),
    lanes: dialect === 'sqlite' ? 1 : Math.max(1, Math.min(options.writers ?? 4, poolSize - 1)),
  });
  // Plain reads on the hot path (the case, its tasks, its events) use cached prepared statements too.
  // SQLite (a file): on a connection of their own (reads only), opened at the first read, so a read
  // costs no trip through knex's pool (better-sqlite3 is synchronous: nothing interleaves with it).
  // Otherwise on a connection borrowed from the reader's pool for each query.
  let hotReader: { db: Database.Database; conn: ReturnType<typeof sqliteConn> } | undefined;
  // After close() reads fail as knex's do (never reopen the file).
  let closed = false;
  const hotSqlite = dialect === 'sqlite' && reader !== knex;
  const readerRows: QueryRows = async <T>(sql: string, params: readonly unknown[]) => {
    if (hotSqlite && !closed) {
      if (!hotReader) {
        const db = new Database(sqliteFile);
        db.pragma('busy_timeout = 5000');
        hotReader = { db, conn: sqliteConn(db) };
      }
      return hotReader.conn.all<T>(sql, params);
    }
    const raw: unknown = await reader.client.acquireConnection();
    try {
      const conn = dialect === 'sqlite' ? sqliteConn(raw as Parameters<typeof sqliteConn>[0]) : pgConn(raw as Parameters<typeof pgConn>[0]);
      return await conn.all<T>(sql, params);
    } finally {
      void reader.client.releaseConnection(raw);
    }
  };

  return {
    dialect,
    knex,
    addProjection(projection) {
      if (!projections.includes(projection)) projections.push(projection);
    },
    timers: createKnexTimerStore(knex, reader),
    calendars: createKnexCalendarStore(knex, reader, dialect),

    async migrate() {
      if (options.databaseUrl === undefined) return migrateToLatest(knex);
      // One migrating process per schema at a time; the others wait, then find nothing to do.
      await withPgAdvisoryLock(options.databaseUrl, `duban-migrations:${schema ?? ''}`, async () => {
        if (schema !== undefined) await knex.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema]);
        await migrateToLatest(knex);
      });
    },

    async close() {
      await writer.idle();
      closed = true;
      hotReader?.db.close();
      hotReader = undefined;
      if (reader !== knex) await reader.destroy();
      await knex.destroy();
    },

    transaction(fn, opts) {
      return writer.submit(fn, opts?.caseId);
    },

    async saveDefinition(def) {
      // Insert-or-nothing then compare, rather than read-then-insert: two
      // processes registering the same version at start-up must not both try
      // to insert (PostgreSQL makes the loser wait for the winner's commit).
      const inserted = await knex('workflow_definitions').insert(definitionToRow(def)).onConflict(['workflow_id', 'version']).ignore().returning('version');
      if (inserted.length === 1) return 'created';
      const existing = await knex<DefinitionRow>('workflow_definitions').select('hash', 'owner_org').where({ workflow_id: def.workflowId, version: def.version }).first();
      // A version number belongs to one owner: the same content at another org is a conflict too.
      if (existing?.hash === def.hash && (existing.owner_org ?? null) === def.ownerOrg) return 'exists';
      throw new DefinitionConflictError(def.workflowId, def.version);
    },

    getDefinition: (workflowId, version): Promise<StoredDefinition | undefined> => readDefinition(reader, dialect, workflowId, version),

    listDefinitionOwners: (workflowId) => readDefinitionOwners(reader, workflowId),

    async listDefinitions() {
      const rows = await reader<DefinitionRow>('workflow_definitions').orderBy([{ column: 'workflow_id' }, { column: 'version' }]);
      return rows.map((row) => rowToDefinition(dialect, row));
    },

    async getCase(caseId): Promise<CaseRecord | undefined> {
      const [row] = await readerRows<CaseRow>(`SELECT ${CASE_SELECT} FROM cases WHERE id = ?`, [caseId]);
      return row && rowToCase(dialect, row);
    },

    async listCaseIds(afterId, limit) {
      const query = reader<CaseRow>('cases').select('id').orderBy('id').limit(limit);
      const rows = await (afterId === undefined ? query : query.where('id', '>', afterId));
      return rows.map((row) => row.id);
    },

    async countCases() {
      // pg returns count(*) (a bigint) as a string.
      const row = await reader('cases').count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },

    listEvents: (caseId, opts = {}) => readEventsWith(readerRows, dialect, caseId, opts),

    listSnapshots: (caseId) => readSnapshots(readerRows, dialect, caseId),

    getSnapshot: (caseId, atSeq) => readSnapshotAt(readerRows, dialect, caseId, atSeq),

    async listTasks(filter): Promise<TaskRecord[]> {
      // The tasks of one case (every case view): one prepared statement.
      if (filter.caseId !== undefined && Object.entries(filter).every(([k, v]) => k === 'caseId' || v === undefined)) {
        const rows = await readerRows<TaskRow>(`SELECT ${TASK_SELECT} FROM tasks WHERE case_id = ? ORDER BY opened_at, task_key`, [filter.caseId]);
        return rows.map((row) => rowToTask(dialect, row));
      }
      const query = reader<TaskRow>('tasks');
      if (filter.orderBy === 'due') query.orderByRaw('CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, opened_at, task_key');
      else query.orderBy([{ column: 'opened_at' }, { column: 'task_key' }]);
      if (filter.dueBefore !== undefined) query.where('due_at', '<=', filter.dueBefore);
      if (filter.assignee !== undefined) query.where('assignee', filter.assignee);
      if (filter.availableTo !== undefined) query.where((w) => w.whereNull('assignee').orWhere('assignee', filter.availableTo));
      if (filter.caseId !== undefined) query.where({ case_id: filter.caseId });
      if (filter.workflowId !== undefined) query.where({ workflow_id: filter.workflowId });
      // An empty list matches nothing (knex compiles it to a false condition):
      // a user holding no role is offered no task.
      if (filter.roles !== undefined) query.whereIn('role', filter.roles);
      if (filter.orgs !== undefined) query.whereIn('org', filter.orgs);
      if (filter.limit !== undefined) query.limit(filter.limit);
      const rows = await query;
      return rows.map((row) => rowToTask(dialect, row));
    },

    async markTaskViewed(taskKey, userId, at) {
      return (await knex('tasks').where({ task_key: taskKey }).whereNull('viewed_at').update({ viewed_at: at, viewed_by: userId })) > 0;
    },

    async listCases(filter) {
      const rows = await caseQuery(reader, dialect, filter);
      return rows.map((row) => rowToCase(dialect, row));
    },

    async countCasesByState() {
      const value = dialect === 'sqlite' ? "json_extract(state, '$.value')" : "state->>'value'";
      const rows = (await reader('cases')
        .select('workflow_id', 'status', reader.raw(`${value} as v`))
        .count({ n: '*' })
        .groupByRaw(`workflow_id, status, ${value}`)) as { workflow_id: string; status: string; v: string; n: number | string }[];
      // A string state value comes back bare, a nested one as JSON text.
      return rows.map((r) => ({ workflowId: r.workflow_id, status: r.status as CaseRecord['status'], state: (r.v.startsWith('{') ? JSON.parse(r.v) : r.v) as StateValue, count: Number(r.n) }));
    },
  };
}

/** Escapes LIKE wildcards; every pattern below uses `ESCAPE '\\'`. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The query behind `listCases`. State, deadlines and data live in the `state`
 * JSON column, so the filters read it with each dialect's JSON functions:
 * SQLite's `json_extract`/`json_each`, PostgreSQL's `->>`/`jsonb_array_elements`.
 * Instants are ISO-8601 UTC text, compared as bytes (`COLLATE "C"` on pg).
 */
function caseQuery(db: Knex, dialect: Dialect, filter: CaseFilter): Knex.QueryBuilder<CaseRow, CaseRow[]> {
  const pg = dialect === 'postgres';
  const q = db<CaseRow>('cases').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit);
  if (filter.assignee !== undefined) q.whereExists((t) => t.select(db.raw('1')).from('tasks').whereRaw('tasks.case_id = cases.id').andWhere('tasks.assignee', filter.assignee));
  if (filter.workflowId !== undefined) q.where({ workflow_id: filter.workflowId });
  if (filter.status !== undefined) q.where({ status: filter.status });
  if (filter.orgs !== undefined && filter.routedTo !== undefined) {
    const routedTo = filter.routedTo;
    q.where((w) => w.whereIn('org', filter.orgs!).orWhereExists((r) => r.select(db.raw('1')).from('case_route_orgs').whereRaw('case_route_orgs.case_id = cases.id').whereIn('case_route_orgs.org', routedTo)));
  } else if (filter.orgs !== undefined) q.whereIn('org', filter.orgs);
  if (filter.state !== undefined) {
    // The state value as text: `draft`, or JSON such as {"active":"rectifying"}; a key is active when it is the
    // whole value or appears quoted in it (state keys are camelCase, so never need escaping).
    const value = pg ? "cases.state->>'value'" : "json_extract(cases.state, '$.value')";
    for (const key of filter.state.split('.')) q.where((w) => w.whereRaw(`${value} = ?`, [key]).orWhereRaw(`${value} LIKE ? ESCAPE '\\'`, [`%"${likeEscape(key)}"%`]));
  }
  const dueExists = pg
    ? `EXISTS (SELECT 1 FROM jsonb_array_elements(cases.state->'deadlines') d WHERE d->>'status' <> 'paused' AND (d->>'dueAt') COLLATE "C" <= ?)`
    : `EXISTS (SELECT 1 FROM json_each(cases.state, '$.deadlines') d WHERE json_extract(d.value, '$.status') <> 'paused' AND json_extract(d.value, '$.dueAt') <= ?)`;
  if (filter.dueBefore !== undefined) q.whereRaw(dueExists, [filter.dueBefore]);
  if (filter.notDueBefore !== undefined) q.whereRaw(`NOT ${dueExists}`, [filter.notDueBefore]);
  if (filter.text !== undefined) {
    const pattern = `%${likeEscape(filter.text)}%`;
    // SQLite's LIKE ignores ASCII case; pg needs ILIKE for the same behaviour.
    const id = pg ? `cases.id ILIKE ? ESCAPE '\\'` : `cases.id LIKE ? ESCAPE '\\'`;
    // Confidential fields are taken out of the data before matching: a hit must not reveal a hidden value.
    const skip = (filter.textExcludes ?? []).filter((f) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(f));
    const [data, bindings] = pg
      ? [`((cases.state->'data') - ?::text[])::text ILIKE ? ESCAPE '\\'`, [`{${skip.join(',')}}`, pattern]]
      : skip.length === 0
        ? [`json_extract(cases.state, '$.data') LIKE ? ESCAPE '\\'`, [pattern]]
        : [`json_remove(json_extract(cases.state, '$.data'), ${skip.map(() => '?').join(', ')}) LIKE ? ESCAPE '\\'`, [...skip.map((f) => `$.${f}`), pattern]];
    q.where((w) => w.whereRaw(id, [pattern]).orWhereRaw(data, bindings));
  }
  if (filter.after !== undefined) {
    const { createdAt, id } = filter.after;
    q.where((w) => w.where('created_at', '<', createdAt).orWhere((x) => x.where('created_at', createdAt).andWhere('id', '<', id)));
  }
  return q;
}

/** SQLite through better-sqlite3: one connection per knex (SQLite has one writer), WAL, waits instead of failing when busy. */
function openSqlite(file: string): Knex {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        try {
          // busy_timeout first, so switching to WAL waits for another connection instead of failing.
          conn.pragma('busy_timeout = 5000');
          conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          // Safe with WAL: a power loss may drop the last commits, never corrupt.
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        } catch (error) {
          done(error as Error, conn);
        }
      },
    },
  });
}

function openPostgres(url: string, schema: string | undefined, poolSize: number): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolSize },
    ...(schema === undefined ? {} : { searchPath: [schema] }),
  });
}
