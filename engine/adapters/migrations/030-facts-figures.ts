/**
 * Migration 030: the figures of the 统计 page and the monthly report are
 * added up in SQL (issue 12: under a second at 100,000 cases), so the facts
 * they count get columns of their own beside the JSON (grade, industry, when
 * first overdue, when confirmed, terminated, listed, casualties and loss),
 * and one covering index holds every column a figure reads: the grouped
 * scans never touch the JSON pages.
 *
 * The instants (`opened_at`, `closed_at`, `belongs_at`, `first_overdue_at`)
 * are stored as UTC ISO strings (`2026-11-03T02:00:00.000Z`), so comparing
 * them as text orders them as instants: an accident's `occurredAt` is entered
 * with its offset (`2026-11-03T10:00+08:00`). Existing rows are filled from
 * their JSON here; the facts projection writes the columns from now on.
 */
import type { Knex } from 'knex';

const COLUMNS = ['grade', 'industry', 'first_overdue_at', 'confirmed_at', 'terminated', 'listed', 'deaths', 'injuries', 'direct_loss_cny'] as const;
const FIGURES_INDEX = 'case_facts_figures_idx';

/** An instant as a UTC ISO string (a text that does not parse is kept as it is). */
const utc = (v: unknown): string | null => {
  if (typeof v !== 'string' || v === '') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? v : new Date(t).toISOString();
};
const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const textOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('case_facts', (t) => {
    t.text('grade');
    t.text('industry');
    t.text('first_overdue_at');
    t.text('confirmed_at');
    t.integer('terminated').notNullable().defaultTo(0);
    t.integer('listed').notNullable().defaultTo(0);
    t.integer('deaths');
    t.integer('injuries');
    t.double('direct_loss_cny');
  });
  // Fill the columns of the rows written before this migration, a page at a time.
  let after = '';
  for (;;) {
    const rows = (await knex('case_facts').select('case_id', 'facts').where('case_id', '>', after).orderBy('case_id').limit(1000)) as { case_id: string; facts: string }[];
    if (rows.length === 0) break;
    await knex.transaction(async (trx) => {
      for (const r of rows) {
        const f = JSON.parse(r.facts) as Record<string, unknown>;
        const belongs = f.workflowId === 'accident' ? (textOrNull(f.occurredAt) ?? f.openedAt) : f.openedAt;
        await trx('case_facts').where('case_id', r.case_id).update({
          opened_at: utc(f.openedAt), closed_at: utc(f.closedAt), belongs_at: utc(belongs),
          grade: textOrNull(f.grade), industry: textOrNull(f.industry), first_overdue_at: utc(f.firstOverdueAt), confirmed_at: utc(f.confirmedAt),
          terminated: f.terminated === true ? 1 : 0, listed: f.listed === true ? 1 : 0,
          deaths: numberOrNull(f.deaths), injuries: numberOrNull(f.injuries), direct_loss_cny: numberOrNull(f.directLossCny),
        });
      }
    });
    after = rows[rows.length - 1]!.case_id;
  }
  // Led by the workflow and the month a case belongs to (what every figure selects on), so it also serves the
  // `workflow_id, belongs_at` lookups of migration 020's index, which it replaces.
  await knex.schema.alterTable('case_facts', (t) => {
    t.dropIndex([], 'case_facts_workflow_idx');
    t.index(['org', 'workflow_id', 'belongs_at', 'opened_at', 'closed_at', 'first_overdue_at', 'confirmed_at', 'terminated', 'grade', 'listed', 'deaths', 'injuries', 'direct_loss_cny', 'industry'], FIGURES_INDEX);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('case_facts', (t) => {
    t.dropIndex([], FIGURES_INDEX);
    t.index(['workflow_id', 'belongs_at'], 'case_facts_workflow_idx');
  });
  await knex.schema.alterTable('case_facts', (t) => {
    for (const c of COLUMNS) t.dropColumn(c);
  });
}
