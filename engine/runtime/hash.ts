/**
 * The audit chain: each event's hash is sha256 over the canonical JSON
 * (RFC 8785) of the event and the previous event's hash, so changing any
 * stored field of any event breaks every hash after it.
 *
 * Confidential values (see `engine/core/confidential.ts`) enter the hash as a
 * commitment: in the *hashed form* of the event each one is replaced by
 * `{ "redacted": true, "commitment": sha256(salt ‖ canonical(value)) }`, with
 * a fresh random salt per value per event, stored beside the event (never in
 * the hashed form). A redacted copy carries exactly that marker, so it hashes
 * the same without the value or the salt; a full copy carries value and salt
 * and is checked by recomputing the marker. An event without salts (no
 * confidential field, or written before commitments existed) hashes as it
 * always did.
 */
import { createHash, randomBytes } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { confidentialPaths, fieldOfPath, REDACTED, valueAtPath, withValueAtPath, type ConfidentialFields, type RedactedValue } from '../core/confidential.js';
import type { EventRecord } from '../ports.js';

// The package is CommonJS (`module.exports = fn`); its typings describe an ES default export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** `prevHash` of a case's first event (defined with the event record, in the ports). */
export { GENESIS_HASH } from '../ports.js';

/** Canonical JSON text (sorted keys, normalised numbers). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised');
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Computes the hash of an event from every recorded field but the hash itself
 * (and the salts), with each salted value replaced by its commitment.
 */
export function hashEvent(event: Omit<EventRecord, 'hash'>): string {
  const { caseId, seq, type, actor, at, idempotencyKey, env, prevHash } = event;
  const { payload, state } = hashedForm(event);
  return sha256Hex(canonicalJson({ caseId, seq, type, payload, actor, at, idempotencyKey, state, env }) + prevHash);
}

/** `sha256(salt ‖ canonical JSON of value)`, hex: what the chain commits to for a confidential value. */
export function commitmentOf(salt: string, value: unknown): string {
  return sha256Hex(salt + canonicalJson(value));
}

/** A fresh salt: 16 random bytes, hex. The engine's default `newSalt`. */
export function randomSalt(): string {
  return randomBytes(16).toString('hex');
}

/** The payload and state as the hash sees them: each salted value replaced by its commitment marker. */
export function hashedForm(event: Pick<EventRecord, 'payload' | 'state' | 'salts'>): Pick<EventRecord, 'payload' | 'state'> {
  let { payload, state } = event;
  for (const [path, salt] of Object.entries(event.salts ?? {})) {
    const [root, ...rest] = path.split('.');
    const mark = (v: unknown): RedactedValue => ({ redacted: true, commitment: commitmentOf(salt, v) });
    if (root === 'payload') payload = withValueAtPath(payload, rest.join('.'), mark(valueAtPath(payload, rest.join('.'))));
    else if (root === 'state') state = withValueAtPath(state, rest.join('.'), mark(valueAtPath(state, rest.join('.'))));
  }
  return { payload, state };
}

/**
 * Signs a new event: a fresh salt for each confidential value it records
 * (none when the definition has no confidential field), then the hash.
 */
export function signEvent(unsigned: Omit<EventRecord, 'hash' | 'salts'>, fields: ConfidentialFields, newSalt: () => string): EventRecord {
  const paths = confidentialPaths(unsigned, fields);
  const salted = paths.length === 0 ? unsigned : { ...unsigned, salts: Object.fromEntries(paths.map((p) => [p, newSalt()])) };
  return { ...salted, hash: hashEvent(salted) };
}

/**
 * The event as a reader sees it: each confidential value whose field the
 * reader may not read is replaced by its commitment marker and its salt
 * dropped; readable values keep their salts, so the hash still recomputes.
 * A value recorded before commitments existed (no salt) becomes a bare
 * `{ redacted: true }`: hidden, though that event no longer verifies.
 */
export function redactEvent(event: EventRecord, fields: ConfidentialFields, canRead: (field: string) => boolean): EventRecord {
  const hidden = confidentialPaths(event, fields).filter((p) => !canRead(fieldOfPath(p)));
  if (hidden.length === 0) return event;
  const salts = event.salts ?? {};
  const salted = hidden.filter((p) => Object.hasOwn(salts, p));
  let { payload, state } = hashedForm({ payload: event.payload, state: event.state, salts: Object.fromEntries(salted.map((p) => [p, salts[p]!])) });
  for (const p of hidden.filter((x) => !Object.hasOwn(salts, x))) {
    const [root, ...rest] = p.split('.');
    if (root === 'payload') payload = withValueAtPath(payload, rest.join('.'), { ...REDACTED });
    else state = withValueAtPath(state, rest.join('.'), { ...REDACTED });
  }
  const kept = Object.fromEntries(Object.entries(salts).filter(([p]) => !hidden.includes(p)));
  const { salts: _all, ...rest } = event;
  return { ...rest, payload, state, ...(Object.keys(kept).length > 0 ? { salts: kept } : {}) };
}

/** Content hash of a workflow definition. */
export function hashDefinition(definition: unknown): string {
  return sha256Hex(canonicalJson(definition));
}
