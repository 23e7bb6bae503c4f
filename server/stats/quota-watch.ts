/**
 * Acting on district accident quotas after each committed step of an
 * accident case: a threshold crossed raises an acknowledged warning (预警叫应)
 * to the district's leaders, escalated to the level above when nobody
 * acknowledges it in time (the notifications' acknowledgement machinery); a
 * use that falls back under a threshold (regrade, dismissal) gives the
 * crossing back, and a later re-crossing warns again; a quota exceeded opens
 * one interview (约谈) case per district and year, addressed to the district
 * by the level above and linked to the accident that exceeded it.
 *
 * Every decision is claimed in the database (see `StatsStore.quotas`), so
 * two processes checking the same commit raise one warning and open one
 * interview; a warning or interview whose claim was written but whose
 * sending failed is finished by the next check.
 */
import { belongsAt, countsAsAccident, EngineError, type Actor, type Engine } from '../../engine/index.js';
import type { OutboxStore } from '../../notifications/index.js';
import type { OrgDirectory } from '../access.js';
import { DEFAULT_THRESHOLDS, districtOf, MEASURE_LABELS, quotaStatus, reachedThresholds, yearOf, yearPeriod } from './quotas.js';
import type { QuotaCrossing, QuotaMeasure, StatsStore } from './stats-ports.js';

/** The actor quota warnings and interviews are recorded as. */
export const QUOTA_ACTOR: Actor = { id: 'system:quotas', roles: ['system'], name: '控制指标监测' };
/** The district's leaders, who receive a warning first. */
const DISTRICT_LEADERS = ['regulatorLeader', 'safetyCommitteeLeader', 'governmentLeader'];
/** How long the leaders have to acknowledge before the level above is told (the engine's duration rules). */
export const DEFAULT_ACK_WITHIN = 'PT2H';
export const QUOTA_TEMPLATE = 'quota-warning';

export interface QuotaWatchOptions {
  engine: Pick<Engine, 'onCommit' | 'createCase' | 'findCase' | 'registry'>;
  stats: StatsStore;
  orgs: OrgDirectory;
  /** Where warnings are queued; without it they are only reported to `onRaised`. */
  outbox?: Pick<OutboxStore, 'enqueue'> | undefined;
  /** Percent of a quota that warns (default 80 and 100). */
  thresholds?: readonly number[] | undefined;
  ackWithin?: string | undefined;
  onRaised?: (w: QuotaCrossing & { name: string }) => void;
  onGivenBack?: (w: { district: string; year: number; measure: QuotaMeasure; threshold: number }) => void;
  onInterview?: (i: { district: string; year: number; caseId: string }) => void;
  onError?: (err: unknown) => void;
}

/** What one check did. */
export interface QuotaCheck {
  raised: QuotaCrossing[];
  givenBack: { measure: QuotaMeasure; threshold: number }[];
  /** The interview case opened by this check. */
  interview?: string | undefined;
}

/** The outbox id of a crossing's warning (never ends in `/ack<k>`, the escalations' suffix). */
export const warningId = (c: Pick<QuotaCrossing, 'district' | 'year' | 'measure' | 'threshold' | 'crossing'>) => `quota/${c.district}/${c.year}/${c.measure}/${c.threshold}/${c.crossing}`;

/** Chinese text of a crossing, for the notice and the log. */
export function crossingText(c: Pick<QuotaCrossing, 'year' | 'measure' | 'used' | 'quota' | 'threshold'> & { name: string }): string {
  return `${c.name}${c.year}年${MEASURE_LABELS[c.measure]}控制指标已使用${c.used}/${c.quota}，达到${c.threshold}%`;
}

