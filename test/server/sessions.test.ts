/**
 * Issue 8, sessions and start-up: the web session is its own id with idle and
 * absolute expiry, revoked at logout; every form post needs a same-origin
 * Origin (or Referer); sign-ins and writes are rate-limited, across
 * processes through Redis.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { createMetrics } from '../../server/metrics.js';
import { as, expectError, openCase, PAGES_ORIGIN, signIn } from './support-http.js';
import { testServer, type TestServer, type TestServerOptions } from './support.js';
import { redisAvailableForSuite, redisUrl } from '../support/services.js';

let s: TestServer;
const servers: TestServer[] = [];
async function server(opts: TestServerOptions = {}): Promise<TestServer> {
  s = await testServer('sqlite', opts);
  servers.push(s);
  return s;
}
afterEach(async () => {
  for (const x of servers.splice(0)) await x.cleanup();
});

const MINUTE = 60_000;
/** A page as the holder of a cookie: 200, or 303 to the login page when the session is over. */
const tasksPage = (cookie: string) => request(s.app).get('/tasks').set('Cookie', cookie);
const signedIn = async (cookie: string) => (await tasksPage(cookie)).status === 200;

describe('web sessions', () => {
  it('ends a session left idle longer than the idle time, and keeps one in use alive', async () => {
    await server({ config: { DUBAN_SESSION_IDLE: 30 * MINUTE, DUBAN_SESSION_MAX: 12 * 60 * MINUTE } });
    const busy = await signIn(s, s.tokens['clerk-donghu']!);
    const idle = await signIn(s, s.tokens['clerk-donghu']!);
    for (let i = 0; i < 3; i++) {
      s.clock.advance(20 * MINUTE);
      expect(await signedIn(busy)).toBe(true);
    }
    expect(await signedIn(idle)).toBe(false);
    s.clock.advance(31 * MINUTE);
    expect(await signedIn(busy)).toBe(false);
  });

  it('ends a session at its absolute lifetime however much it is used', async () => {
    await server({ config: { DUBAN_SESSION_IDLE: 30 * MINUTE, DUBAN_SESSION_MAX: 60 * MINUTE } });
    const cookie = await signIn(s, s.tokens['clerk-donghu']!);
    s.clock.advance(25 * MINUTE);
    expect(await signedIn(cookie)).toBe(true);
    s.clock.advance(25 * MINUTE);
    expect(await signedIn(cookie)).toBe(true);
    s.clock.advance(11 * MINUTE);
    expect(await signedIn(cookie)).toBe(false);
  });

  it('revokes the session at logout: the same cookie no longer signs in, and the API token still works', async () => {
    await server();
    const cookie = await signIn(s, s.tokens['clerk-donghu']!);
    const out = await request(s.app).post('/logout').set('Cookie', cookie).set('Origin', PAGES_ORIGIN).type('form').send({});
    expect([out.status, out.headers.location]).toEqual([303, '/login']);
    expect(out.headers['set-cookie']![0]).toMatch(/^duban_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
    expect(await signedIn(cookie)).toBe(false);
    expect((await as(s, 'clerk-donghu').get('/api/v1/me')).status).toBe(200);
  });

  it('ends the sessions opened with a token when that token is revoked, and refuses the raw token as a cookie', async () => {
    await server();
    const cookie = await signIn(s, s.tokens['clerk-donghu']!);
    expect(await signedIn(`duban_session=${s.tokens['clerk-donghu']}`)).toBe(false);
    expect(await signedIn(`duban_token=${s.tokens['clerk-donghu']}`)).toBe(false);
    expect((await as(s, 'clerk-donghu').post('/api/v1/tokens/revoke', { token: s.tokens['clerk-donghu'] })).status).toBe(200);
    expect(await signedIn(cookie)).toBe(false);
  });

  it('marks the cookie Secure when a trusted proxy says the request came over HTTPS, and only then', async () => {
    await server({ config: { DUBAN_TRUST_PROXY: true } });
    const login = (proto: string) => request(s.app).post('/login').set('Origin', PAGES_ORIGIN).set('X-Forwarded-Proto', proto).type('form').send({ token: s.tokens['clerk-donghu'] });
    expect((await login('https')).headers['set-cookie']![0]).toMatch(/; Secure$/);
    expect((await login('http')).headers['set-cookie']![0]).not.toContain('Secure');
    await server();
    expect((await login('https')).headers['set-cookie']![0]).not.toContain('Secure');
  });
});

describe('cross-site form posts', () => {
  it('refuses a cookie post without Origin and Referer, with Origin null, unparsable or foreign (403, never 500), and accepts same-origin ones', async () => {
    await server();
    const id = await openCase(s, 'clerk-donghu');
    const cookie = await signIn(s, s.tokens['clerk-donghu']!);
    const post = (headers: { Origin?: string; Referer?: string }) => request(s.app).post(`/cases/${id}/events`).set('Cookie', cookie).set(headers).type('form').send({ _type: 'note', 'p.text': '记' });
    const refusedHeaders: { Origin?: string; Referer?: string }[] = [{}, { Origin: 'null' }, { Origin: 'foo' }, { Origin: 'http://evil.example' }, { Referer: 'http://evil.example/page' }, { Origin: 'null', Referer: `${PAGES_ORIGIN}/cases` }, { Origin: 'javascript:alert(1)' }];
    for (const headers of refusedHeaders) {
      const res = await post(headers);
      expect({ headers, status: res.status, code: res.text.includes('请求不是从本系统页面提交的') }).toEqual({ headers, status: 403, code: true });
    }
    expect((await s.engine.getCase(id)).version).toBe(1);
    expect((await post({ Referer: `${PAGES_ORIGIN}/cases/${id}` })).status).toBe(303);
    expect((await post({ Origin: PAGES_ORIGIN })).status).toBe(303);
    expect((await s.engine.getCase(id)).version).toBe(3);
  });

  it('accepts the request host as its own origin', async () => {
    await server();
    const cookie = await signIn(s, s.tokens['clerk-donghu']!);
    const res = await request(s.app).post('/logout').set('Cookie', cookie).set('Host', 'duban.internal:3000').set('Origin', 'http://duban.internal:3000').type('form').send({});
    expect(res.status).toBe(303);
  });

  it('checks logout and sign-in too: a cross-site logout leaves the session alive', async () => {
    await server();
    const cookie = await signIn(s, s.tokens['clerk-donghu']!);
    const out = await request(s.app).post('/logout').set('Cookie', cookie).type('form').send({});
    expect(out.status).toBe(403);
    expect(await signedIn(cookie)).toBe(true);
    const login = await request(s.app).post('/login').set('Origin', 'https://evil.example').type('form').send({ token: s.tokens['clerk-donghu'] });
    expect([login.status, login.headers['set-cookie']]).toEqual([403, undefined]);
  });

  it('leaves bearer-token API calls alone', async () => {
    await server();
    const res = await request(s.app).post('/api/v1/cases').set('Authorization', `Bearer ${s.tokens['clerk-donghu']}`).set('Origin', 'null').send({ workflowId: 'counter' });
    expect(res.status).toBe(201);
  });
});

describe('rate limits', () => {
  it('answers 429 rate_limited with Retry-After after too many failed sign-ins from one IP; successful ones do not count', async () => {
    await server({ config: { DUBAN_LOGIN_RATE_LIMIT: { limit: 2, windowMs: 15 * MINUTE } } });
    const login = (token: string) => request(s.app).post('/login').set('Origin', PAGES_ORIGIN).type('form').send({ token });
    for (let i = 0; i < 3; i++) expect((await login(s.tokens['clerk-donghu']!)).status).toBe(303);
    expect((await login('wrong-token-aaaaaaaaaaaaaaa')).status).toBe(401);
    expect((await login('wrong-token-aaaaaaaaaaaaaaa')).status).toBe(401);
    const refused = await login(s.tokens['clerk-donghu']!);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['set-cookie']).toBeUndefined();
  });

  it('limits the writes of each user, API and pages together, and leaves reads and other users alone', async () => {
    await server({ config: { DUBAN_WRITE_RATE_LIMIT: { limit: 3, windowMs: MINUTE } } });
    const id = await openCase(s, 'clerk-donghu');
    await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: '记' } });
    const cookie = await signIn(s, s.tokens['clerk-donghu']!);
    expect((await request(s.app).post(`/cases/${id}/events`).set('Cookie', cookie).set('Origin', PAGES_ORIGIN).type('form').send({ _type: 'note', 'p.text': '记' })).status).toBe(303);
    const refused = await as(s, 'clerk-donghu').post(`/api/v1/cases/${id}/events`, { type: 'note', payload: { text: '记' } });
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const page = await request(s.app).post(`/cases/${id}/events`).set('Cookie', cookie).set('Origin', PAGES_ORIGIN).type('form').send({ _type: 'note', 'p.text': '记' });
    expect(page.status).toBe(429);
    expect((await as(s, 'clerk-donghu').get(`/api/v1/cases/${id}`)).status).toBe(200);
    expect((await as(s, 'chief-donghu').post('/api/v1/cases', { workflowId: 'permit' })).status).toBe(201);
    expect((await s.engine.getCase(id)).version).toBe(3);
  });
});

