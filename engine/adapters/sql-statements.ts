/**
 * The hot path's SQL, without knex: statements written once with `?`
 * placeholders and run on the driver's own connection, prepared once per
 * connection and cached (better-sqlite3 `Statement`s; PostgreSQL named
 * prepared statements, `{ name, text, values }`). knex stays for migrations
 * and ad-hoc queries; it lends the connection (`client.acquireConnection`).
 */
import type { Dialect } from './knex-rows.js';

/** What a statement hook is told: the SQL (with `?` placeholders), before it runs. */
export type StatementHook = (sql: string) => void;

/** One driver connection, as the writer uses it. */
export interface SqlConn {
  readonly dialect: Dialect;
  /** Rows of a query (or of a write with `RETURNING`); `[]` for a write without. */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, savepoints): never prepared. */
  exec(sql: string): Promise<void>;
}

/** The parts of a better-sqlite3 `Database` used here. */
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
}
interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

/** The parts of a pg `Client` used here. */
interface PgClient {
  query(config: { name?: string; text: string; values?: unknown[] } | string): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const sqliteCache = new WeakMap<object, Map<string, SqliteStatement>>();

/** better-sqlite3 binds no booleans and no `undefined`. */
function sqliteParam(value: unknown): unknown {
  if (value === true) return 1;
  if (value === false) return 0;
  return value === undefined ? null : value;
}

/** A `SqlConn` over a better-sqlite3 database; its statements are prepared on first use and kept with the database. */
export function sqliteConn(db: SqliteDatabase, hook?: StatementHook): SqlConn {
  let cache = sqliteCache.get(db);
  if (!cache) sqliteCache.set(db, (cache = new Map()));
  const statements = cache;
  const prepared = (sql: string): SqliteStatement => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    dialect: 'sqlite',
    all<T>(sql: string, params: readonly unknown[] = []) {
      hook?.(sql);
      const s = prepared(sql);
      const args = params.map(sqliteParam);
      if (s.reader) return Promise.resolve(s.all(...args) as T[]);
      s.run(...args);
      return Promise.resolve([]);
    },
    run(sql, params = []) {
      hook?.(sql);
      return Promise.resolve(prepared(sql).run(...params.map(sqliteParam)).changes);
    },
    exec(sql) {
      hook?.(sql);
      // BEGIN and COMMIT run on every transaction: prepared and cached like the rest.
      prepared(sql).run();
      return Promise.resolve();
    },
  };
}

/** `?` → `$n`, and a stable name per text, so each pg connection parses a statement once. */
const pgTexts = new Map<string, { name: string; text: string }>();

function pgStatement(sql: string): { name: string; text: string } {
  let s = pgTexts.get(sql);
  if (!s) {
    let n = 0;
    s = { name: `duban_${pgTexts.size + 1}`, text: sql.replace(/\?/g, () => `$${++n}`) };
    pgTexts.set(sql, s);
  }
  return s;
}

/** A `SqlConn` over a pg client: named prepared statements (pg parses each name once per connection). */
export function pgConn(client: PgClient, hook?: StatementHook): SqlConn {
  return {
    dialect: 'postgres',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      hook?.(sql);
      const { name, text } = pgStatement(sql);
      return (await client.query({ name, text, values: params.map((v) => (v === undefined ? null : v)) })).rows as T[];
    },
    async run(sql, params = []) {
      hook?.(sql);
      const { name, text } = pgStatement(sql);
      return (await client.query({ name, text, values: params.map((v) => (v === undefined ? null : v)) })).rowCount ?? 0;
    },
    async exec(sql) {
      hook?.(sql);
      await client.query(sql);
    },
  };
}