async function sendWarning(opts: QuotaWatchOptions & { outbox: Pick<OutboxStore, 'enqueue'> }, c: QuotaCrossing, name: string, at: string): Promise<void> {
  const district = await opts.orgs.get(c.district);
  const parent = district?.parentId ?? null;
  const record = await opts.engine.findCase(c.caseId);
  const seq = (await opts.stats.facts.get(c.caseId))?.seq ?? 1;
  const wf = record ? await opts.engine.registry.get(record.workflowId, record.workflowVersion) : undefined;
  const id = warningId(c);
  const above = parent === null ? [] : [[{ role: 'safetyCommitteeOffice', org: parent }], [{ role: 'safetyCommitteeLeader', org: parent }]];
  await opts.outbox.enqueue({
    id, caseId: c.caseId, seq, template: QUOTA_TEMPLATE, kind: 'acknowledgedWarning', channels: ['inbox', 'email'],
    recipients: DISTRICT_LEADERS.map((role) => ({ role, org: c.district })),
    ack: { within: opts.ackWithin ?? DEFAULT_ACK_WITHIN, chain: above },
    vars: {
      case: { id: c.caseId, org: record?.org ?? c.district, workflowId: record?.workflowId ?? 'accident', workflowTitle: wf?.definition.title ?? { zh: '生产安全事故' }, state: '', seq },
      data: { districtName: name, year: c.year, measureLabel: MEASURE_LABELS[c.measure], used: c.used, quota: c.quota, threshold: c.threshold, crossing: c.crossing, text: crossingText({ ...c, name }) },
      event: { type: 'quota.threshold', actorId: QUOTA_ACTOR.id, actorName: QUOTA_ACTOR.name! },
    },
    confidential: {}, input: null, createdAt: at, nextAttemptAt: at,
  });
  await opts.stats.quotas.setNotification(c, id);
}

async function openInterview(opts: QuotaWatchOptions, district: string, name: string, year: number, m: { measure: QuotaMeasure; used: number; quota: number }, caseId: string, at: string): Promise<string | undefined> {
  const reason = `${name}${year}年${MEASURE_LABELS[m.measure]}${m.used}，超过控制指标${m.quota}`;
  const claim = await opts.stats.quotas.claimInterview({ district, year, measure: m.measure, reason, linkedCaseId: caseId, at });
  if (claim.caseId !== null) return undefined;
  const parent = (await opts.orgs.get(district))?.parentId;
  if (!parent) return undefined;
  let created;
  try {
    created = await opts.engine.createCase({
      workflowId: 'interview', org: parent, actor: QUOTA_ACTOR,
      data: { intervieweeOrg: district, intervieweeName: name, reason: claim.reason, source: 'accidentQuota', linkedCaseId: claim.linkedCaseId },
      // One key per district and year: a second process checking the same commit opens no second case.
      idempotencyKey: `quota-interview:${district}:${year}`,
    });
  } catch (err) {
    // The key was used (another process opened the case and records it on the claim).
    if (err instanceof EngineError && err.code === 'idempotency_conflict') return undefined;
    throw err;
  }
  await opts.stats.quotas.setInterviewCase(district, year, created.case.id);
  return created.case.id;
}

/** Checks the quotas of the district an accident case lies in, as of its facts now. */
export async function checkQuotas(opts: QuotaWatchOptions, caseId: string, at: string): Promise<QuotaCheck> {
  const f = await opts.stats.facts.get(caseId);
  if (!f || f.workflowId !== 'accident') return { raised: [], givenBack: [] };
  const district = await districtOf(opts.orgs, f.org);
  if (district === undefined) return { raised: [], givenBack: [] };
  return checkDistrict(opts, district, yearOf(f), caseId, at);
}

/**
 * Checks a district's quotas of a year at once, after its quota was set
 * (lowered below what is used: the thresholds reached warn now, exceeding
 * opens the interview; raised above it: the crossings are given back). The
 * warnings are recorded on the district's latest counting accident of that
 * year; without one nothing is used, so nothing can be reached.
 */
