/**
 * Clocks: the system clock, a clock shifted by a fixed offset (demos that run
 * "in the future"), and a manual clock for tests.
 */
import type { Clock } from '../ports.js';

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/** The system clock shifted by `offsetMs` (e.g. from `DUBAN_CLOCK_OFFSET`). */
export function createOffsetClock(offsetMs: number, base: Clock = systemClock): Clock {
  return { now: () => new Date(base.now().getTime() + offsetMs) };
}

/** A clock that moves only when told to. */
export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): Date;
  /** Calls `listener` after every `set` and `advance` (pollers sleeping on this clock wake through it). Returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** Whether `clock` is a manual clock (time moves only when a test moves it). */
export function isManualClock(clock: Clock): clock is ManualClock {
  return typeof (clock as Partial<ManualClock>).onChange === 'function' && typeof (clock as Partial<ManualClock>).advance === 'function';
}

/** Creates a manual clock starting at `start`. */
export function createManualClock(start: Date | string = '2026-01-05T01:00:00.000Z'): ManualClock {
  let current = new Date(start);
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  return {
    now: () => new Date(current.getTime()),
    set: (at) => {
      current = new Date(at);
      changed();
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
      changed();
      return new Date(current.getTime());
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
