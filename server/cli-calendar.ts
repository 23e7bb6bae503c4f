/**
 * `duban calendar …`: compute a deadline by hand, list the loaded calendars,
 * import a calendar or a new year of one.
 */
import type { Command } from 'commander';
import { addDuration, EngineError } from '../engine/index.js';
import { readJsonFile } from './cli-input.js';
import type { Runtime } from './main.js';

type WithRuntime = <T>(fn: (rt: Runtime) => Promise<T>, opts?: { registerBuiltins?: boolean }) => Promise<T>;

/** Adds the calendar commands to the CLI. */
export function registerCalendarCommands(program: Command, withRuntime: WithRuntime): void {
  const calendar = program.command('calendar').description('working-day calendars and deadlines');
  calendar
    .command('add <date> <duration>')
    .description('compute a deadline by hand: <date> (YYYY-MM-DD or an ISO instant) plus <duration> ("5 workdays", P15D, PT1H); the start day is not counted')
    .option('--calendar <id>', 'calendar id', 'cn')
    .option('--rollover', 'move a calendar-day deadline ending on a rest day to the end of the next working day (Civil Code rule)')
    .action(async (date: string, duration: string, opts: { calendar: string; rollover?: boolean }) => {
      await withRuntime(async ({ engine }) => {
        const cal = await engine.calendars.get(opts.calendar);
        const start = /^\d{4}-\d{2}-\d{2}$/.test(date) ? cal.startOfDay(date) : new Date(date);
        if (Number.isNaN(start.getTime())) throw new EngineError('invalid_input', `"${date}" is not a date (YYYY-MM-DD) or an ISO instant`);
        const d = addDuration(cal, start, duration, { rollover: opts.rollover ?? false });
        console.log(`calendar:  ${cal.id} v${cal.version} (${cal.timeZone})`);
        console.log(`start:     ${cal.localDateOf(start)} (not counted)`);
        if (d.dueDate) console.log(`due date:  ${d.dueDate} (${'日一二三四五六'[new Date(`${d.dueDate}T00:00:00Z`).getUTCDay()] ?? ''}), ends 24:00 local${d.rolledOverFrom ? `; rolled over from ${d.rolledOverFrom}, a rest day` : ''}`);
        console.log(`due at:    ${d.dueAt.toISOString()}`);
      }, { registerBuiltins: false });
    });
  calendar
    .command('list')
    .description('list the loaded calendars, their versions and years')
    .action(async () => {
      await withRuntime(async ({ engine }) => {
        for (const c of await engine.calendars.list()) {
          const days = c.definition.days;
          console.log(`${c.id} v${c.version}  ${c.timeZone}  years ${c.years.join(', ')}  ${days.filter((d) => d.kind === 'holiday').length} holidays, ${days.filter((d) => d.kind === 'workday').length} make-up working days${c.definition.source ? `  (${c.definition.source})` : ''}`);
        }
      }, { registerBuiltins: false });
    });
  calendar
    .command('import <file>')
    .description('add a calendar or a new year of one from a JSON file (stored as a new version when its content is new)')
    .action(async (file: string) => {
      await withRuntime(async ({ engine }) => {
        const r = await engine.calendars.add(await readJsonFile(file));
        console.log(`${r.created ? 'added' : 'already loaded'} calendar ${r.id} v${r.version}`);
      }, { registerBuiltins: false });
    });
}