export async function recheckQuotas(opts: QuotaWatchOptions, district: string, year: number, at: string): Promise<QuotaCheck> {
  const { from, to } = yearPeriod(year);
  const inDistrict = await opts.orgs.subtree(district);
  const latest = (await opts.stats.facts.list({ workflowId: 'accident', belongsFrom: from, belongsTo: to }))
    .filter((f) => countsAsAccident(f) && inDistrict.has(f.org) && yearOf(f) === year)
    .sort((a, b) => Date.parse(belongsAt(a)) - Date.parse(belongsAt(b)) || (a.caseId < b.caseId ? -1 : 1))
    .at(-1);
  // Without a counting accident nothing is used: a crossing in force is given back, none is raised.
  return checkDistrict(opts, district, year, latest?.caseId, at);
}

async function checkDistrict(opts: QuotaWatchOptions, district: string, year: number, caseId: string | undefined, at: string): Promise<QuotaCheck> {
  const out: QuotaCheck = { raised: [], givenBack: [] };
  const [row] = await quotaStatus(opts.stats, opts.orgs, { year, scope: district });
  if (!row || row.district !== district) return out;
  for (const m of row.measures) {
    if (m.quota === null) continue;
    const reached = reachedThresholds(m.used, m.quota, opts.thresholds ?? DEFAULT_THRESHOLDS);
    for (const threshold of reached.filter((t) => !m.warned.includes(t))) {
      if (caseId === undefined) break;
      const crossing = await opts.stats.quotas.raise({ district, year, measure: m.measure, threshold, used: m.used, quota: m.quota, caseId, raisedAt: at });
      if (crossing !== undefined) out.raised.push({ district, year, measure: m.measure, threshold, crossing, used: m.used, quota: m.quota, caseId, notificationId: null, raisedAt: at, givenBackAt: null });
    }
    for (const threshold of m.warned.filter((t) => !reached.includes(t))) {
      if (await opts.stats.quotas.giveBack({ district, year, measure: m.measure, threshold, at })) {
        out.givenBack.push({ measure: m.measure, threshold });
        opts.onGivenBack?.({ district, year, measure: m.measure, threshold });
      }
    }
    const exceeded = m.quota === 0 ? m.used > 0 : m.used > m.quota;
    if (exceeded && caseId !== undefined) out.interview ??= await openInterview(opts, district, row.name, year, { measure: m.measure, used: m.used, quota: m.quota }, caseId, at);
  }
  if (!opts.outbox) for (const c of out.raised) opts.onRaised?.({ ...c, name: row.name });
  // Crossings in force whose warning is not queued yet: this check's, and any an earlier one claimed and did not finish.
  else for (const c of await opts.stats.quotas.crossings({ year, district })) {
    if (c.givenBackAt !== null || c.notificationId !== null) continue;
    await sendWarning({ ...opts, outbox: opts.outbox }, c, row.name, at);
    opts.onRaised?.({ ...c, name: row.name });
  }
  if (out.interview) opts.onInterview?.({ district, year, caseId: out.interview });
  return out;
}

/**
 * Checks the quotas after every committed step of this process (in order,
 * one check at a time). Returns `idle()` (resolves when the checks queued so
 * far are done) and `stop()`.
 */
export function watchQuotas(opts: QuotaWatchOptions): QuotaWatcher {
  let chain: Promise<void> = Promise.resolve();
  const stop = opts.engine.onCommit(({ event }) => {
    if (event.caseId === undefined) return;
    chain = chain.then(() => checkQuotas(opts, event.caseId, event.at)).then(() => undefined, (err: unknown) => opts.onError?.(err));
  });
  return {
    idle: () => chain,
    stop,
    recheck(district, year, at) {
      // In line with the checks of commits, so a quota set while an accident is being checked is seen by one or the other.
      const done = chain.then(() => recheckQuotas(opts, district, year, at));
      chain = done.then(() => undefined, (err: unknown) => opts.onError?.(err));
      return done;
    },
  };
}

/** The quota checks of one process. */
export interface QuotaWatcher {
  /** Resolves when the checks queued so far are done. */
  idle(): Promise<void>;
  stop(): void;
  /** Checks a district's quotas of a year now (after its quota was set); resolves with what it did. */
  recheck(district: string, year: number, at: string): Promise<QuotaCheck>;
}
