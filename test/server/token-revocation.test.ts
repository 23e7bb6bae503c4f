/**
 * Token → actor resolution is cached, and revocation still holds: a revoked
 * token is refused at once by the process that revoked it, and within a
 * second (of the clock) by another process on the same database, which reads
 * the revocation count at most once a second instead of the token per request.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { REVOCATION_CHECK_MS } from '../../server/access.js';
import { createApp } from '../../server/app.js';
import { createKnexPeopleStore } from '../../server/knex-people.js';
import { createLogger } from '../../server/logger.js';
import { createMetrics } from '../../server/metrics.js';
import type { PeopleStore } from '../../server/people-ports.js';
import type { KnexStore } from '../../engine/index.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { testServer, type TestServer } from './support.js';

const withPostgres = await postgresAvailableForSuite();

/** A people store that counts the calls made to it. */
function counting(people: PeopleStore): { people: PeopleStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const wrapped = new Proxy(people, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        calls[key] = (calls[key] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { people: wrapped, calls };
}

describe.each([
  { backend: 'sqlite' as const, enabled: true },
  { backend: 'postgres' as const, enabled: withPostgres },
])('API tokens on $backend', ({ backend, enabled }) => {
  let s: TestServer;
  let second: KnexStore | undefined;
  afterEach(async () => {
    await second?.close();
    second = undefined;
    await s?.cleanup();
  });

  const me = (app: Parameters<typeof request>[0], token: string) => request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
  const revoke = (app: Parameters<typeof request>[0], token: string) => request(app).post('/api/v1/tokens/revoke').set('Authorization', `Bearer ${token}`).send({ token });

  it.skipIf(!enabled)('refuses a revoked token at once in the process that revoked it', async () => {
    s = await testServer(backend);
    const token = s.tokens['clerk-donghu']!;
    expect((await me(s.app, token)).status).toBe(200);
    expect((await revoke(s.app, token)).body).toMatchObject({ revoked: true });
    const after = await me(s.app, token);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
  });

  it.skipIf(!enabled)('reads neither the token nor the user per request, and another process refuses a revoked token within a second', async () => {
    s = await testServer(backend);
    const token = s.tokens['clerk-donghu']!;
    // Another process: its own connection to the same database, its own app and token cache, the same (manual) clock.
    second = s.fresh.reopen();
    const { people, calls } = counting(createKnexPeopleStore(second));
    const other = createApp({ engine: s.engine, people, outbox: s.outbox, config: { DUBAN_BODY_LIMIT: '1mb' }, logger: createLogger('silent'), metrics: createMetrics(), templates: s.templates, dispatcher: s.notifier.dispatcher, web: false });
    try {
      for (let i = 0; i < 5; i++) expect((await me(other, token)).status).toBe(200);
      expect(calls.findToken).toBe(1);
      expect(calls.getUser).toBe(1);
      expect(calls.tokenRevocations).toBe(1);

      expect((await revoke(s.app, token)).body).toMatchObject({ revoked: true });
      // Until the second is up, the other process may still answer from its cache (it reads nothing per request)…
      s.clock.advance(REVOCATION_CHECK_MS - 1);
      expect((await me(other, token)).status).toBe(200);
      expect(calls.tokenRevocations).toBe(1);
      // …and once it is, it looks at the revocation count, drops its cache and refuses the token.
      s.clock.advance(1);
      const refused = await me(other, token);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthenticated');
      expect(calls.tokenRevocations).toBe(2);
      // A token nobody revoked is still accepted there (read again once).
      expect((await me(other, s.tokens['chief-donghu']!)).status).toBe(200);
    } finally {
      (other.locals.close as () => void)();
    }
  });
});
