/**
 * Durable sends on PostgreSQL: `engine.send` of a note by 8 concurrent
 * senders, beside raw `pg` insert+update transactions on a pool of 8
 * connections (8 concurrent loops), same database, interleaved rounds. Each
 * run uses fresh schemas and drops them at the end.
 *
 *   DATABASE_URL (postgres://postgres@127.0.0.1:5432/test)  BENCH_PG_SENDS=2000
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createEngine, createKnexStore, type Engine } from '../engine/index.js';
import { benchWorkflow } from './bench-workflow.js';
import { fmt, interleaved, rate, result, ROUNDS, size, type BenchResult } from './lib.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SENDS = size('BENCH_PG_SENDS', 2000, 200);
const CONNECTIONS = 8;
const clerk = { id: 'bench', roles: ['clerk'], org: 'bench-org' };

async function engineSends(engine: Engine, caseIds: string[], n: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, s) => {
      const mine = caseIds.filter((_, i) => i % CONNECTIONS === s);
      for (let i = next++; i < n; i = next++) await engine.send(mine[i % mine.length]!, { type: 'note', payload: { text: `第${i}条` } }, clerk);
    }),
  );
  return rate(n, performance.now() - t0);
}

async function rawSends(pool: pg.Pool, schema: string, caseIds: string[], versions: number[], n: number): Promise<number> {
  let next = 0;
  const actor = JSON.stringify(clerk);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, s) => {
      const client = await pool.connect();
      try {
        const mine = caseIds.map((_, i) => i).filter((i) => i % CONNECTIONS === s);
        for (let i = next++; i < n; i = next++) {
          const k = mine[i % mine.length]!;
          const v = versions[k]!;
          await client.query('BEGIN');
          await client.query({ name: 'ins', text: `INSERT INTO "${schema}".events VALUES ($1, $2, $3, $4, $5, now())`, values: [caseIds[k], v + 1, 'note', JSON.stringify({ text: `第${i}条` }), actor] });
          const u = await client.query({ name: 'upd', text: `UPDATE "${schema}".cases SET state = $1, version = $2 WHERE id = $3 AND version = $4`, values: [JSON.stringify({ count: v + 1 }), v + 1, caseIds[k], v] });
          if (u.rowCount !== 1) throw new Error('version conflict');
          await client.query('COMMIT');
          versions[k] = v + 1;
        }
      } finally {
        client.release();
      }
    }),
  );
  return rate(n, performance.now() - t0);
}

export async function main(): Promise<BenchResult[]> {
  const suffix = randomBytes(4).toString('hex');
  const engineSchema = `bench_engine_${suffix}`;
  const rawSchema = `bench_raw_${suffix}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: CONNECTIONS });
  const store = createKnexStore({ databaseUrl: DATABASE_URL, schema: engineSchema });
  try {
    await admin.query(`CREATE SCHEMA "${rawSchema}"`);
    await admin.query(`CREATE TABLE "${rawSchema}".cases (id text PRIMARY KEY, state jsonb, version integer NOT NULL)`);
    await admin.query(`CREATE TABLE "${rawSchema}".events (case_id text, seq integer, type text, payload jsonb, actor jsonb, at timestamptz, PRIMARY KEY (case_id, seq))`);
    const rawIds = Array.from({ length: 16 }, (_, i) => `c${i}`);
    for (const id of rawIds) await admin.query(`INSERT INTO "${rawSchema}".cases VALUES ($1, '{}', 0)`, [id]);
    const versions = rawIds.map(() => 0);

    await store.migrate();
    const engine = await createEngine({ store, workflows: [benchWorkflow] });
    const caseIds: string[] = [];
    for (let i = 0; i < 16; i++) caseIds.push((await engine.createCase({ workflowId: 'bench-notes', org: 'bench-org', data: { count: 0 }, actor: clerk })).case.id);

    await rawSends(pool, rawSchema, rawIds, versions, Math.min(SENDS, 300));
    await engineSends(engine, caseIds, Math.min(SENDS, 300));
    const m = await interleaved(ROUNDS, {
      raw: () => rawSends(pool, rawSchema, rawIds, versions, SENDS),
      duban: () => engineSends(engine, caseIds, SENDS),
    });
    return [
      result(`durable sends, PostgreSQL, ${CONNECTIONS} concurrent senders`, m.duban, 'sends/s', { name: `raw pg insert+update tx, ${CONNECTIONS} connections`, value: m.raw }, `${fmt(SENDS)} sends over 16 cases; median of ${ROUNDS} interleaved rounds; fresh schemas, dropped after`),
    ];
  } finally {
    await store.close().catch(() => {});
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS "${engineSchema}" CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS "${rawSchema}" CASCADE`);
    await admin.end();
  }
}
