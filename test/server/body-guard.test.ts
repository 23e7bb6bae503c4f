/**
 * The body guard names the first hostile value of a parsed body by its path,
 * however deep, and passes everything else.
 */
import { describe, expect, it } from 'vitest';
import { findHostileValue, MAX_BODY_DEPTH } from '../../server/body-guard.js';

describe('findHostileValue', () => {
  it('passes plain JSON', () => {
    expect(findHostileValue({ type: 'note', payload: { text: '隐患', list: [1, 2.5, null, true, { a: '' }] } })).toBeUndefined();
    expect(findHostileValue(undefined)).toBeUndefined();
  });

  it('names the path of a bad string, number or key', () => {
    expect(findHostileValue({ payload: { list: ['ok', 'a\u0000b'] } })).toEqual({ path: ['payload', 'list', 1], message: expect.stringContaining('NUL') });
    expect(findHostileValue({ payload: { n: [Infinity] } })?.path).toEqual(['payload', 'n', 0]);
    expect(findHostileValue(JSON.parse('{"payload":{"__proto__":{"x":1}}}'))?.path).toEqual(['payload', '__proto__']);
    expect(findHostileValue({ payload: { ['k\uD800']: 1 } })?.path).toEqual(['payload', 'k\uD800']);
  });

  it(`refuses nesting deeper than ${MAX_BODY_DEPTH} levels`, () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_BODY_DEPTH; i++) deep = [deep];
    expect(findHostileValue(deep)).toBeUndefined();
    const problem = findHostileValue([deep]);
    expect(problem?.message).toContain(`${MAX_BODY_DEPTH}`);
    expect(problem?.path).toHaveLength(MAX_BODY_DEPTH);
  });
});
