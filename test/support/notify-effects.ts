/**
 * Notify effects in short form, for workflow tests:
 * `template kind role@org,…` (a user as its id, a data-field recipient as
 * `field=value|value`).
 */
import type { Effect, NotifyEffect } from '../../engine/core/effects.js';

/** The notify effects of a step. */
export function notifyEffects(effects: Effect[]): NotifyEffect[] {
  return effects.filter((e): e is NotifyEffect => e.type === 'notify');
}

/** One notify effect's recipients in short form. */
export function recipients(e: NotifyEffect): string {
  return e.to.map((r) => ('role' in r ? `${r.role}@${r.org}` : 'user' in r ? r.user : `${r.field}=${r.values.join('|')}`)).join(',');
}

/** The notify effects of a step in short form. */
export function notices(effects: Effect[]): string[] {
  return notifyEffects(effects).map((e) => `${e.template} ${e.kind} ${recipients(e)}`);
}
