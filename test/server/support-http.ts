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

/** Opens a case as `userId` and returns its id. */
export async function openCase(s: TestServer, userId: string, body: Record<string, unknown> = { workflowId: 'counter', data: { count: 0 } }): Promise<string> {
  const res = await as(s, userId).post('/api/v1/cases', body);
  expect(res.status).toBe(201);
  return (res.body as { case: { id: string } }).case.id;
}
