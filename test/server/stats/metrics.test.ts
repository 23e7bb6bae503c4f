/** Prometheus gauges by district: open and overdue cases, from the statistics facts. */
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { miniHazard } from '../../support/stats-workflows.js';
import { testServer } from '../support.js';

const DAY = 86_400_000;

describe('metrics by district', () => {
  it('count open and overdue cases by county-level org and workflow', async () => {
    const ts = await testServer('sqlite', { workflows: [{ ...miniHazard, id: 'mini-hazard' }] });
    onTestFinished(ts.cleanup);
    const clerk = (org: string) => ({ id: 'c', roles: ['clerk'], org });
    const open = async (org: string) => (await ts.engine.createCase({ workflowId: 'mini-hazard', org, actor: clerk(org) })).case.id;
    await open('donghu-qingshui');
    await open('donghu-qingshui-g1');
    await open('xishan');
    const closed = await open('xishan-songlin');
    await ts.engine.send(closed, { type: 'writeOff' }, clerk('xishan-songlin'));
    await open('jiangzhou');
    ts.clock.advance(11 * DAY);
    for (const t of await ts.fresh.store.timers.listDue(ts.clock.now().toISOString(), 100)) await ts.engine.fireTimer(t);
    const lateOne = await open('donghu');
    expect(lateOne).toBeTruthy();

    const text = (await request(ts.app).get('/metrics')).text;
    const lines = text.split('\n').filter((l) => l.startsWith('duban_open_cases_by_district{') || l.startsWith('duban_overdue_cases_by_district{')).sort();
    expect(lines).toEqual([
      'duban_open_cases_by_district{district="city-level",workflow="mini-hazard"} 1',
      'duban_open_cases_by_district{district="donghu",workflow="mini-hazard"} 3',
      'duban_open_cases_by_district{district="xishan",workflow="mini-hazard"} 1',
      'duban_overdue_cases_by_district{district="city-level",workflow="mini-hazard"} 1',
      'duban_overdue_cases_by_district{district="donghu",workflow="mini-hazard"} 2',
      'duban_overdue_cases_by_district{district="xishan",workflow="mini-hazard"} 1',
    ]);
  });
});
