/**
 * What every route shares: error bodies for bad requests, unknown routes and
 * unexpected failures, request ids, health, readiness, metrics and audit
 * verification streams.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tamperEvent } from '../support/tamper.js';
import { as, expectError, openCase } from './support-http.js';
import { bearer, testServer, type TestServer } from './support.js';

let s: TestServer;
beforeEach(async () => {
  s = await testServer();
});
afterEach(() => s.cleanup());

describe('errors', () => {
  it('answers 404 not_found for an unknown route or method', async () => {
    expectError(await request(s.app).get('/api/v1/nothing'), 404, 'not_found');
    expectError(await request(s.app).delete('/api/v1/cases'), 404, 'not_found');
  });

  it('answers 400 invalid_json, 413 payload_too_large and 415 unsupported_media_type', async () => {
    expectError(await request(s.app).post('/api/v1/cases').set(bearer(s, 'clerk-donghu')).set('Content-Type', 'application/json').send('{"workflowId":'), 400, 'invalid_json');
    expectError(await request(s.app).post('/api/v1/cases').set(bearer(s, 'clerk-donghu')).set('Content-Type', 'application/json').send('"just a string"'), 400, 'invalid_json');
    expectError(await request(s.app).post('/api/v1/cases').set(bearer(s, 'clerk-donghu')).send({ workflowId: 'counter', data: { note: 'x'.repeat(1_100_000) } }), 413, 'payload_too_large');
    expectError(await request(s.app).post('/api/v1/cases').set(bearer(s, 'clerk-donghu')).set('Content-Type', 'text/plain').send('workflowId=counter'), 415, 'unsupported_media_type');
  });

  it('refuses deep nesting, __proto__ keys, NUL characters and unpaired surrogates with 400 invalid_request', async () => {
    const id = await openCase(s, 'clerk-donghu');
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const send = (raw: string) => request(s.app).post(`/api/v1/cases/${id}/events`).set(bearer(s, 'clerk-donghu')).set('Content-Type', 'application/json').send(raw);
    expectError(await send(JSON.stringify({ type: 'note', payload: deep })), 400, 'invalid_request');
    expectError(await send('{"type":"note","payload":{"__proto__":{"polluted":true}}}'), 400, 'invalid_request');
    expectError(await send('{"type":"note","payload":{"text":"a\\u0000b"}}'), 400, 'invalid_request');
    expectError(await send('{"type":"note","payload":{"text":"\\ud800"}}'), 400, 'invalid_request');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await s.engine.verify()).ok).toBe(true);
  });

  it('answers a bare 500 internal_error for an unexpected failure and logs it with the request id', async () => {
    s.engine.store.listCases = () => Promise.reject(new Error('disk on fire'));
    const res = await as(s, 'clerk-donghu').get('/api/v1/cases').set('x-request-id', 'req-42');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    const line = s.logs.find((l) => l.msg === 'unexpected error');
    expect(line).toMatchObject({ reqId: 'req-42', level: 50 });
    expect(JSON.stringify(line)).toContain('disk on fire');
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    expect((await request(s.app).get('/healthz').set('x-request-id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
    expect((await request(s.app).get('/healthz').set('x-request-id', 'bad id <script>')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.logs.some((l) => l.reqId === 'abc-123' && l.route === '/healthz' && l.status === 200)).toBe(true);
  });
});

describe('health, readiness, metrics', () => {
  it('answers healthz and readyz, and readyz 503 not_ready when the database is gone', async () => {
    expect((await request(s.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(s.app).get('/readyz')).body).toEqual({ status: 'ready' });
    await s.fresh.store.close();
    expectError(await request(s.app).get('/readyz'), 503, 'not_ready');
  });

  it('exposes HTTP latency, transitions, cases by workflow and state, and pending timers', async () => {
    const id = await openCase(s, 'clerk-donghu');
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'submit' });
    await openCase(s, 'chief-donghu', { workflowId: 'permit' });
    const text = (await request(s.app).get('/metrics')).text;
    expect(text).toContain('duban_http_request_duration_seconds_count{method="POST",route="/api/v1/cases",status="201"} 2');
    expect(text).toContain('duban_transitions_total{event="submit"} 1');
    expect(text).toContain('duban_cases{workflow="counter",status="active",state="review"} 1');
    expect(text).toMatch(/duban_timers_pending\{status="pending"\} [1-9]/);
  });
});

describe('GET /audit/verify', () => {
  const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('streams progress and a passing result for the whole database, a subtree or one case', async () => {
    const a = await openCase(s, 'clerk-donghu');
    await openCase(s, 'clerk-xishan');
    const all = await as(s, 'auditor').get('/api/v1/audit/verify');
    expect(all.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(lines(all.text).at(-1)).toMatchObject({ type: 'result', ok: true, casesChecked: 2 });
    expect(lines(all.text)[0]).toMatchObject({ type: 'progress', done: 0, total: 2 });
    expect(lines((await as(s, 'auditor-donghu').get('/api/v1/audit/verify')).text).at(-1)).toMatchObject({ ok: true, casesChecked: 1 });
    expect(lines((await as(s, 'auditor').get(`/api/v1/audit/verify?case=${a}`)).text).at(-1)).toMatchObject({ ok: true, casesChecked: 1, eventsChecked: 1 });
    expectError(await as(s, 'clerk-xishan').get(`/api/v1/audit/verify?case=${a}`), 404, 'case_not_found');
  });

  it('reports the first broken link of a tampered case', async () => {
    const a = await openCase(s, 'clerk-donghu');
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${a}/events`, { type: 'note', payload: { text: 'original' } });
    await tamperEvent(s.fresh.store, a, 2, { payload: { text: 'forged' } });
    const result = lines((await as(s, 'auditor').get('/api/v1/audit/verify')).text).at(-1);
    expect(result).toMatchObject({ type: 'result', ok: false, failures: [{ caseId: a, seq: 2 }] });
  });
});
