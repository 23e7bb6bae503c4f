/**
 * Structured JSON logs (pino). Every request gets an id (the caller's
 * `x-request-id` when it is sane, else a new UUID), echoed in the answer and
 * written on every log line about that request.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values never reach a log line: case data, event payloads and
 * states and the salts of confidential values (a tipster's name must not
 * leak through an error dump), and request bodies. Logs say which case and
 * event, never what they hold.
 */
export const LOG_REDACT_PATHS = ['data', 'payload', 'state', 'salts', 'body', '*.data', '*.payload', '*.state', '*.salts', '*.body', 'err.details', '*.vars'];

/** Creates the process logger at `level` (`silent` in tests), writing to stdout or `destination`. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'duban' }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: LOG_REDACT_PATHS, censor: '[已隐去]' } }, destination);
}
