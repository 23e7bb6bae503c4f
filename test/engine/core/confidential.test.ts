/**
 * Who may read a confidential field (roles and org scope), where its values
 * sit in an event, and the load-time checks of declarations.
 */
import { describe, expect, it } from 'vitest';
import { confidentialFields, confidentialPaths, mayRead, redactData, validateDefinition, type OrgStep } from '../../../engine/index.js';

/** A grid case's org ancestry: grid → township → county → city. */
const PATH: OrgStep[] = [
  { id: 'g1', level: 'grid' },
  { id: 'qingshui', level: 'township' },
  { id: 'donghu', level: 'county' },
  { id: 'jiangzhou', level: 'city' },
];

function definition(data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: 'demo', version: 1, title: '演示', roles: ['officer', 'clerk'],
    data: { type: 'object', properties: data }, initial: 'open',
    states: { open: { on: { close: { target: 'done', roles: ['officer'], ...extra } } }, done: { type: 'final' } },
  };
}

describe('mayRead', () => {
  it('needs one of the roles and an org within the scope', () => {
    const juris = { roles: ['officer'], org: 'jurisdiction' } as const;
    expect(mayRead(juris, { roles: ['officer'], org: 'donghu' }, PATH)).toBe(true);
    expect(mayRead(juris, { roles: ['officer'], org: 'g1' }, PATH)).toBe(true);
    expect(mayRead(juris, { roles: ['clerk'], org: 'donghu' }, PATH)).toBe(false);
    expect(mayRead(juris, { roles: ['officer'], org: 'xishan' }, PATH)).toBe(false);
    expect(mayRead(juris, { roles: ['officer'] }, PATH)).toBe(false);
  });

  it('limits sameOrg to the case org and levels to the named levels above it', () => {
    expect(mayRead({ roles: ['officer'], org: 'sameOrg' }, { roles: ['officer'], org: 'g1' }, PATH)).toBe(true);
    expect(mayRead({ roles: ['officer'], org: 'sameOrg' }, { roles: ['officer'], org: 'donghu' }, PATH)).toBe(false);
    const county = { roles: ['officer'], org: { levels: ['county' as const] } };
    expect(mayRead(county, { roles: ['officer'], org: 'donghu' }, PATH)).toBe(true);
    expect(mayRead(county, { roles: ['officer'], org: 'qingshui' }, PATH)).toBe(false);
  });
});

describe('confidential values in data and events', () => {
  const fields = confidentialFields({ data: { properties: { secret: { confidential: ['officer'] }, open: {} } } });

  it('replaces what the reader may not see by a stable marker, never null', () => {
    expect(redactData({ secret: 'x', open: 'y' }, fields, () => false)).toEqual({ secret: { redacted: true }, open: 'y' });
    expect(redactData({ secret: 'x', open: 'y' }, fields, () => true)).toEqual({ secret: 'x', open: 'y' });
    expect(redactData({ open: 'y' }, fields, () => false)).toEqual({ open: 'y' });
  });

  it('finds the values in the creation payload, a payload field of the same name and the recorded state', () => {
    expect(confidentialPaths({ type: 'case.created', payload: { data: { secret: 'x' } }, state: { data: { secret: 'x' } } }, fields)).toEqual(['payload.data.secret', 'state.data.secret']);
    expect(confidentialPaths({ type: 'close', payload: { secret: null }, state: { data: {} } }, fields)).toEqual(['payload.secret']);
    expect(confidentialPaths({ type: 'close', payload: {}, state: { data: { open: 'y' } } }, fields)).toEqual([]);
  });
});

describe('declarations', () => {
  const codes = (def: unknown) => {
    const r = validateDefinition(def);
    return r.ok ? [] : r.issues.map((i) => [i.code, i.path.join('.')]);
  };

  it('accepts roles with an org scope, and the short list of roles', () => {
    expect(codes(definition({ a: { type: 'string', confidential: { roles: ['officer'], org: { levels: ['county'] } } }, b: { type: 'string', confidential: ['clerk'] } }))).toEqual([]);
  });

  it('refuses unknown roles, unknown scopes, and declarations below the top level or in inputs', () => {
    expect(codes(definition({ a: { type: 'string', confidential: { roles: ['nobody'] } } }))).toEqual([['undeclared_role', 'data.properties.a.confidential.roles.0']]);
    expect(codes(definition({ a: { type: 'string', confidential: { roles: ['officer'], org: 'everywhere' } } }))[0]?.[1]).toMatch(/^data\.properties\.a\.confidential/);
    expect(codes(definition({ a: { type: 'object', properties: { b: { type: 'string', confidential: ['officer'] } } } }))).toEqual([['invalid_confidential', 'data.properties.a.properties.b.confidential']]);
    expect(codes(definition({}, { input: { type: 'object', properties: { x: { type: 'string', confidential: ['officer'] } } } }))).toEqual([['invalid_confidential', 'states.open.on.close.input.properties.x.confidential']]);
  });

  it('refuses steps that copy a confidential value into the clear', () => {
    const leak = definition({ secret: { type: 'string', confidential: ['officer'] }, open: { type: 'string' } }, { assign: { open: { var: 'data.secret' } } });
    expect(codes(leak)).toEqual([['confidential_leak', 'states.open.on.close.assign.open']]);
    const renamed = definition({ secret: { type: 'string', confidential: ['officer'] } }, { input: { type: 'object', properties: { name: { type: 'string' } } }, assign: { secret: { var: 'payload.name' } } });
    expect(codes(renamed)).toEqual([['confidential_leak', 'states.open.on.close.assign.secret']]);
  });
});
