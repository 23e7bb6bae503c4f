/**
 * The hash chain commits to salted hashes of confidential values: fresh salts
 * per value per event, stored beside the event; a redacted copy hashes the
 * same; replay and verify work as before; events of definitions without
 * confidential fields keep the hash they always had.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, createEngine, createManualClock, defineWorkflow, hashEvent, redactEvent, confidentialFields, type Actor, type Engine, type EventRecord } from '../../../engine/index.js';
import { hashedForm } from '../../../engine/runtime/hash.js';
import { counterWorkflow, clerk } from '../../support/counter-workflow.js';
import { postgresAvailableForSuite } from '../../support/services.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../../support/stores.js';

const backends = [
  { name: 'sqlite', make: freshSqliteStore, enabled: true },
  { name: 'postgres', make: freshPostgresStore, enabled: await postgresAvailableForSuite() },
];

const SECRET = '线人张三';
const LATER = '13900001111';

const ledger = defineWorkflow({
  id: 'ledger',
  version: 1,
  title: '线索登记',
  roles: ['keeper', 'reader'],
  data: {
    type: 'object',
    properties: {
      source: { type: 'string', confidential: { roles: ['keeper'], org: 'sameOrg' } },
      phone: { type: 'string', confidential: ['keeper'] },
      note: { type: 'string' },
    },
  },
  initial: 'open',
  states: {
    open: {
      on: {
        addPhone: { roles: ['keeper'], input: { type: 'object', properties: { phone: { type: 'string' } }, required: ['phone'] }, assign: ['phone'] },
        close: { target: 'closed', roles: ['keeper'] },
      },
    },
    closed: { type: 'final' },
  },
});

const keeper: Actor = { id: 'k1', roles: ['keeper'], org: 'district-a' };

describe.each(backends)('confidential values in the chain on $name', ({ make, enabled }) => {
  let fresh: FreshStore | undefined;
  afterEach(async () => {
    await fresh?.cleanup();
    fresh = undefined;
  });
  async function engine(): Promise<Engine> {
    fresh = await make();
    let n = 0;
    return createEngine({ store: fresh.store, clock: createManualClock('2026-03-02T02:00:00.000Z'), workflows: [counterWorkflow, ledger], newSalt: () => `5a17${(++n).toString(16).padStart(4, '0')}` });
  }

  it.skipIf(!enabled)('salts each confidential value of each event afresh and hashes only its commitment', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'ledger', org: 'district-a', data: { source: SECRET, note: '公开' }, actor: keeper });
    await e.send(c.id, { type: 'addPhone', payload: { phone: LATER } }, keeper);
    const [first, second] = await e.history(c.id);
    expect(Object.keys(first!.salts ?? {}).sort()).toEqual(['payload.data.source', 'state.data.source']);
    expect(Object.keys(second!.salts ?? {}).sort()).toEqual(['payload.phone', 'state.data.phone', 'state.data.source']);
    const all = [...Object.values(first!.salts!), ...Object.values(second!.salts!)];
    expect(new Set(all).size).toBe(all.length);

    for (const event of [first!, second!]) {
      const hashed = canonicalJson(hashedForm(event));
      expect(hashed).not.toContain(SECRET);
      expect(hashed).not.toContain(LATER);
      expect(hashed).toContain('公开');
      expect(hashEvent(event)).toBe(event.hash);
    }
    expect((await e.verify(c.id)).ok).toBe(true);
    expect((await e.replay(c.id)).state.data).toMatchObject({ source: SECRET, phone: LATER });
  });

  it.skipIf(!enabled)('keeps the hash of events without confidential values exactly as before', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'counter', org: 'district-a', data: { count: 0 }, actor: clerk });
    const [event] = await e.history(c.id);
    const { caseId, seq, type, payload, actor, at, idempotencyKey, state, env, prevHash } = event!;
    const legacy = createHash('sha256').update(canonicalJson({ caseId, seq, type, payload, actor, at, idempotencyKey, state, env }) + prevHash, 'utf8').digest('hex');
    expect(event!.salts).toBeUndefined();
    expect(event!.hash).toBe(legacy);
  });

  it.skipIf(!enabled)('gives a redacted copy the same hash, without the value or its salt', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'ledger', org: 'district-a', data: { source: SECRET }, actor: keeper });
    const [event] = await e.history(c.id);
    const fields = confidentialFields((await e.registry.get('ledger')).definition);
    const redacted: EventRecord = redactEvent(event!, fields, () => false);
    expect(JSON.stringify(redacted)).not.toContain(SECRET);
    expect(redacted.salts).toBeUndefined();
    expect(redacted.state.data.source).toEqual({ redacted: true, commitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(hashEvent(redacted)).toBe(event!.hash);
    // A reader allowed to see the field gets the value and its salt back.
    expect(redactEvent(event!, fields, () => true)).toEqual(event);
  });

  it.skipIf(!enabled)('fails verification when a stored salt is changed', async () => {
    const e = await engine();
    const { case: c } = await e.createCase({ workflowId: 'ledger', org: 'district-a', data: { source: SECRET }, actor: keeper });
    await e.send(c.id, { type: 'close' }, keeper);
    const row = (await fresh!.store.knex('event_salts').where({ case_id: c.id, seq: 2 }).first()) as { salts: unknown };
    const salts = (typeof row.salts === 'string' ? JSON.parse(row.salts) : row.salts) as Record<string, string>;
    await fresh!.store.knex('event_salts').where({ case_id: c.id, seq: 2 }).update({ salts: JSON.stringify({ ...salts, 'state.data.source': 'ffff' }) });
    const report = await e.verify(c.id);
    expect(report.failures[0]).toMatchObject({ seq: 2, reason: expect.stringContaining('hash') });
  });
});
