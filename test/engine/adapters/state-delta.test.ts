/** The deltas events store instead of whole states: applying one gives the state after, exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDelta, stateDelta } from '../../../engine/adapters/state-delta.js';

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;
const state = fc.record({ value: fc.oneof(fc.string(), fc.dictionary(fc.string(), fc.string())), data: fc.dictionary(fc.string(), fc.jsonValue()), seq: fc.nat(), deadlines: fc.array(fc.jsonValue()) });

describe('state deltas', () => {
  it('turn the state before into the state after, through JSON, for any pair', () => {
    fc.assert(
      fc.property(state, state, fc.dictionary(fc.string(), fc.jsonValue()), (a, b, payload) => {
        const before = json(a);
        const ops = json(stateDelta(before, b, payload)) as ReturnType<typeof stateDelta>;
        expect(applyDelta(before, ops, json(payload) as Record<string, unknown>)).toEqual(json(b));
        expect(before).toEqual(json(a));
      }),
      { numRuns: 300 },
    );
  });

  it('refer to the event time and actor id for any pair, and refuse those ops without them', () => {
    fc.assert(
      fc.property(state, state, fc.string(), fc.string(), (a, b, at, actorId) => {
        const before = json(a);
        const refs = { at, actorId };
        const ops = json(stateDelta(before, b, undefined, refs)) as ReturnType<typeof stateDelta>;
        expect(applyDelta(before, ops, undefined, refs)).toEqual(json(b));
      }),
      { numRuns: 300 },
    );
    const at = '2026-03-02T02:00:00.000Z';
    const ops = stateDelta({ data: {} }, { data: { acceptedAt: at, acceptedBy: 'u1', note: 'x' } }, undefined, { at, actorId: 'u1' });
    expect(ops).toEqual([[4, ['data', 'acceptedAt']], [5, ['data', 'acceptedBy']], [0, ['data', 'note'], 'x']]);
    expect(() => applyDelta({ data: {} }, ops)).toThrow(TypeError);
  });

  it('treat undefined members as absent, refer to copied payload fields, and keep __proto__ a plain key', () => {
    const before = { data: { a: 1, gone: 2 }, list: [1, 2, 3] };
    const after = { data: { a: 1, gone: undefined, text: '整改到位', __proto__: null }, list: [1, 5] };
    const fixed = JSON.parse('{"data":{"a":1,"text":"整改到位","__proto__":{"x":1}},"list":[1,5]}') as Record<string, unknown>;
    const ops = stateDelta(before, fixed, { text: '整改到位' });
    expect(ops).toContainEqual([3, ['data', 'text']]);
    expect(ops).toContainEqual([1, ['data', 'gone']]);
    expect(JSON.stringify(applyDelta(before, ops, { text: '整改到位' }))).toBe(JSON.stringify(fixed));
    expect(stateDelta({ x: 1 }, { x: 1, y: undefined })).toEqual([]);
    expect(after.list).toEqual([1, 5]);
  });
});
