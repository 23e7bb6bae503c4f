/**
 * Anchoring in the server processes: the key and log from the configuration,
 * the first checkpoint of an embedded `duban serve`, a witness that does not
 * answer.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAnchorKey, readAnchorLog } from '../../engine/index.js';
import { anchorLogPath, anchorNow, loadAnchorSetup } from '../../server/anchoring.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { openRuntime } from '../../server/main.js';
import { startServer } from '../../server/serve.js';
import { startWorker, type RunningWorker } from '../../server/worker.js';
import { eventually } from '../notifications/support.js';
import { postgresAvailableForSuite, postgresUrl, redisAvailableForSuite, redisUrl } from '../support/services.js';
import { freshPostgresStore } from '../support/stores.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-anchoring-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ PORT: '0', DUBAN_DB: path.join(dir, 'duban.sqlite'), DUBAN_LOG_LEVEL: 'silent', DATABASE_URL: '', REDIS_URL: '', SMTP_URL: '', DUBAN_PUBLIC_URL: '', ...extra });
function keyFile(): string {
  const file = path.join(dir, 'anchor.pem');
  fs.writeFileSync(file, generateAnchorKey().privateKeyPem);
  return file;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('anchoring configuration', () => {
  it('is off without DUBAN_ANCHOR_KEY, and keeps the log next to the SQLite file by default', () => {
    expect(loadAnchorSetup(loadConfig(env()))).toBeUndefined();
    expect(anchorLogPath(loadConfig(env()))).toBe(path.join(dir, 'anchors.jsonl'));
    expect(loadAnchorSetup(loadConfig(env({ DUBAN_ANCHOR_KEY: keyFile() })))).toMatchObject({ intervalMs: 3_600_000, logPath: path.join(dir, 'anchors.jsonl'), witnessUrl: undefined });
  });

  it('names DUBAN_ANCHOR_KEY when its file is missing or holds no Ed25519 key', () => {
    const missing = () => loadAnchorSetup(loadConfig(env({ DUBAN_ANCHOR_KEY: path.join(dir, 'nope.pem') })));
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(/DUBAN_ANCHOR_KEY/);
    fs.writeFileSync(path.join(dir, 'bad.pem'), 'hello');
    expect(() => loadAnchorSetup(loadConfig(env({ DUBAN_ANCHOR_KEY: path.join(dir, 'bad.pem') })))).toThrow(/DUBAN_ANCHOR_KEY: .*not a private key/);
    expect(() => loadConfig(env({ DUBAN_ANCHOR_INTERVAL_MS: '10' }))).toThrow(/DUBAN_ANCHOR_INTERVAL_MS/);
  });
});

describe('anchoring in duban serve', () => {
  it('makes a checkpoint as soon as an embedded server starts with a key, and says so', async () => {
    const lines: string[] = [];
    const config = loadConfig(env({ DUBAN_ANCHOR_KEY: keyFile() }));
    const rt = await openRuntime(config);
    const running = await startServer(rt, { print: (l) => lines.push(l), installSignals: false, demo: false });
    const log = anchorLogPath(config);
    try {
      expect(lines).toContainEqual(expect.stringMatching(/^Anchors: a signed checkpoint every 1 h, key [0-9a-f]{32}, log .*anchors\.jsonl, no witness$/));
      await eventually(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').endsWith('\n'));
    } finally {
      await running.shutdown('test');
    }
    const reading = readAnchorLog(fs.readFileSync(log, 'utf8'));
    expect(reading).toMatchObject({ checkpoints: 1, failure: undefined });
  });

  it('keeps the checkpoint in the log and reports the error when the witness does not answer', async () => {
    const config = loadConfig(env({ DUBAN_ANCHOR_KEY: keyFile(), DUBAN_ANCHOR_WITNESS_URL: `http://127.0.0.1:${await closedPort()}/w` }));
    const rt = await openRuntime(config, { registerBuiltins: false });
    try {
      const r = await anchorNow({ anchors: rt.anchors, clock: rt.engine.clock }, loadAnchorSetup(config)!);
      expect(r).toMatchObject({ made: true, line: { seq: 1, cases: 0 }, witness: { error: expect.any(String) } });
      expect(readAnchorLog(fs.readFileSync(anchorLogPath(config), 'utf8')).checkpoints).toBe(1);
    } finally {
      await rt.close();
    }
  });
});

describe('anchoring on one machine', () => {
  it('answers busy while a live process holds the log lock, and takes over the lock of a process that died', async () => {
    const config = loadConfig(env({ DUBAN_ANCHOR_KEY: keyFile() }));
    const setup = loadAnchorSetup(config)!;
    const rt = await openRuntime(config, { registerBuiltins: false });
    try {
      const deps = { anchors: rt.anchors, clock: rt.engine.clock };
      fs.writeFileSync(`${setup.logPath}.lock`, String(process.pid));
      expect(await anchorNow(deps, setup)).toEqual({ made: false, reason: 'busy' });
      // No process has this pid (Linux caps pids at 2^22).
      fs.writeFileSync(`${setup.logPath}.lock`, '2147483646');
      expect(await anchorNow(deps, setup)).toMatchObject({ made: true, line: { seq: 1 } });
      expect(fs.existsSync(`${setup.logPath}.lock`)).toBe(false);
    } finally {
      await rt.close();
    }
  });
});

describe.skipIf(!((await postgresAvailableForSuite()) && (await redisAvailableForSuite())))('anchoring in duban worker', () => {
  it('makes one checkpoint however many workers start: in the log of the worker that made it, and at the witness', async () => {
    const fresh = await freshPostgresStore();
    const received: string[] = [];
    const witness = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => witness.listen(0, '127.0.0.1', resolve));
    const id = randomBytes(6).toString('hex');
    const queues = { prefix: 'duban-test', timers: `timers-${id}`, notifications: `notifications-${id}` };
    const key = keyFile();
    const workers: RunningWorker[] = [];
    const logs = [path.join(dir, 'machine-1', 'anchors.jsonl'), path.join(dir, 'machine-2', 'anchors.jsonl')];
    try {
      for (const log of logs) {
        const config = loadConfig(env({ DATABASE_URL: postgresUrl(), REDIS_URL: redisUrl(), DUBAN_ANCHOR_KEY: key, DUBAN_ANCHOR_LOG: log, DUBAN_ANCHOR_WITNESS_URL: `http://127.0.0.1:${(witness.address() as net.AddressInfo).port}/` }));
        const lines: string[] = [];
        workers.push(await startWorker(await openRuntime(config, { store: fresh.reopen() }), { print: (l) => lines.push(l), installSignals: false, queues }));
        expect(lines).toContainEqual(expect.stringMatching(/^Anchors: a signed checkpoint every 1 h/));
      }
      await eventually(() => received.length === 1, 15_000);
    } finally {
      // Shutting down waits for each worker's first round, so both have had their chance to anchor.
      for (const w of workers) await w.shutdown('test');
      for (const name of [queues.timers, queues.notifications]) {
        const q = new Queue(name, { connection: { url: redisUrl() }, prefix: queues.prefix });
        await q.obliterate({ force: true });
        await q.close();
      }
      await new Promise<void>((resolve) => witness.close(() => resolve()));
      await fresh.cleanup();
    }
    const written = logs.filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8').trimEnd().split('\n'));
    expect(written.flat()).toEqual(received);
    expect(readAnchorLog(received.join('\n')).checkpoints).toBe(1);
  });
});
