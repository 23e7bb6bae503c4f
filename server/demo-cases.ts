/**
 * A few sample cases for the demo (`duban demo`, `duban serve --demo`): two
 * hazards reported by the demo grid officer, one still waiting for the
 * township's acceptance and one accepted and waiting to be graded. Each is
 * opened with a fixed case id, so loading twice opens nothing new. Cases
 * whose users are missing (an org tree that is not the demo's) are skipped.
 */
import type { Actor, Engine } from '../engine/index.js';
import { loadDemoData } from './demo.js';
import { type PeopleStore, type UserRecord } from './people-ports.js';

const actorOf = (u: UserRecord): Actor => ({ id: u.id, roles: u.roles, org: u.orgId, name: u.name });

const report = (description: string, location: string) => ({
  source: 'gridPatrol', location, gridId: 'G-0101', enterpriseId: 'E-1001', sector: '工贸', description,
  photos: ['files/demo-1.jpg'], foundAt: '2026-03-01T09:30:00+08:00', proposedGrade: 'general', hazardCategory: '粉尘防爆',
});

/** Opens the sample cases that are not there yet; returns the ids opened now. */
export async function loadDemoCases(engine: Engine, people: PeopleStore): Promise<string[]> {
  const grid = await people.getUser('grid-officer');
  const township = await people.getUser('township-office');
  if (!grid || !township) return [];
  const opened: string[] = [];
  const samples = [
    { id: 'DEMO-H-0001', data: report('除尘系统未设置泄爆装置', '清水镇纬三路12号 2号车间'), accept: false },
    { id: 'DEMO-H-0002', data: report('配电箱门缺失，带电部位外露', '清水镇工业园5号 仓库'), accept: true },
  ];
  for (const s of samples) {
    if (await engine.findCase(s.id)) continue;
    await engine.createCase({ workflowId: 'hazard', org: grid.orgId, caseId: s.id, actor: actorOf(grid) });
    await engine.send(s.id, { type: 'submit', payload: s.data }, actorOf(grid));
    if (s.accept) await engine.send(s.id, { type: 'accept', payload: { jurisdictionConfirmed: true, dedupeKey: `${s.id}/demo` } }, actorOf(township));
    opened.push(s.id);
  }
  return opened;
}

/**
 * Loads the demo where it is missing — org tree, users, sample cases (unless
 * `cases: false`) — and prints the tokens of the users created now (shown once).
 */
export async function loadDemo(engine: Engine, people: PeopleStore, print: (line: string) => void, opts: { cases?: boolean } = {}): Promise<{ orgsCreated: number; usersCreated: number; casesOpened: string[] }> {
  const demo = await loadDemoData(people, engine.clock);
  if (demo.tokens.length > 0) {
    print('Demo users created (tokens are shown once; only their hashes are stored):');
    for (const t of demo.tokens) print(`  ${t.userId.padEnd(22)} ${t.roles.join(',').padEnd(26)} ${t.token}`);
  }
  const casesOpened = opts.cases === false ? [] : await loadDemoCases(engine, people);
  if (casesOpened.length > 0) print(`Demo cases opened: ${casesOpened.join(', ')}`);
  return { orgsCreated: demo.orgsCreated, usersCreated: demo.tokens.length, casesOpened };
}
