/**
 * Structured JSON logs (pino). Every request gets an id (the caller's
 * `x-request-id` when it is sane, else a new UUID), echoed in the answer and
 * written on every log line about that request.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger at `level` (`silent` in tests), writing to stdout or `destination`. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'duban' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
