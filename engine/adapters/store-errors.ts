/**
 * Which database errors mean "unavailable, try again" rather than a bug: the
 * connection was refused, reset or terminated (`pg_terminate_backend`, a
 * restarted server, a failover), the server is starting or shutting down, it
 * has no connection slot, or the pool had none to lend in time. A transaction
 * that failed so was rolled back by the server (or never began), so the
 * caller may retry it; with an idempotency key the retry lands once.
 */
import { StoreUnavailableError } from '../errors.js';

/** SQLSTATE classes and codes of an unreachable server: 08 connection exception, 57P0x operator intervention, 53300 too many connections. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
/** Socket errors on the way to the server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** node-postgres and knex say so in words only. */
const MESSAGES = [/Connection terminated/i, /is not queryable/i, /Timeout acquiring a connection/i, /terminating connection due to administrator command/i];

/** Whether `err` (or its cause) says the database is unreachable just now. */
export function isStoreUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || SOCKET_CODES.has(code))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}

/** `err` as a {@link StoreUnavailableError} when the database is unreachable; undefined otherwise. */
export function asStoreUnavailable(err: unknown): StoreUnavailableError | undefined {
  if (err instanceof StoreUnavailableError) return err;
  if (!isStoreUnavailable(err)) return undefined;
  const code = (err as { code?: unknown }).code;
  return new StoreUnavailableError(typeof code === 'string' ? code : 'connection lost');
}
