import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { drillWorkflow } from '../support/drill-workflow.js';
import { waitFor } from '../support/processes.js';

describe('smoke', () => {
  it('runs', async () => {
    const t0 = Date.now();
    const cluster = await startCluster({ workflows: [drillWorkflow] });
    onTestFinished(() => cluster.close());
    console.log('seeded', Date.now() - t0);
    const serve = await cluster.serve();
    const worker = await cluster.worker();
    console.log('started', Date.now() - t0, serve.url);
    const r = await cluster.api(serve, 'inspector', 'POST', '/api/v1/cases', { workflowId: 'drill', org: 'donghu-qingshui-g1', data: { dueAt: new Date(Date.now() + 3000).toISOString() } });
    console.log(r.status, JSON.stringify(r.body).slice(0, 300));
    await waitFor('2 mails', () => cluster.smtp.total() >= 2, { timeoutMs: 20_000 });
    console.log([...cluster.smtp.arrivals], Date.now() - t0);
    console.log(serve.output, worker.output);
    expect(cluster.smtp.total()).toBe(2);
  }, 120_000);
});
