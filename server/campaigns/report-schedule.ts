/**
 * Campaign progress reports on a timer: at the end of each period of an
 * active campaign (every Sunday for a weekly one, the last day of each month
 * for a monthly one, and the campaign's last day), the reports of that period
 * are opened for every district of the campaign (`reports.ts`).
 *
 * A lane of a poller, as the monthly report (`../stats/monthly-schedule.ts`):
 * every process may run it — the embedded `duban serve`, or each `duban
 * worker` — because a period is claimed in the database
 * (`campaign_report_runs`) before its reports are opened; a process that dies
 * mid-way leaves a claim that expires, and another takes it over, finding
 * the reports already opened under their own ids. So each (campaign,
 * district, period) is opened exactly once.
 */
import type { Knex } from 'knex';
import type { Actor, Engine, PollerLane } from '../../engine/index.js';
import type { OrgDirectory } from '../access.js';
import { sqlKnex } from './access.js';
import { endOfLocalDay, openPeriodReports } from './reports.js';
import { listActiveCampaigns, type Campaign } from './store.js';

/** The actor the scheduled reports are opened as. */
export const CAMPAIGN_SCHEDULE_ACTOR: Actor = { id: 'system:campaign-schedule', roles: ['system'] };

const DAY_MS = 86_400_000;

/**
 * The last days of a campaign's report periods up to `until` (local dates):
 * Sundays (weekly) or months' last days (monthly) within its time box (not
 * its first day), and its last day. Pure.
 * @example
 * periodEnds({ ...c, startsOn: '2026-03-01', endsOn: '2026-03-20', reportPeriod: 'weekly' }, '2026-12-31'); // ['2026-03-08', '2026-03-15', '2026-03-20']
 */
export function periodEnds(c: Pick<Campaign, 'startsOn' | 'endsOn' | 'reportPeriod'>, until: string): string[] {
  const last = c.endsOn < until ? c.endsOn : until;
  const out: string[] = [];
  for (let t = Date.parse(`${c.startsOn}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += DAY_MS) {
    const d = new Date(t);
    const date = d.toISOString().slice(0, 10);
    const end = c.reportPeriod === 'weekly' ? d.getUTCDay() === 0 : new Date(t + DAY_MS).getUTCDate() === 1;
    // A campaign that starts on a Sunday (or a month's last day) reports first a week (a month) later.
    if ((end && date !== c.startsOn) || date === c.endsOn) out.push(date);
  }
  return out;
}

async function doneRuns(knex: Knex, campaignId: string): Promise<Set<string>> {
  const rows = (await knex('campaign_report_runs').where({ campaign_id: campaignId }).whereNotNull('done_at').select('period_to')) as { period_to: string }[];
  return new Set(rows.map((r) => r.period_to));
}

/** Claims a period of a campaign for `owner` until `expiresAt`: a new claim, or one whose holder let it expire unfinished. */
async function claimRun(knex: Knex, campaignId: string, periodTo: string, owner: string, at: string, expiresAt: string): Promise<boolean> {
  const inserted = await knex('campaign_report_runs').insert({ campaign_id: campaignId, period_to: periodTo, owner, claimed_at: at, expires_at: expiresAt }).onConflict(['campaign_id', 'period_to']).ignore().returning('campaign_id');
  if (inserted.length === 1) return true;
  const taken = await knex('campaign_report_runs').where({ campaign_id: campaignId, period_to: periodTo }).whereNull('done_at').where('expires_at', '<=', at).update({ owner, claimed_at: at, expires_at: expiresAt });
  return taken > 0;
}

export interface CampaignScheduleOptions {
  engine: Engine;
  orgs: OrgDirectory;
  /** Names this process's claims. */
  owner: string;
  claimTtlMs?: number | undefined;
  logger?: { info(fields: object, msg: string): void } | undefined;
}

/** The periods due by `now` whose reports are not yet opened, per active campaign. */
async function pending(knex: Knex, now: Date): Promise<{ campaign: Campaign; periodTo: string }[]> {
  const out: { campaign: Campaign; periodTo: string }[] = [];
  for (const c of await listActiveCampaigns(knex)) {
    const done = await doneRuns(knex, c.id);
    for (const end of periodEnds(c, '9999-12-31')) if (endOfLocalDay(end) <= now && !done.has(end)) out.push({ campaign: c, periodTo: end });
  }
  return out;
}

/**
 * Opens the reports of every period due by now once (whatever the number of
 * processes); resolves to the periods this call opened.
 */
export async function runCampaignReports(opts: CampaignScheduleOptions): Promise<{ campaignId: string; periodTo: string; cases: number }[]> {
  const knex = sqlKnex(opts.engine);
  const opened = [];
  for (const { campaign, periodTo } of await pending(knex, opts.engine.clock.now())) {
    const now = opts.engine.clock.now();
    if (!(await claimRun(knex, campaign.id, periodTo, opts.owner, now.toISOString(), new Date(now.getTime() + (opts.claimTtlMs ?? 10 * 60_000)).toISOString()))) continue;
    const r = await openPeriodReports(opts.engine, opts.orgs, campaign, periodTo, CAMPAIGN_SCHEDULE_ACTOR);
    await knex('campaign_report_runs').where({ campaign_id: campaign.id, period_to: periodTo, owner: opts.owner }).update({ done_at: opts.engine.clock.now().toISOString() });
    opts.logger?.info({ campaign: campaign.id, periodTo, cases: r.cases.length }, 'campaign progress reports opened');
    opened.push({ campaignId: campaign.id, periodTo, cases: r.cases.filter((x) => !x.duplicate).length });
  }
  return opened;
}

/**
 * The poller lane: sleeps until the next period of an active campaign ends
 * (looking again at least hourly: a campaign created or edited in another
 * process), then opens that period's reports.
 * @example
 * const poller = createPoller({ name: 'campaign-reports', clock, lanes: [campaignReportLane({ engine, orgs, owner })] });
 */
export function campaignReportLane(opts: CampaignScheduleOptions): PollerLane {
  return {
    name: 'campaign-reports',
    intervalMs: 3_600_000,
    async nextDueAt(now) {
      const knex = sqlKnex(opts.engine);
      if ((await pending(knex, now)).length > 0) return now.getTime();
      let next: number | undefined;
      for (const c of await listActiveCampaigns(knex)) {
        for (const end of periodEnds(c, '9999-12-31')) {
          const at = endOfLocalDay(end).getTime();
          if (at > now.getTime()) {
            next = next === undefined ? at : Math.min(next, at);
            break;
          }
        }
      }
      return next;
    },
    async drain() {
      await runCampaignReports(opts);
    },
  };
}
