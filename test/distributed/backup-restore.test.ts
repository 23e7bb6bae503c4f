/**
 * Backup and restore as the README describes it: a signed anchor checkpoint
 * in the anchor log, `pg_dump -Fc` of the live database, `pg_restore` into a
 * new database; the restored database passes `duban audit verify --anchors`
 * against the log (every chain, every replay, every signed checkpoint), and
 * holds every case and event. A restored database that lost an event the log
 * anchored fails that check, naming the case.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { createTestDatabase } from '../support/fault-services.js';
import { postgresAvailableForSuite, redisAvailableForSuite } from '../support/services.js';
import { openDrillCases } from './support.js';

const enabled = (await postgresAvailableForSuite()) && (await redisAvailableForSuite());
const run = promisify(execFile);

describe.skipIf(!enabled)('backup and restore', () => {
  it('restores a pg_dump into a new database that verifies against the anchor log', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-backup-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const cluster = await startCluster({ workflows: [drillWorkflow] });
    onTestFinished(() => cluster.close());
    const serve = await cluster.serve();
    const cases = await openDrillCases(cluster, serve, 4, () => new Date(Date.now() + 86_400_000));
    for (const [i, id] of cases.entries()) {
      for (let n = 0; n < 3; n++) expect((await cluster.api(serve, 'inspector', 'POST', `/api/v1/cases/${id}/events`, { type: 'note', payload: { client: `c${i}`, n } })).status).toBe(200);
    }

    const key = path.join(dir, 'anchor.pem');
    const log = path.join(dir, 'anchors.jsonl');
    expect((await cluster.cli(['audit', 'anchor-key', '--out', key])).code).toBe(0);
    const anchored = await cluster.cli(['audit', 'anchor'], { DUBAN_ANCHOR_KEY: key, DUBAN_ANCHOR_LOG: log });
    expect(anchored.code, anchored.stdout + anchored.stderr).toBe(0);

    const dump = path.join(dir, 'duban.dump');
    await run('pg_dump', ['-Fc', '--no-owner', '-f', dump, cluster.db!.url]);
    const restored = await createTestDatabase();
    onTestFinished(() => restored.drop());
    await run('pg_restore', ['--no-owner', '-d', restored.url, dump]);

    const [live] = await cluster.db!.query<{ n: string }>('SELECT count(*) AS n FROM case_events');
    const [back] = await restored.query<{ n: string }>('SELECT count(*) AS n FROM case_events');
    expect(Number(back!.n)).toBe(Number(live!.n));
    const onRestored = { DATABASE_URL: restored.url };
    const verify = await cluster.cli(['audit', 'verify', '--no-progress', '--anchors', log, '--anchor-public-key', `${key}.pub`], onRestored);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('✓ every hash chain and replay matches');

    // A restore that lost the last event of an anchored case is caught by the log.
    const victim = cases[0]!;
    await restored.query(`ALTER TABLE case_events DISABLE TRIGGER USER`);
    await restored.query(`DELETE FROM case_events WHERE case_id = $1 AND seq = (SELECT max(seq) FROM case_events WHERE case_id = $1)`, [victim]);
    await restored.query(`UPDATE cases SET version = version - 1 WHERE id = $1`, [victim]);
    const caught = await cluster.cli(['audit', 'verify', '--no-progress', '--anchors', log, '--anchor-public-key', `${key}.pub`], onRestored);
    expect(caught.code).toBe(1);
    expect(caught.stdout + caught.stderr).toContain(victim);
  }, 420_000);
});
