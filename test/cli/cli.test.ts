import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createKnexStore, type Engine } from '../../engine/index.js';
import { tamperEvent } from '../../engine/adapters/tamper.js';
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
    const out = await duban('calendar', 'add', '2026-12-20', '10 workdays');
    expect(out.code).toBe(1);
    expect(out.out).toContain('[calendar_out_of_range]');
  });

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

  it('exits 2 naming the variable when the configuration is bad', async () => {
    const r = await run(process.execPath, [bin, 'migrate'], { env: { ...process.env, PORT: 'eighty' } }).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2 });
    expect((r as { stderr: string }).stderr).toContain('PORT');
  });
});
