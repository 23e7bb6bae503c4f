/**
 * Document numbers (文号) from the per-org counter: taken when the issuing
 * transition is taken, in its transaction, recorded in the event (replay reads
 * it, never takes another), consecutive and distinct for concurrent issuers on
 * SQLite and PostgreSQL, given back when the step is refused.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { createEngine, createManualClock, defineWorkflow, type Actor, type Engine } from '../../../engine/index.js';
import { setDocNumberPrefix } from '../../../server/doc-numbers.js';
import { describeWithPostgres } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../../support/stores.js';

const leader: Actor = { id: 'leader', roles: ['leader'] };
const clerk: Actor = { id: 'clerk', roles: ['clerk'] };

/** A document that is drafted and then issued with a number, refused while marked `hold`. */
const doc = defineWorkflow({
  id: 'numbered-doc',
  version: 1,
  title: '编号公文',
  roles: ['clerk', 'leader'],
  data: { type: 'object', properties: { docNo: { type: 'string', title: '文号' }, hold: { type: 'boolean', title: '暂缓' } } },
  initial: 'draft',
  states: {
    draft: {
      on: {
        issue: { target: 'issued', roles: ['leader'], guard: { '!': { var: 'data.hold' } }, guardMessage: '暂缓签发', docNumber: { field: 'docNo', series: 'notice' }, assign: ['docNo'] },
      },
    },
    issued: { type: 'final' },
  },
});

async function setup(fresh: FreshStore, prefix: boolean): Promise<Engine> {
  onTestFinished(fresh.cleanup);
  if (prefix) await setDocNumberPrefix(fresh.store, { org: 'jiangan', series: 'notice', prefix: '江应急通', setBy: 'admin', at: '2026-01-01T00:00:00Z' });
  return createEngine({ store: fresh.store, clock: createManualClock('2026-12-31T17:00:00.000Z'), workflows: [doc] });
}

const open = async (engine: Engine, org = 'jiangan', hold = false) => (await engine.createCase({ workflowId: 'numbered-doc', org, data: { hold }, actor: clerk })).case.id;

function suite(make: () => Promise<FreshStore>): void {
  it('two concurrent issues get distinct consecutive numbers of the Beijing year, and replay reads them from the events', async () => {
    const fresh = await make();
    const engine = await setup(fresh, true);
    const ids = await Promise.all([open(engine), open(engine), open(engine), open(engine)]);
    await Promise.all(ids.map((id) => engine.send(id, { type: 'issue' }, leader)));
    const numbers = await Promise.all(ids.map(async (id) => (await engine.getCase(id)).data.docNo as string));
    // 2026-12-31 17:00 UTC is already 2027-01-01 in Beijing.
    expect([...numbers].sort()).toEqual(['江应急通〔2027〕1号', '江应急通〔2027〕2号', '江应急通〔2027〕3号', '江应急通〔2027〕4号']);
    for (const [i, id] of ids.entries()) expect((await fresh.store.listEvents(id)).at(-1)!.payload).toEqual({ docNo: numbers[i] });
    expect(await engine.verify()).toMatchObject({ ok: true });
  });

  it('a refused issue gives its number back, and a typed number is refused', async () => {
    const fresh = await make();
    const engine = await setup(fresh, true);
    const held = await open(engine, 'jiangan', true);
    await expect(engine.send(held, { type: 'issue' }, leader)).rejects.toMatchObject({ code: 'guard_failed' });
    await expect(engine.send(held, { type: 'issue' }, clerk)).rejects.toMatchObject({ code: 'forbidden' });
    const id = await open(engine);
    await expect(engine.send(id, { type: 'issue', payload: { docNo: '江应急通〔2027〕99号' } }, leader)).rejects.toMatchObject({ code: 'invalid_input', issues: [{ code: 'read_only_field', path: ['payload', 'docNo'] }] });
    await engine.send(id, { type: 'issue' }, leader);
    expect((await engine.getCase(id)).data.docNo).toBe('江应急通〔2027〕1号');
  });

  it('an org without a prefix for the series is told so and nothing is written', async () => {
    const fresh = await make();
    const engine = await setup(fresh, false);
    const id = await open(engine);
    await expect(engine.send(id, { type: 'issue' }, leader)).rejects.toMatchObject({ code: 'doc_number_not_configured' });
    expect((await engine.getCase(id)).version).toBe(1);
  });
}

describe('document numbers on SQLite', () => suite(() => freshSqliteStore()));
await describeWithPostgres('document numbers on PostgreSQL', () => suite(() => freshPostgresStore()));
