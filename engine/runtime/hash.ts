/**
 * The audit chain: each event's hash is sha256 over the canonical JSON
 * (RFC 8785) of the event and the previous event's hash, so changing any
 * stored field of any event breaks every hash after it.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { EventRecord } from '../ports.js';

// The package is CommonJS (`module.exports = fn`); its typings describe an ES default export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** `prevHash` of a case's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON text (sorted keys, normalised numbers). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised');
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Computes the hash of an event from every recorded field but the hash itself. */
export function hashEvent(event: Omit<EventRecord, 'hash'>): string {
  const { caseId, seq, type, payload, actor, at, idempotencyKey, state, env, prevHash } = event;
  return sha256Hex(canonicalJson({ caseId, seq, type, payload, actor, at, idempotencyKey, state, env }) + prevHash);
}

/** Content hash of a workflow definition. */
export function hashDefinition(definition: unknown): string {
  return sha256Hex(canonicalJson(definition));
}
