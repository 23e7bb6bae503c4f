/**
 * Prometheus metrics: HTTP latency, transitions (from `engine.onCommit`),
 * cases by workflow and state, timers pending and outbox rows by status (read
 * at scrape time), the scheduler's counters when one runs in this process,
 * and the notifications this process delivered, by channel and outcome. One
 * registry per app, so tests can build many apps.
 */
import client from 'prom-client';
import { formatStateValue, isOverdueAt, type Clock, type Engine, type Scheduler } from '../engine/index.js';
import type { OutboxStore } from '../notifications/index.js';
import type { OrgDirectory } from './access.js';
import type { StatsStore } from './stats/stats-ports.js';

/** The `district` label of cases above the county level (the city's own offices). */
export const ABOVE_DISTRICTS = 'city-level';

export interface Metrics {
  readonly registry: client.Registry;
  readonly httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  /** Subscribes to the engine's commits and reads the engine (and the outbox, when given) at scrape time. Returns an unsubscribe function. */
  bindEngine(engine: Engine, outbox?: Pick<OutboxStore, 'count'>): () => void;
  /** Reports a scheduler's counters at scrape time. */
  bindScheduler(scheduler: Scheduler): void;
  /** Messages this process handed to a channel (one per recipient × channel), by outcome. */
  readonly notificationDeliveries: client.Counter<'channel' | 'outcome'>;
  /**
   * Reads the statistics facts at scrape time: open and overdue cases by
   * district (county-level org id: a bounded label) and workflow.
   */
  bindStats(stats: StatsStore, orgs: OrgDirectory, clock: Clock): void;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const httpDuration = new client.Histogram({
    name: 'duban_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const transitions = new client.Counter({ name: 'duban_transitions_total', help: 'Events committed by this process, by event type', labelNames: ['event'] as const, registers: [registry] });
  let engineRef: Engine | undefined;
  let outboxRef: Pick<OutboxStore, 'count'> | undefined;
  let schedulerRef: Scheduler | undefined;
  let statsRef: { stats: StatsStore; orgs: OrgDirectory; clock: Clock } | undefined;
  /** Open and overdue cases by district and workflow, counted once per scrape for both gauges. */
  let byDistrict: Promise<Map<string, { district: string; workflow: string; open: number; overdue: number }>> | undefined;
  const countByDistrict = async () => {
    const out = new Map<string, { district: string; workflow: string; open: number; overdue: number }>();
    if (!statsRef) return out;
    const now = statsRef.clock.now().toISOString();
    const districtOf = new Map<string, string>();
    for (const f of await statsRef.stats.facts.list()) {
      if (f.closedAt !== null) continue;
      let district = districtOf.get(f.org);
      if (district === undefined) {
        district = (await statsRef.orgs.ancestry(f.org)).find((o) => o.level === 'county')?.id ?? ABOVE_DISTRICTS;
        districtOf.set(f.org, district);
      }
      const key = `${district}\u0000${f.workflowId}`;
      const row = out.get(key) ?? { district, workflow: f.workflowId, open: 0, overdue: 0 };
      row.open++;
      if (isOverdueAt(f, now)) row.overdue++;
      out.set(key, row);
    }
    return out;
  };
  // Both gauges of one scrape read one count (kept for a second, so a scrape reads the facts once).
  let countedAtMs = 0;
  const districtCounts = () => {
    if (!byDistrict || Date.now() - countedAtMs > 1000) {
      countedAtMs = Date.now();
      byDistrict = countByDistrict();
    }
    return byDistrict;
  };
  new client.Gauge({
    name: 'duban_open_cases_by_district',
    help: 'Open cases by district (county-level org id; city-level for offices above the districts) and workflow, from the statistics facts',
    labelNames: ['district', 'workflow'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await districtCounts()).values()) this.set({ district: r.district, workflow: r.workflow }, r.open);
    },
  });
  new client.Gauge({
    name: 'duban_overdue_cases_by_district',
    help: 'Open cases with a deadline overdue, by district (county-level org id) and workflow',
    labelNames: ['district', 'workflow'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of (await districtCounts()).values()) this.set({ district: r.district, workflow: r.workflow }, r.overdue);
    },
  });
  new client.Gauge({
    name: 'duban_cases',
    help: 'Cases by workflow, status and state',
    labelNames: ['workflow', 'status', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!engineRef) return;
      for (const row of await engineRef.countCasesByState()) this.set({ workflow: row.workflowId, status: row.status, state: formatStateValue(row.state) }, row.count);
    },
  });
  new client.Gauge({
    name: 'duban_timers_pending',
    help: 'Timer rows waiting to fire (pending) or being fired (firing)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!engineRef) return;
      const c = await engineRef.countTimers();
      this.set({ status: 'pending' }, c.pending);
      this.set({ status: 'firing' }, c.firing);
    },
  });
  new client.Gauge({
    name: 'duban_timers_fired',
    help: "Timers this process's scheduler handled since start, by outcome",
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      if (!schedulerRef) return;
      const s = schedulerRef.stats();
      for (const outcome of ['fired', 'duplicates', 'stale', 'failures', 'skipped'] as const) this.set({ outcome }, s[outcome]);
    },
  });
  new client.Gauge({
    name: 'duban_outbox_rows',
    help: 'Notification outbox rows by status: pending (waiting or backing off), sending (claimed), sent, dead (retries used up), unresolved (no recipient found)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!outboxRef) return;
      const c = await outboxRef.count();
      for (const [status, n] of Object.entries(c)) this.set({ status }, n);
    },
  });
  const notificationDeliveries = new client.Counter({
    name: 'duban_notifications_delivered_total',
    help: 'Notifications this process handed to a channel, one per recipient and channel, by outcome (sent or failed)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    notificationDeliveries,
    bindEngine(engine, outbox) {
      engineRef = engine;
      outboxRef = outbox;
      // One counter series per event type, looked up once (not a label set hashed per commit).
      const byType = new Map<string, { inc(): void }>();
      return engine.onCommit(({ event }) => {
        let c = byType.get(event.type);
        if (!c) byType.set(event.type, (c = transitions.labels({ event: event.type })));
        c.inc();
      });
    },
    bindScheduler(scheduler) {
      schedulerRef = scheduler;
    },
    bindStats(stats, orgs, clock) {
      statsRef = { stats, orgs, clock };
    },
  };
}
