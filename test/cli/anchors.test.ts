import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createKnexAnchorStore, createKnexStore, type Engine } from '../../engine/index.js';
import { anchorNow, loadAnchorSetup } from '../../server/anchoring.js';
import { loadConfig } from '../../server/config.js';
import { clerk, counterWorkflow } from '../support/counter-workflow.js';
import { rechainCase } from '../support/rechain.js';

const run = promisify(execFile);
const bin = new URL('../../bin/duban.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'duban-anchors-'));
const db = join(dir, 'duban.sqlite');
const keyFile = join(dir, 'anchor.pem');
const logFile = join(dir, 'anchors.jsonl');
const received: string[] = [];
/** A test's time budget: a CLI spawn compiles the TypeScript CLI first, which takes seconds on a busy machine. */
const SPAWNS = (n: number) => 30_000 + n * 90_000;
let witness: http.Server;
let witnessUrl = '';

/** Runs `duban …` on the test database with anchoring configured; returns exit code and output, never throws. */
async function duban(...args: string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, DUBAN_DB: db, DATABASE_URL: '', DUBAN_ANCHOR_KEY: keyFile, DUBAN_ANCHOR_LOG: logFile, DUBAN_ANCHOR_WITNESS_URL: witnessUrl };
  try {
    const r = await run(process.execPath, [bin, ...args], { env, timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

async function withEngine<T>(fn: (engine: Engine, store: ReturnType<typeof createKnexStore>) => Promise<T>): Promise<T> {
  const store = createKnexStore({ sqliteFile: db });
  try {
    await store.migrate();
    return await fn(await createEngine({ store, workflows: [counterWorkflow] }), store);
  } finally {
    await store.close();
  }
}

let target = '';
beforeAll(async () => {
  witness = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => witness.listen(0, '127.0.0.1', resolve));
  witnessUrl = `http://127.0.0.1:${(witness.address() as AddressInfo).port}/checkpoints`;
  target = await withEngine(async (engine) => {
    const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    for (const text of ['第一条', '第二条', '第三条']) await engine.send(c.id, { type: 'note', payload: { text } }, clerk);
    await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    return c.id;
  });
}, 60_000);
afterAll(async () => {
  await new Promise<void>((resolve) => witness.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('duban audit anchors', () => {
  it('generates a signing key and prints its public half', async () => {
    const r = await duban('audit', 'anchor-key', '--out', keyFile);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/key id:\s+[0-9a-f]{32}/);
    expect(r.out).toContain('-----BEGIN PUBLIC KEY-----');
    expect(readFileSync(`${keyFile}.pub`, 'utf8')).toContain('-----BEGIN PUBLIC KEY-----');
  }, SPAWNS(1));

  it('appends a signed checkpoint to the log and posts the same line to the witness', async () => {
    const first = await duban('audit', 'anchor');
    expect(first.code).toBe(0);
    expect(first.out).toContain('checkpoint 1: 2 case(s)');
    // The next one the way `duban serve` and `duban worker` make theirs, in-process (a CLI spawn costs seconds).
    await withEngine(async (engine, store) => {
      await engine.send(target, { type: 'note', payload: { text: '第四条' } }, clerk);
      const setup = loadAnchorSetup(loadConfig({ DUBAN_DB: db, DUBAN_ANCHOR_KEY: keyFile, DUBAN_ANCHOR_LOG: logFile, DUBAN_ANCHOR_WITNESS_URL: witnessUrl }))!;
      expect(await anchorNow({ anchors: createKnexAnchorStore(store), clock: engine.clock }, setup)).toMatchObject({ made: true, line: { seq: 2, cases: 2 }, witness: 'sent' });
    });
    const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(received).toEqual(lines);
  }, SPAWNS(1));

  it('passes an untouched database, then names the checkpoint that a re-chained history contradicts', async () => {
    const ok = await duban('audit', 'verify', '--no-progress', '--anchors', logFile, '--anchor-public-key', `${keyFile}.pub`);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('anchors: 2 checkpoint(s)');
    expect(ok.out).toContain('✓ every anchored case head is still in the database');

    // Event 2 of the case now names another clerk, and every later hash is recomputed.
    await withEngine(async (engine, store) => {
      await rechainCase(store, target, 2, { actor: { ...clerk, id: 'u-someone-else' } });
      // The finding of issue 8: the re-chained history is internally consistent.
      expect((await engine.verify()).ok).toBe(true);
    });
    const anchored = await duban('audit', 'verify', '--no-progress', '--anchors', logFile, '--anchor-public-key', `${keyFile}.pub`);
    expect(anchored.code).toBe(1);
    expect(anchored.out).toContain(`✗ checkpoint 1 (`);
    expect(anchored.out).toContain(`case ${target} seq 4`);
  }, SPAWNS(2));

  it('names a log line that was altered after it was signed', async () => {
    const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
    const forged = join(dir, 'forged.jsonl');
    writeFileSync(forged, `${lines[0]}\n${lines[1]!.replace(/"at":"\d{4}/, '"at":"2020')}\n`);
    const r = await duban('audit', 'verify', '--no-progress', '--anchors', forged);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ anchor log line 2 (checkpoint 2): signature does not verify');
  }, SPAWNS(1));
});
