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
}

/** Creates a manual clock starting at `start`. */
export function createManualClock(start: Date | string = '2026-01-05T01:00:00.000Z'): ManualClock {
  let current = new Date(start);
  return {
    now: () => new Date(current.getTime()),
    set: (at) => {
      current = new Date(at);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
      return new Date(current.getTime());
    },
  };
}
