/**
 * Throws malformed and hostile bodies at every write route (seeded, so a
 * failure replays): wrong types, huge strings, deep nesting, prototype keys,
 * unknown events, SQL fragments, NUL characters, broken JSON. Every answer is
 * a success or a 4xx with a documented code, never a 5xx; the server stays up,
 * nothing leaks into `Object.prototype`, and audit verification still passes.
 */
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../../server/http-errors.js';
import { bearer, testServer, type TestServer } from './support.js';
import { openCase } from './support-http.js';

const SEED = Number(process.env.DUBAN_FUZZ_SEED ?? 20_260_302);
const RUNS = Number(process.env.DUBAN_FUZZ_RUNS ?? 120);

const SQL = ["'; DROP TABLE cases; --", '" OR 1=1 --', "1); DELETE FROM case_events WHERE (1=1", '%_\\', "$$; TRUNCATE case_events; $$"];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'type', 'payload', 'text', 'workflowId', 'data', 'org', 'id', 'roles', 'hasOwnProperty'];

const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(...SQL),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff x', '😀', '隐患', ''),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
);
const leaf = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie('node'), { maxKeys: 4 }),
})).node;
const deep = fc.tuple(fc.integer({ min: 20, max: 3_000 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});
const objectBody = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), fc.oneof(value, deep), { maxKeys: 5 });
/** Bodies as raw text: valid JSON of any shape, JSON with a raw `__proto__` key, or broken JSON. */
const rawBody = fc.oneof(
  objectBody.map((b) => JSON.stringify(b)),
  fc.oneof(value, deep).map((v) => JSON.stringify(v) ?? 'null'),
  fc.record({ type: fc.oneof(hostileString, fc.constantFrom('note', 'submit', 'approve', 'deadline.due', 'deadline.extend', 'case.created')), payload: fc.oneof(value, objectBody) }).map((b) => JSON.stringify(b)),
  value.map((v) => `{"__proto__":${JSON.stringify(v) ?? 'null'},"type":"note"}`),
  fc.string({ maxLength: 50 }).map((t) => `{"type":${t}`),
  fc.constantFrom('', '{', '[1,2', '{"a":1}}', 'nul', '{"a":1e999}', '\u0000'),
);

describe('fuzzing the write routes', () => {
  let s: TestServer;
  let caseId: string;
  beforeAll(async () => {
    s = await testServer();
    caseId = await openCase(s, 'clerk-donghu');
  });
  afterAll(() => s.cleanup());

  it(`answers every hostile body with a success or a documented 4xx (seed ${SEED})`, async () => {
    const targets: { path: string; user: string }[] = [
      { path: '/api/v1/cases', user: 'clerk-donghu' },
      { path: `/api/v1/cases/${caseId}/events`, user: 'clerk-donghu' },
      { path: `/api/v1/cases/${caseId}/events`, user: 'chief-donghu' },
      { path: '/api/v1/workflows', user: 'admin' },
      { path: '/api/v1/workflows/validate', user: 'clerk-donghu' },
      { path: '/api/v1/calendars', user: 'admin' },
      { path: '/api/v1/calendars/cn/years', user: 'admin' },
      { path: '/api/v1/orgs', user: 'admin' },
      { path: '/api/v1/users', user: 'admin' },
      { path: '/api/v1/users/clerk-donghu/tokens', user: 'admin-donghu' },
      { path: '/api/v1/tokens/revoke', user: 'clerk-xishan' },
      { path: `/api/v1/notifications/${encodeURIComponent(`${caseId}/1/0`)}/ack`, user: 'clerk-donghu' },
      { path: `/api/v1/notifications/${encodeURIComponent(`${caseId}/1/0`)}/read`, user: 'clerk-donghu' },
      { path: '/api/v1/notifications/read-all', user: 'clerk-donghu' },
      { path: `/api/v1/admin/outbox/${encodeURIComponent(`${caseId}/1/0`)}/retry`, user: 'admin' },
    ];
    const codes = new Set<string>(API_ERROR_CODES);
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), rawBody, fc.option(hostileString.filter((k) => k.length < 300)), async (target, body, key) => {
        const req = request(s.app).post(target.path).set(bearer(s, target.user)).set('Content-Type', 'application/json');
        if (key !== null) {
          // Header values must be ISO-8859-1 without line breaks, or the HTTP client refuses to send them.
          if (/^[\x20-\x7e]*$/.test(key)) req.set('Idempotency-Key', key);
        }
        const res = await req.send(body);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        if (res.status >= 300) {
          expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
          expect(codes.has((res.body as { error: { code: string } }).error.code)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    if (process.env.DUBAN_FUZZ_VERBOSE) console.log(Object.fromEntries(seen));
    expect([...seen.keys()].some((st) => st >= 400)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect((await request(s.app).get('/healthz')).status).toBe(200);
    const report = await s.engine.verify();
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('stores SQL fragments, NUL-free control text and emoji as given, byte for byte', async () => {
    const caseId = await openCase(s, 'clerk-donghu');
    for (const text of [...SQL, '😀 隐患 \t tab', '\\u0000 (escaped, not a NUL)']) {
      const res = await request(s.app).post(`/api/v1/cases/${caseId}/events`).set(bearer(s, 'clerk-donghu')).send({ type: 'note', payload: { text } });
      expect(res.status).toBe(200);
      expect(res.body.case.data.lastNote).toBe(text);
    }
    expect((await s.engine.verify(caseId)).ok).toBe(true);
  });
});
