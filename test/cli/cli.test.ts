import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createKnexStore, createManualClock, defineWorkflow, type Engine } from '../../engine/index.js';
import { tamperEvent } from '../support/tamper.js';
import { createKnexPeopleStore } from '../../server/knex-people.js';
import { createUser, importOrgTree } from '../../server/people.js';
import { chief, clerk, counterWorkflow } from '../support/counter-workflow.js';

const run = promisify(execFile);
const bin = new URL('../../bin/duban.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'duban-cli-'));
const db = join(dir, 'duban.sqlite');

/** Runs `duban …` on the test database; returns exit code and output, never throws. */
async function duban(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { env: { ...process.env, DUBAN_DB: db, DATABASE_URL: '' }, timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** A letter whose reply is due in 10 working days. */
const letterWorkflow = defineWorkflow({
  id: 'cli-letter', version: 1, title: { zh: '函件', en: 'Letter' }, roles: ['clerk'], data: { type: 'object', properties: {} }, initial: 'open',
  states: {
    open: { task: { title: '回复', role: 'clerk' }, deadlines: [{ id: 'reply', duration: '10 workdays' }], on: { reply: { target: 'done', roles: ['clerk'] } } },
    done: { type: 'final' },
  },
});

let caseId = '';
beforeAll(async () => {
  const store = createKnexStore({ sqliteFile: db });
  await store.migrate();
  const engine: Engine = await createEngine({ store, workflows: [counterWorkflow] });
  const { case: c } = await engine.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
  caseId = c.id;
  await engine.send(caseId, { type: 'note', payload: { text: '第一条' } }, clerk);
  await engine.send(caseId, { type: 'submit' }, clerk);
  await engine.send(caseId, { type: 'approve' }, chief);
  await store.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('duban CLI', { timeout: 120_000 }, () => {
  it('validates a good definition and exits 0', async () => {
    const r = await duban('workflows', 'validate', new URL('../../examples/training-record.workflow.json', import.meta.url).pathname);
    expect(r.code).toBe(0);
    expect(r.out).toContain('training-record@1: valid');
  });

  it('prints every problem of a bad definition with its path and exits 1', async () => {
    const file = join(dir, 'bad.workflow.json');
    writeFileSync(file, JSON.stringify({ id: 'bad', version: 1, title: 'x', roles: ['a'], initial: 'one', states: { one: { on: { go: { target: 'nowhere', roles: ['b'] } } }, two: { type: 'final' } } }));
    const r = await duban('workflows', 'validate', file);
    expect(r.code).toBe(1);
    expect(r.out).toContain('states.one.on.go.target  [unknown_target]');
    expect(r.out).toContain('states.one.on.go.roles[0]  [undeclared_role]');
    expect(r.out).toContain('states.two  [unreachable_final_state]');
  });

  it('migrates, replays a case to a seq and verifies the audit chain', async () => {
    expect((await duban('migrate')).code).toBe(0);
    const at2 = await duban('cases', 'replay', caseId, '--at', '2', '--json');
    expect(at2.code).toBe(0);
    expect(JSON.parse(at2.out.slice(at2.out.indexOf('{')))).toMatchObject({ seq: 2, state: { value: 'open', data: { count: 1 } } });
    const ok = await duban('audit', 'verify', '--no-progress');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('every hash chain and replay matches');
  });

  it('names the case and seq of a tampered event and exits 1', async () => {
    const store = createKnexStore({ sqliteFile: db });
    await tamperEvent(store, caseId, 2, { payload: { text: '改过的' } });
    await store.close();
    const r = await duban('audit', 'verify', '--no-progress');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`case ${caseId} seq 2`);
  });

  it('computes a deadline by hand with the calendar commands', async () => {
    const r = await duban('calendar', 'add', '2026-09-16', 'P15D', '--rollover');
    expect(r.code).toBe(0);
    expect(r.out).toContain('due date:  2026-10-08');
    expect(r.out).toContain('due at:    2026-10-08T16:00:00.000Z');
    expect(r.out).not.toContain('provisional');
    const out = await duban('calendar', 'add', '2029-12-20', '10 workdays');
    expect(out.code).toBe(1);
    expect(out.out).toContain('[calendar_out_of_range]');
  }, 90_000);

  it('answers a 2027 date for 2026-12-30 + 3 workdays and says it rests on a provisional year', async () => {
    const r = await duban('calendar', 'add', '2026-12-30', '3 workdays');
    expect(r.code).toBe(0);
    expect(r.out).toContain('due date:  2027-01-05');
    expect(r.out).toContain('provisional: the result rests on provisional year 2027');
  }, 90_000);

  it('imports a custom calendar as a new version and lists it', async () => {
    const file = join(dir, 'province.json');
    writeFileSync(file, JSON.stringify({ id: 'cn-zj', version: 1, timeZone: 'Asia/Shanghai', source: '某省自定休息日', years: [2026], days: [{ date: '2026-06-15', kind: 'holiday', name: '省定休息日' }] }));
    expect((await duban('calendar', 'import', file)).out).toContain('added calendar cn-zj v1');
    expect((await duban('calendar', 'import', file)).out).toContain('already loaded calendar cn-zj v1');
    const list = await duban('calendar', 'list');
    expect(list.out).toContain('cn v1');
    expect(list.out).toContain('cn-zj v1');
    expect((await duban('calendar', 'add', '2026-06-12', '1 workday', '--calendar', 'cn-zj')).out).toContain('due date:  2026-06-16');
  });

  it('imports the official year with --years and re-baselines an open provisional deadline through a history event', async () => {
    const store = createKnexStore({ sqliteFile: db });
    const engine = await createEngine({ store, clock: createManualClock('2026-12-21T02:00:00.000Z'), workflows: [letterWorkflow] });
    const { case: c } = await engine.createCase({ workflowId: 'cli-letter', org: 'district-a', actor: clerk });
    expect(c.deadlines[0]).toMatchObject({ dueDate: '2027-01-05', provisional: true });
    await store.close();
    // Test data standing in for the 2027 notice: a make-up working Saturday on 2 January.
    const file = join(dir, 'cn-2027.json');
    writeFileSync(file, JSON.stringify({ id: 'cn', years: [2027], source: '测试用2027年通知', days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }, { date: '2027-01-02', kind: 'workday', name: '元旦调休上班' }] }));
    const r = await duban('calendar', 'import', '--years', file);
    expect(r.code).toBe(0);
    expect(r.out).toContain('added calendar cn v2');
    expect(r.out).toContain('re-baselined 1 case(s)');
    expect(r.out).toContain(`${c.id}  open#reply  2027-01-05 → 2027-01-04  (v1 → v2)`);
    const after = createKnexStore({ sqliteFile: db });
    const check = await createEngine({ store: after });
    expect((await check.history(c.id)).at(-1)).toMatchObject({ type: 'deadline.rebaselined', env: { calendars: { cn: 2 } } });
    expect((await check.verify(c.id)).ok).toBe(true);
    await after.close();
    expect((await duban('calendar', 'add', '2026-12-30', '3 workdays')).out).not.toContain('provisional');
  }, 120_000);

  it('sets and lists document-number prefixes as the operator, and as an admin only within its subtree', async () => {
    // The org tree and a district admin, written directly (each CLI run costs seconds).
    const store = createKnexStore({ sqliteFile: db });
    await store.migrate();
    const people = createKnexPeopleStore(store);
    const clock = createManualClock('2026-03-02T02:00:00.000Z');
    await importOrgTree(people, clock, { id: 'jiangzhou', name: '江州市', level: 'city', children: [{ id: 'donghu', name: '东湖区', level: 'county' }] });
    await createUser(people, clock, { id: 'admin-donghu', name: '东湖区管理员', orgId: 'donghu', roles: ['admin'] });
    await store.close();

    const city = await duban('doc-numbers', 'set-prefix', '--org', 'jiangzhou', '--series', 'circular', '--prefix', '江应急通');
    expect(city.code, city.out).toBe(0);
    expect(city.out).toMatch(/next number 江应急通〔\d{4}〕1号/);
    // The district's admin does not reach its city: the same answer as the API's (org_not_found), nothing set.
    const above = await duban('doc-numbers', 'set-prefix', '--org', 'jiangzhou', '--series', 'circular', '--prefix', '东改', '--as', 'admin-donghu');
    expect(above.code).toBe(1);
    expect(above.out).toContain('[org_not_found]');
    const bad = await duban('doc-numbers', 'set-prefix', '--org', 'donghu', '--series', 'Circular', '--prefix', '东〔应急〕');
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--series');
    expect(bad.out).toContain('--prefix');
    const mine = await duban('doc-numbers', 'set-prefix', '--org', 'donghu', '--series', 'supervisionLetter', '--prefix', '东安委督', '--as', 'admin-donghu');
    expect(mine.code, mine.out).toBe(0);
    const list = await duban('doc-numbers', 'list', '--org', 'jiangzhou', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out.slice(list.out.indexOf('{')))).toMatchObject({ org: 'jiangzhou', items: [{ series: 'circular', title: '通报', prefix: '江应急通', lastSeq: 0 }] });
  }, 300_000);

  it('exits 2 naming the variable when the configuration is bad', async () => {
    const r = await run(process.execPath, [bin, 'migrate'], { env: { ...process.env, PORT: 'eighty' } }).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2 });
    expect((r as { stderr: string }).stderr).toContain('PORT');
  });
});
