/**
 * Group commit: concurrent units of work (sends from HTTP requests, timer
 * firings, spawns) queue into a writer that runs several of them, one after
 * the other, in one database transaction, and answers each caller only after
 * that transaction committed. SQLite has one writer (one lane); PostgreSQL a
 * small pool of them, a case's units always in the same lane, so units of one
 * case commit in the order they were given.
 *
 * A unit that fails before writing anything is simply answered with its error.
 * A unit that fails after writing (or whose statement broke a PostgreSQL
 * transaction) rolls the transaction back: it is answered with its error and
 * the others are run again without it, so a failing unit never fails or
 * half-writes another. A deadlock or serialization failure between lanes (or
 * processes) re-runs the whole batch.
 */
import type { StoreTx } from '../ports.js';
import type { SqlConn } from './sql-statements.js';

/** A borrowed connection and how to give it back. */
export interface Lease {
  conn: SqlConn;
  release(): void;
}

export interface GroupCommitOptions {
  /** Lends the writer a connection for one batch. */
  acquire(): Promise<Lease>;
  /** The statement that opens a write transaction (`BEGIN IMMEDIATE` on SQLite). */
  begin: string;
  /** The unit-facing transaction over a connection. */
  makeTx(conn: SqlConn): StoreTx;
  /** How many writers (lanes). */
  lanes: number;
  /** Most units in one database transaction. */
  maxBatch?: number;
}

interface Unit {
  fn: (tx: StoreTx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Lane {
  queue: Unit[];
  running: boolean;
}

/** Codes after which a PostgreSQL transaction is re-run as a whole: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_BATCH_RETRIES = 5;

/** The writer. `submit` queues a unit; `idle` resolves once every queued unit is answered. */
export interface GroupCommit {
  submit<T>(fn: (tx: StoreTx) => Promise<T>, key?: string): Promise<T>;
  idle(): Promise<void>;
}

function laneOf(key: string, lanes: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % lanes;
}

/** Wraps a connection to tell whether a unit wrote, and whether a statement failed. */
function tracked(conn: SqlConn): { conn: SqlConn; wrote: boolean; failed: boolean } {
  const t = { conn, wrote: false, failed: false };
  const guard = async <R>(sql: string, run: () => Promise<R>): Promise<R> => {
    if (!/^\s*SELECT/i.test(sql)) t.wrote = true;
    try {
      return await run();
    } catch (error) {
      t.failed = true;
      throw error;
    }
  };
  t.conn = {
    dialect: conn.dialect,
    all: (sql, params) => guard(sql, () => conn.all(sql, params)),
    run: (sql, params) => guard(sql, () => conn.run(sql, params)),
    exec: (sql) => guard(sql, () => conn.exec(sql)),
  };
  return t;
}

export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const maxBatch = options.maxBatch ?? 64;
  const lanes: Lane[] = Array.from({ length: Math.max(1, options.lanes) }, () => ({ queue: [], running: false }));
  const idleWaiters: (() => void)[] = [];

  const busy = () => lanes.some((l) => l.running || l.queue.length > 0);

  async function runBatch(conn: SqlConn, batch: Unit[]): Promise<void> {
    let pending = batch;
    let retries = 0;
    while (pending.length > 0) {
      try {
        await conn.exec(options.begin);
      } catch (error) {
        for (const u of pending) u.reject(error);
        return;
      }
      const done: { unit: Unit; value: unknown }[] = [];
      const cleanFailures: { unit: Unit; error: unknown }[] = [];
      let broken: { unit: Unit; error: unknown } | undefined;
      for (const unit of pending) {
        const t = tracked(conn);
        try {
          done.push({ unit, value: await unit.fn(options.makeTx(t.conn)) });
        } catch (error) {
          if (!t.wrote && !t.failed) cleanFailures.push({ unit, error });
          else {
            broken = { unit, error };
            break;
          }
        }
      }
      if (broken) {
        await conn.exec('ROLLBACK').catch(() => undefined);
        const code = (broken.error as { code?: unknown }).code;
        if (typeof code === 'string' && RETRYABLE.has(code) && retries++ < MAX_BATCH_RETRIES) continue;
        broken.unit.reject(broken.error);
        for (const f of cleanFailures) f.unit.reject(f.error);
        const answered = new Set([broken.unit, ...cleanFailures.map((f) => f.unit)]);
        pending = pending.filter((u) => !answered.has(u));
        continue;
      }
      try {
        await conn.exec('COMMIT');
      } catch (error) {
        await conn.exec('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && RETRYABLE.has(code) && retries++ < MAX_BATCH_RETRIES) continue;
        for (const f of cleanFailures) f.unit.reject(f.error);
        for (const d of done) d.unit.reject(error);
        return;
      }
      for (const f of cleanFailures) f.unit.reject(f.error);
      for (const d of done) d.unit.resolve(d.value);
      return;
    }
  }

  async function drain(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.queue.length > 0) {
        let lease: Lease;
        try {
          lease = await options.acquire();
        } catch (error) {
          for (const u of lane.queue.splice(0)) u.reject(error);
          break;
        }
        try {
          // Take what queued while waiting for the connection too.
          await runBatch(lease.conn, lane.queue.splice(0, maxBatch));
        } finally {
          lease.release();
        }
      }
    } finally {
      lane.running = false;
      if (!busy()) for (const w of idleWaiters.splice(0)) w();
    }
  }

  return {
    submit<T>(fn: (tx: StoreTx) => Promise<T>, key?: string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // A case's units share a lane; others take the least busy one.
        const lane = key !== undefined ? lanes[laneOf(key, lanes.length)]! : lanes.reduce((a, b) => (b.queue.length + (b.running ? 1 : 0) < a.queue.length + (a.running ? 1 : 0) ? b : a));
        lane.queue.push({ fn: fn as Unit['fn'], resolve: resolve as Unit['resolve'], reject });
        if (!lane.running) void drain(lane);
      });
    },
    idle() {
      return busy() ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve();
    },
  };
}
