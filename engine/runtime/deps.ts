/**
 * What the runtime functions share: the store, the clock, the registry and an
 * id generator.
 */
import type { Effect } from '../core/effects.js';
import type { Clock, EngineStore, EventRecord, OrgResolver } from '../ports.js';
import type { CalendarService } from './calendars.js';
import type { WorkflowRegistry } from './registry.js';

export interface EngineDeps {
  /** What the runtime needs of the store (the engine's port; listings and the outbox are not part of it). */
  store: EngineStore;
  clock: Clock;
  registry: WorkflowRegistry;
  calendars: CalendarService;
  /** The org tree, for resolving definitions up a case's ancestry and checking the orgs steps name; none: nothing is checked. */
  orgs?: OrgResolver | undefined;
  newId: () => string;
  /** A fresh random salt for each confidential value an event records (the core never makes randomness). */
  newSalt: () => string;
  /** Which definition version each case is pinned to (never changes), so a send need not read the case twice. */
  pins: Map<string, { workflowId: string; version: number }>;
  /** Called after each committed step (never inside the transaction). */
  afterCommit?: (committed: { event: EventRecord; effects: Effect[] }) => void;
}

/** How often a send without `expectedVersion` re-reads and retries after a concurrent write. */
export const MAX_SEND_ATTEMPTS = 8;

/** How many case pins a process remembers. */
export const MAX_PINS = 10_000;