const withRedis = await redisAvailableForSuite();
describe.skipIf(!withRedis)('rate limits in distributed mode', () => {
  it('shares one budget between server processes through Redis', async () => {
    const prefix = `duban-test:${randomBytes(6).toString('hex')}:rl:`;
    const config = { DUBAN_BODY_LIMIT: '1mb', REDIS_URL: redisUrl(), DUBAN_WRITE_RATE_LIMIT: { limit: 2, windowMs: MINUTE } };
    await server({ config, rateLimitPrefix: prefix });
    // A second process: its own app and Redis connection over the same database.
    const other = createApp({ engine: s.engine, people: s.people, outbox: s.outbox, config, logger: createLogger('silent'), metrics: createMetrics(), templates: s.templates, dispatcher: s.notifier.dispatcher, rateLimitPrefix: prefix });
    const redis = new Redis(redisUrl());
    try {
      const open = (app: typeof other) => request(app).post('/api/v1/cases').set('Authorization', `Bearer ${s.tokens['clerk-donghu']}`).send({ workflowId: 'counter' });
      expect((await open(s.app)).status).toBe(201);
      expect((await open(other)).status).toBe(201);
      expectError(await open(s.app), 429, 'rate_limited');
      expectError(await open(other), 429, 'rate_limited');
      expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}write:u:clerk-donghu`]);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      (other.locals.close as () => void)();
    }
  });
});
