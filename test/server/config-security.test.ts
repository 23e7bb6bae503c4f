/**
 * The security settings of issue 8 read from the environment: session
 * lifetimes, trusted proxies and rate limits, with their defaults and
 * refusals naming the variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('security configuration', () => {
  it('defaults to 30 min idle and 12 h sessions, no trusted proxy, 10 failed sign-ins per 15 min and 120 writes per minute', () => {
    const c = loadConfig({});
    expect([c.DUBAN_SESSION_IDLE, c.DUBAN_SESSION_MAX, c.DUBAN_TRUST_PROXY]).toEqual([30 * 60_000, 12 * 3_600_000, false]);
    expect([c.DUBAN_LOGIN_RATE_LIMIT, c.DUBAN_WRITE_RATE_LIMIT]).toEqual([{ limit: 10, windowMs: 900_000 }, { limit: 120, windowMs: 60_000 }]);
  });

  it('reads durations, limits as N/window or off, and trust proxy as a flag, a hop count or addresses', () => {
    const c = loadConfig({ DUBAN_SESSION_IDLE: '15m', DUBAN_SESSION_MAX: '8h', DUBAN_LOGIN_RATE_LIMIT: '5/1h', DUBAN_WRITE_RATE_LIMIT: 'off', DUBAN_TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    expect([c.DUBAN_SESSION_IDLE, c.DUBAN_SESSION_MAX]).toEqual([900_000, 8 * 3_600_000]);
    expect([c.DUBAN_LOGIN_RATE_LIMIT, c.DUBAN_WRITE_RATE_LIMIT]).toEqual([{ limit: 5, windowMs: 3_600_000 }, null]);
    expect(c.DUBAN_TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ DUBAN_TRUST_PROXY: 'true' }).DUBAN_TRUST_PROXY).toBe(true);
    expect(loadConfig({ DUBAN_TRUST_PROXY: '2' }).DUBAN_TRUST_PROXY).toBe(2);
  });

  it('refuses bad values naming each variable', () => {
    const bad = { DUBAN_SESSION_IDLE: '0s', DUBAN_SESSION_MAX: 'forever', DUBAN_LOGIN_RATE_LIMIT: '10 per minute', DUBAN_WRITE_RATE_LIMIT: '0/1m', DUBAN_TRUST_PROXY: 'a b' };
    try {
      loadConfig(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual(Object.keys(bad).sort());
    }
  });
});
