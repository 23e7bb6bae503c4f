/**
 * `duban calendar …`: compute a deadline by hand, list the loaded calendars,
 * import a calendar or a new year of one.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { addDuration, EngineError } from '../engine/index.js';
import { readJsonFile } from './cli-input.js';
import type { Runtime } from './main.js';

const YearsFileSchema = z.object({
  id: z.string().min(1),
  years: z.array(z.number().int()).min(1),
  days: z.array(z.object({ date: z.string(), kind: z.enum(['holiday', 'workday']), name: z.string().optional() }).strict()),
  source: z.string().min(1).optional(),
}).strict();

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
        if (d.provisional) {
          const years = (d.provisionalYears ?? []).join(', ');
          console.log(`provisional: the result rests on provisional year ${years} (weekends and statutory holidays only; it may move when the official notice for ${years} is imported)`);
        }
      }, { registerBuiltins: false });
    });
  calendar
    .command('list')
    .description('list the loaded calendars, their versions and years')
    .action(async () => {
      await withRuntime(async ({ engine }) => {
        for (const c of await engine.calendars.list()) {
          const days = c.definition.days;
          const provisional = c.provisionalYears.length > 0 ? `  provisional ${c.provisionalYears.join(', ')}` : '';
          console.log(`${c.id} v${c.version}  ${c.timeZone}  owner ${c.org ?? '(root)'}  years ${c.years.join(', ')}${provisional}  ${days.filter((d) => d.kind === 'holiday').length} holidays, ${days.filter((d) => d.kind === 'workday').length} make-up working days${c.definition.source ? `  (${c.definition.source})` : ''}`);
        }
      }, { registerBuiltins: false });
    });
  calendar
    .command('import <file>')
    .description(
      'add a calendar from a JSON file (stored as a new version when its content is new); with --years, the file holds only new years ' +
        '({ "id": "cn", "years": [2027], "days": [...], "source": "..." }, e.g. the State Council\'s notice) and they are added to the latest version. ' +
        'Open deadlines that rested on a provisional year are then re-baselined on the new version (one history event per case).',
    )
    .option('--years', 'the file holds years to add to the latest version of its calendar')
    .action(async (file: string, opts: { years?: boolean }) => {
      await withRuntime(async ({ engine }) => {
        const input = await readJsonFile(file);
        const r = await engine.calendars.add(opts.years ? await withYears(engine, input) : input);
        console.log(`${r.created ? 'added' : 'already loaded'} calendar ${r.id} v${r.version}`);
        // Also after "already loaded": a pass interrupted earlier resumes (it is idempotent).
        const reason = `载入日历 ${r.id} 第 ${r.version} 版${typeof (input as { source?: unknown }).source === 'string' ? `（${(input as { source: string }).source}）` : ''}，重新核定按暂定年份计算的期限`;
        const report = await engine.rebaselineCalendar(r.id, { reason });
        console.log(`re-baselined ${report.rebaselined.length} case(s) of ${report.casesChecked} checked${report.failed.length ? `; ${report.failed.length} failed:` : ''}`);
        for (const c of report.rebaselined) for (const ch of c.changes) console.log(`  ${c.caseId}  ${ch.deadline}  ${ch.oldDueDate ?? ch.oldDueAt} → ${ch.newDueDate ?? ch.newDueAt}  (v${ch.fromVersion} → v${ch.toVersion})`);
        for (const f of report.failed) console.log(`  ${f.caseId}  [${f.code}] ${f.message}`);
        if (report.failed.length > 0) process.exitCode = 1;
      }, { registerBuiltins: false });
    });
}

/** The latest version of the file's calendar plus the file's years and days (a year's days replace those it had). */
async function withYears(engine: Runtime['engine'], input: unknown): Promise<unknown> {
  const p = YearsFileSchema.safeParse(input);
  if (!p.success) throw new EngineError('invalid_input', `the years file must be { id, years, days, source? }: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const base = (await engine.calendars.get(p.data.id)).definition;
  const replaced = new Set(p.data.years);
  const days = [...base.days.filter((d) => !replaced.has(Number(d.date.slice(0, 4)))), ...p.data.days];
  const years = [...new Set([...base.years, ...p.data.years])].sort((a, b) => a - b);
  const source = p.data.source ? [base.source, p.data.source].filter(Boolean).join('；') : base.source;
  return { ...base, ...(source ? { source } : {}), version: base.version + 1, years, days };
}
