/**
 * A separate OS process running polling schedulers on a shared store, for the
 * "several schedulers on one database" test: opens the store, builds an engine
 * whose manual clock stands at `now`, waits for the common start instant
 * `startAtMs` (wall clock), then runs `rounds` rounds of `runDue()` on
 * `schedulers` schedulers at once. Prints their summed stats as JSON.
 *
 * A separate process because two SQLite connections in one thread cannot
 * share a file for writing: the waiting one blocks the event loop that the
 * other needs to finish its transaction.
 *
 * Run: node --import tsx test/support/scheduler-process.ts '<json SchedulerProcessArgs>'
 */
import { createEngine, createKnexStore, createManualClock, createPollingScheduler, type KnexStoreOptions } from '../../engine/index.js';
import { timedWorkflows } from './timed-workflows.js';

/** What the parent passes as the single JSON argument. */
export interface SchedulerProcessArgs {
  options: KnexStoreOptions;
  now: string;
  startAtMs: number;
  rounds: number;
  schedulers: number;
}

/** What the process prints. */
export interface SchedulerProcessResult {
  fired: number;
  skipped: number;
  duplicates: number;
  stale: number;
  failures: number;
}

async function main(args: SchedulerProcessArgs): Promise<SchedulerProcessResult> {
  const store = createKnexStore(args.options);
  try {
    const engine = await createEngine({ store, clock: createManualClock(args.now), workflows: timedWorkflows });
    const schedulers = Array.from({ length: args.schedulers }, () => createPollingScheduler({ engine, batchSize: 7 }));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAtMs - Date.now())));
    for (let r = 0; r < args.rounds; r++) await Promise.all(schedulers.map((s) => s.runDue()));
    const total: SchedulerProcessResult = { fired: 0, skipped: 0, duplicates: 0, stale: 0, failures: 0 };
    for (const s of schedulers) {
      const st = s.stats();
      for (const k of Object.keys(total) as (keyof SchedulerProcessResult)[]) total[k] += st[k];
    }
    return total;
  } finally {
    await store.close();
  }
}

main(JSON.parse(process.argv[2] ?? '{}') as SchedulerProcessArgs).then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
