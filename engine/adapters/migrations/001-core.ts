/**
 * Migration 001: definitions, cases, their append-only events and open tasks.
 *
 * Conventions shared by both dialects:
 * - JSON is `jsonb` on PostgreSQL and `text` on SQLite. Not knex's `json()` on
 *   SQLite: a column declared JSON gets NUMERIC affinity there, which would
 *   silently turn the text `"5"` into the integer 5.
 * - Instants are ISO-8601 text (UTC, ms), so they round-trip exactly and sort
 *   correctly as text.
 * - Keys and sorted text use the "C" collation on PostgreSQL, so paging and
 *   ordering compare bytes exactly as SQLite does, whatever the database locale.
 * - Counters are 32-bit `integer` so the pg driver returns numbers, not strings.
 * - Constraints are named (table-level `primary(cols, name)`: knex's column-level
 *   option form emits invalid SQL on SQLite), because the store maps unique
 *   violations to domain errors by constraint name on PostgreSQL.
 */
import type { Knex } from 'knex';
import { installAppendOnlyGuard, isPostgres, dropAppendOnlyGuard } from './append-only-guard.js';

/** Column helpers bound to one dialect. */
function columns(knex: Knex, t: Knex.CreateTableBuilder) {
  const pg = isPostgres(knex);
  return {
    key: (name: string) => (pg ? t.specificType(name, 'text COLLATE "C"') : t.text(name)),
    text: (name: string) => t.text(name),
    json: (name: string) => (pg ? t.jsonb(name) : t.text(name)),
    int: (name: string) => t.integer(name),
  };
}

/** Creates the four tables and the append-only guard. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workflow_definitions', (t) => {
    const c = columns(knex, t);
    c.key('workflow_id').notNullable();
    c.int('version').notNullable();
    c.text('hash').notNullable();
    c.json('definition').notNullable();
    c.key('created_at').notNullable();
    t.primary(['workflow_id', 'version'], 'workflow_definitions_pkey');
  });

  await knex.schema.createTable('cases', (t) => {
    const c = columns(knex, t);
    c.key('id').notNullable();
    c.key('workflow_id').notNullable();
    c.int('workflow_version').notNullable();
    c.key('org').notNullable();
    c.key('status').notNullable();
    c.json('state').notNullable();
    c.int('version').notNullable();
    c.text('last_hash').notNullable();
    // NULLs never collide in a UNIQUE index on either dialect, so cases created
    // without a key do not conflict with each other.
    c.key('creation_key').nullable().unique({ indexName: 'cases_creation_key_unique' });
    c.key('created_at').notNullable();
    c.key('updated_at').notNullable();
    t.primary(['id'], 'cases_pkey');
    t.index(['workflow_id', 'status'], 'cases_workflow_status_idx');
    t.index(['org'], 'cases_org_idx');
  });

  await knex.schema.createTable('case_events', (t) => {
    const c = columns(knex, t);
    c.key('case_id').notNullable().references('id').inTable('cases').withKeyName('case_events_case_fk');
    c.int('seq').notNullable();
    c.key('type').notNullable();
    c.json('payload').notNullable();
    c.json('actor').notNullable();
    c.key('at').notNullable();
    c.key('idempotency_key').nullable();
    c.json('state').notNullable();
    // What the step depended on besides the definition (calendar versions), so replay uses the same.
    c.json('env').notNullable();
    c.text('prev_hash').notNullable();
    c.text('hash').notNullable();
    // The primary key is what makes "no duplicate seq" true even if a caller
    // bypasses the optimistic check on `cases.version`.
    t.primary(['case_id', 'seq'], 'case_events_pkey');
    t.unique(['case_id', 'idempotency_key'], { indexName: 'case_events_idempotency_key_unique' });
  });
  await installAppendOnlyGuard(knex);

  await knex.schema.createTable('tasks', (t) => {
    const c = columns(knex, t);
    c.key('task_key').notNullable();
    c.key('case_id').notNullable().references('id').inTable('cases').withKeyName('tasks_case_fk');
    c.key('workflow_id').notNullable();
    c.key('state_id').notNullable();
    c.key('role').notNullable();
    c.key('org').notNullable();
    c.json('title').notNullable();
    c.key('opened_at').notNullable();
    c.int('opened_seq').notNullable();
    // Earliest due time of the deadlines around the task's state (null: none), kept current by every commit.
    c.key('due_at').nullable();
    // The person holding the task (claim, 转办); null while it is offered to its role.
    c.key('assignee').nullable();
    t.primary(['task_key'], 'tasks_pkey');
    t.index(['role', 'org'], 'tasks_role_org_idx');
    t.index(['case_id'], 'tasks_case_idx');
    t.index(['due_at'], 'tasks_due_idx');
    t.index(['assignee'], 'tasks_assignee_idx');
  });
}

/** Drops everything `up` created. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('tasks');
  await knex.schema.dropTableIfExists('case_events');
  await dropAppendOnlyGuard(knex);
  await knex.schema.dropTableIfExists('cases');
  await knex.schema.dropTableIfExists('workflow_definitions');
}
