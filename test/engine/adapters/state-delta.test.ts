/** The deltas events store instead of whole states: applying one gives the state after, exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDelta, stateDelta, storedDelta, type DeltaOp } from '../../../engine/adapters/state-delta.js';

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
    expect(ops).toEqual([[4, 'data.acceptedAt'], [5, 'data.acceptedBy'], [0, 'data.note', 'x']]);
    expect(() => applyDelta({ data: {} }, ops)).toThrow(TypeError);
  });

  it('treat undefined members as absent, refer to copied payload fields, and keep __proto__ a plain key', () => {
    const before = { data: { a: 1, gone: 2 }, list: [1, 2, 3] };
    const after = { data: { a: 1, gone: undefined, text: '整改到位', __proto__: null }, list: [1, 5] };
    const fixed = JSON.parse('{"data":{"a":1,"text":"整改到位","__proto__":{"x":1}},"list":[1,5]}') as Record<string, unknown>;
    const ops = stateDelta(before, fixed, { text: '整改到位' });
    expect(ops).toContainEqual([3, 'data.text']);
    expect(ops).toContainEqual([1, 'data.gone']);
    expect(JSON.stringify(applyDelta(before, ops, { text: '整改到位' }))).toBe(JSON.stringify(fixed));
    expect(stateDelta({ x: 1 }, { x: 1, y: undefined })).toEqual([]);
    expect(after.list).toEqual([1, 5]);
  });

  it('keep exact with keys holding dots, digits or nothing, with payload and refs together', () => {
    const key = fc.constantFrom('a', 'b.c', '0', '1', '', 'x.y', 'at');
    const tree = fc.letrec((t) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.dictionary(key, t('node'), { maxKeys: 4 }), fc.array(t('node'), { maxLength: 3 })),
    })).node;
    const side = fc.record({ value: fc.string(), data: fc.dictionary(key, tree, { maxKeys: 5 }), deadlines: fc.array(fc.dictionary(key, tree, { maxKeys: 4 }), { maxLength: 2 }) });
    fc.assert(
      fc.property(side, side, fc.dictionary(key, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }), (a, b, payload) => {
        const before = json(a);
        // Data fields copied from the payload, and some set to the event's time and actor.
        const after = json({ ...b, data: { ...b.data, ...payload, when: 'T', who: 'u1' } });
        const refs = { at: 'T', actorId: 'u1' };
        const ops = json(stateDelta(before, after, json(payload) as Record<string, unknown>, refs)) as DeltaOp[];
        expect(applyDelta(before, ops, json(payload) as Record<string, unknown>, refs)).toEqual(after);
      }),
      { numRuns: 300 },
    );
  });

  it('group the fields one step sets: one op for the copied payload, one for the plain values, one per reference', () => {
    const at = '2026-03-02T02:00:00.000Z';
    const payload = { grade: 'general', unit: '设备科' };
    const after = { value: 'graded', seq: 4, data: { grade: 'general', unit: '设备科', a: null, b: 0, gradedAt: at, checkedAt: at, gradedBy: 'u1' } };
    const ops = stateDelta({ value: 'new', seq: 3, data: {} }, after, payload, { at, actorId: 'u1' });
    expect(ops).toEqual([[7, 'data'], [8, 'data', ['gradedAt', 'checkedAt']], [5, 'data.gradedBy'], [6, 'data', { a: null, b: 0 }], [6, [], { value: 'graded', seq: 4 }]]);
    expect(applyDelta({ value: 'new', seq: 3, data: {} }, ops, payload, { at, actorId: 'u1' })).toEqual(after);
    // Only some payload fields copied: named.
    expect(stateDelta({ data: {} }, { data: { grade: 'general' } }, { grade: 'general', unit: 'x', other: 1 })).toEqual([[3, 'data.grade']]);
    expect(stateDelta({ data: {} }, { data: { grade: 'general', unit: 'x' } }, { grade: 'general', unit: 'x', other: 1 })).toEqual([[7, 'data', ['grade', 'unit']]]);
    expect(() => applyDelta({ data: {} }, [[7, 'data']])).toThrow(TypeError);
  });

  it('store a nested value whole when that is shorter than its changes', () => {
    const old = { key: 'a#x', stateId: 'a', deadlineId: 'x', startSeq: 2, dueAt: '2026-03-05', status: 'running' };
    const next = { key: 'b#y', stateId: 'b', deadlineId: 'y', startSeq: 6, dueAt: '2026-03-09', status: 'running' };
    const ops = stateDelta({ deadlines: [old] }, { deadlines: [next] });
    expect(ops).toEqual([[6, 'deadlines.0', { key: 'b#y', stateId: 'b', deadlineId: 'y', startSeq: 6, dueAt: '2026-03-09' }]]);
    // One field changed: that field alone.
    expect(stateDelta({ deadlines: [old] }, { deadlines: [{ ...old, status: 'paused' }] })).toEqual([[0, 'deadlines.0.status', 'paused']]);
  });

  it('read the form stored from migration 014 to 026 ({ $delta }, array paths) as before', () => {
    const stored = JSON.parse('{"$delta":[[0,["value"],"b"],[3,["data","note"]],[4,["data","at"]],[5,["data","by"]],[1,["data","gone"]],[2,["list"],1],[0,["list",1],{"x":1}]]}') as unknown;
    const ops = storedDelta(stored)!;
    const before = { value: 'a', data: { gone: 1 }, list: [1, 2, 3] };
    expect(applyDelta(before, ops, { note: '整改' }, { at: 'T', actorId: 'u1' })).toEqual({ value: 'b', data: { note: '整改', at: 'T', by: 'u1' }, list: [1, { x: 1 }] });
    // A full state is an object without the marker; the current form is a bare array.
    expect(storedDelta({ value: 'a', data: {} })).toBeUndefined();
    expect(storedDelta([[0, 'value', 'b']])).toEqual([[0, 'value', 'b']]);
  });

  it('store a deadline the event started by what differs from a fresh one, and rebuild it exactly', () => {
    const at = '2026-03-02T02:00:00.000Z';
    const fresh = {
      key: 'reported#triage', stateId: 'reported', deadlineId: 'triage', startSeq: 2, calendar: { id: 'cn', version: 1 }, startedAt: at,
      baseDueAt: '2026-03-05T16:00:00.000Z', dueAt: '2026-03-05T16:00:00.000Z', dueDate: '2026-03-05', status: 'running',
      pausedDays: 0, pausedMs: 0, extensions: [], reminded: 0, escalated: 0, generation: 0,
    };
    const refs = { at, actorId: 'u1', seq: 2 };
    const ops = stateDelta({ deadlines: [] }, { deadlines: [fresh] }, undefined, refs);
    expect(ops).toEqual([[10, 'deadlines.0', { stateId: 'reported', deadlineId: 'triage', dueAt: fresh.dueAt, calendar: { id: 'cn', version: 1 }, dueDate: '2026-03-05' }]]);
    expect(applyDelta({ deadlines: [] }, json(ops) as DeltaOp[], undefined, refs)).toEqual({ deadlines: [fresh] });
    expect(() => applyDelta({ deadlines: [] }, ops, undefined, { at, actorId: 'u1' })).toThrow(TypeError);
    // Started by an earlier event: that seq is stored. Missing a member a fresh one has: stored whole.
    expect(stateDelta({ deadlines: [] }, { deadlines: [fresh] }, undefined, { ...refs, seq: 3 })[0]).toEqual([10, 'deadlines.0', expect.objectContaining({ startSeq: 2 })]);
    const { pausedMs: _, ...partial } = fresh;
    expect(stateDelta({ deadlines: [] }, { deadlines: [partial] }, undefined, refs)[0]![0]).toBe(0);

    const deadline = fc.record({
      stateId: fc.constantFrom('a', 'b.c'), deadlineId: fc.constantFrom('x', 'y'), dueAt: fc.constantFrom('D1', 'D2'), startSeq: fc.constantFrom(2, 3),
      startedAt: fc.constantFrom(at, 'other'), status: fc.constantFrom('running', 'paused'), reminded: fc.nat(2), extensions: fc.array(fc.nat(), { maxLength: 1 }),
      key: fc.constantFrom('a#x', 'b.c#y', 'k'), baseDueAt: fc.constantFrom('D1', 'D2'), pausedDays: fc.constant(0), pausedMs: fc.constant(0), escalated: fc.constant(0), generation: fc.nat(1),
    }, { requiredKeys: ['stateId', 'deadlineId', 'dueAt'] });
    fc.assert(
      fc.property(fc.array(deadline, { maxLength: 2 }), fc.array(deadline, { maxLength: 3 }), (a, b) => {
        const before = json({ deadlines: a });
        const after = json({ deadlines: b });
        const stored = json(stateDelta(before, after, undefined, refs)) as DeltaOp[];
        expect(applyDelta(before, stored, undefined, refs)).toEqual(after);
      }),
      { numRuns: 500 },
    );
  });
});
