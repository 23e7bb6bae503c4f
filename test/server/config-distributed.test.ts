/**
 * The settings of the distributed mode's recovery: the queue prefix, the
 * sweeps and the claim lease are read as durations and names, and a bad value
 * is refused naming the variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('distributed recovery settings', () => {
  it('reads the prefix, sweep and lease settings', () => {
    const c = loadConfig({ DUBAN_QUEUE_PREFIX: 'duban-prod', DUBAN_SWEEP_INTERVAL: '5s', DUBAN_SWEEP_GRACE: '1m', DUBAN_CLAIM_LEASE: '90s' });
    expect(c).toMatchObject({ DUBAN_QUEUE_PREFIX: 'duban-prod', DUBAN_SWEEP_INTERVAL: 5_000, DUBAN_SWEEP_GRACE: 60_000, DUBAN_CLAIM_LEASE: 90_000 });
  });

  it('leaves them unset by default, so each loop keeps its own default', () => {
    const c = loadConfig({});
    expect([c.DUBAN_QUEUE_PREFIX, c.DUBAN_SWEEP_INTERVAL, c.DUBAN_SWEEP_GRACE, c.DUBAN_CLAIM_LEASE]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('refuses a bad value naming the variable', () => {
    for (const [variable, value] of [['DUBAN_QUEUE_PREFIX', 'a:b'], ['DUBAN_SWEEP_INTERVAL', 'soon'], ['DUBAN_SWEEP_GRACE', '-5s'], ['DUBAN_CLAIM_LEASE', '0s']] as const) {
      const attempt = () => loadConfig({ [variable]: value });
      expect(attempt, variable).toThrow(ConfigError);
      try {
        attempt();
      } catch (err) {
        expect((err as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
      }
    }
  });
});
