/**
 * Migration 010: a workflow version belongs to an org (DESIGN §10, issue 8).
 * `owner_org` is the org the version was registered at; it governs the cases
 * of that org's subtree only. Existing rows get `null`: the root, which is
 * what they effectively were (every version governed every org). Version
 * numbers stay unique per workflow id (the primary key is unchanged), so a
 * ref `hazard@3` still names one definition and cases need no new column.
 */
import type { Knex } from 'knex';
import { isPostgres } from './append-only-guard.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_definitions', (t) => {
    if (isPostgres(knex)) t.specificType('owner_org', 'text COLLATE "C"').nullable();
    else t.text('owner_org').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_definitions', (t) => {
    t.dropColumn('owner_org');
  });
}
