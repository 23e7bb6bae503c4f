/**
 * Small supertest helpers: requests as a user, error-code assertions.
 */
import request from 'supertest';
import { expect } from 'vitest';
import { bearer, type TestServer } from './support.js';

/** Requests sent with a user's token. */
export function as(s: TestServer, userId: string) {
  return {
    get: (url: string) => request(s.app).get(url).set(bearer(s, userId)),
    post: (url: string, body?: unknown) => {
      const r = request(s.app).post(url).set(bearer(s, userId));
      return body === undefined ? r : r.send(body as object);
    },
  };
}

/** Asserts an error answer: status, code, and the documented body shape. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: (res.body as { error?: { code?: string } }).error?.code }).toEqual({ status, code });
  expect(typeof (res.body as { error: { message: unknown } }).error.message).toBe('string');
}

/** Where the test pages are reached (the test server's `DUBAN_PUBLIC_URL`): form posts carry it as their `Origin`. */
export const PAGES_ORIGIN = 'https://duban.test';

const signedIn = new WeakMap<TestServer, Map<string, string>>();

/** Signs a user in on the web pages (once per server) and returns the `Cookie` and same-origin `Origin` headers pages and form posts need. */
export async function web(s: TestServer, userId: string): Promise<{ Cookie: string; Origin: string }> {
  let byUser = signedIn.get(s);
  if (!byUser) signedIn.set(s, (byUser = new Map()));
  let cookie = byUser.get(userId);
  if (cookie === undefined) {
    cookie = await signIn(s, s.tokens[userId] ?? `no token for ${userId}`);
    byUser.set(userId, cookie);
  }
  return { Cookie: cookie, Origin: PAGES_ORIGIN };
}

/** Posts the login form with a token and returns the session cookie (`name=value`). */
export async function signIn(s: TestServer, token: string): Promise<string> {
  const res = await request(s.app).post('/login').set('Origin', PAGES_ORIGIN).type('form').send({ token });
  expect(res.status).toBe(303);
  const set = res.headers['set-cookie'] as unknown as string[];
  return set[0]!.split(';')[0]!;
}

/** Opens a case as `userId` and returns its id. */
export async function openCase(s: TestServer, userId: string, body: Record<string, unknown> = { workflowId: 'counter', data: { count: 0 } }): Promise<string> {
  const res = await as(s, userId).post('/api/v1/cases', body);
  expect(res.status).toBe(201);
  return (res.body as { case: { id: string } }).case.id;
}
