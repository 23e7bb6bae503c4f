/**
 * What of the case data one recipient's copy of a notification carries:
 * confidential fields by role and, when the directory knows the org tree, by
 * org scope; hidden values read 「已隐去」, never the value.
 */
import { describe, expect, it } from 'vitest';
import { dataFor } from '../../notifications/index.js';

const PATH = [
  { id: 'g1', level: 'grid' },
  { id: 'donghu', level: 'county' },
  { id: 'jiangzhou', level: 'city' },
];
const DATA = { tipsterName: '王举报', description: '消防通道被占用' };

describe('dataFor', () => {
  it('hides a field from a recipient without its roles, as 「已隐去」 in Chinese and [redacted] in English', () => {
    expect(dataFor(DATA, { tipsterName: ['tipOffOfficer'] }, ['enterpriseSafetyOfficer'])).toEqual({ tipsterName: '「已隐去」', description: '消防通道被占用' });
    expect(dataFor(DATA, { tipsterName: ['tipOffOfficer'] }, ['gridOfficer'], [], { org: 'g1', caseOrgPath: PATH, locale: 'en' }).tipsterName).toBe('[redacted]');
    expect(dataFor(DATA, { tipsterName: ['tipOffOfficer'] }, ['tipOffOfficer']).tipsterName).toBe('王举报');
  });

  it('applies the org scope when the org tree is known', () => {
    const rule = { tipsterName: { roles: ['tipOffOfficer'], org: 'sameOrg' as const } };
    expect(dataFor(DATA, rule, ['tipOffOfficer'], [], { org: 'g1', caseOrgPath: PATH }).tipsterName).toBe('王举报');
    expect(dataFor(DATA, rule, ['tipOffOfficer'], [], { org: 'donghu', caseOrgPath: PATH }).tipsterName).toBe('「已隐去」');
    // A holder of the role outside the case's ancestry (another district) does not read it.
    expect(dataFor(DATA, { tipsterName: ['tipOffOfficer'] }, ['tipOffOfficer'], [], { org: 'xishan', caseOrgPath: PATH }).tipsterName).toBe('「已隐去」');
    // Without the org tree, a scope narrower than the jurisdiction fails closed.
    expect(dataFor(DATA, rule, ['tipOffOfficer']).tipsterName).toBe('「已隐去」');
  });

  it('fills unset schema fields with null so strict templates can read them', () => {
    expect(dataFor({}, { tipsterName: ['tipOffOfficer'] }, [], ['tipsterName', 'description'])).toEqual({ tipsterName: null, description: null });
  });
});
