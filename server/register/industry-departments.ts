/**
 * 管行业必须管安全: which departments (应急管理, 住房和城乡建设, 交通运输,
 * 市场监督管理 …) supervise each industry, configured per owning org (a
 * city, usually) in `industry_departments`. An org reads the table of its
 * nearest ancestor-or-self that has one, so a district may override its city.
 */
import type { Knex } from 'knex';

/** One industry's departments. */
export interface IndustryDepartments {
  industry: string;
  departments: string[];
}

interface Row {
  owner_org: string;
  industry: string;
  departments: string;
}

/** Replaces the rows of the industries given, for `ownerOrg`, in one transaction. */
export async function saveIndustryDepartments(knex: Knex, input: { ownerOrg: string; rows: IndustryDepartments[]; by: string; at: string }): Promise<void> {
  await knex.transaction(async (trx) => {
    for (const r of input.rows) {
      await trx('industry_departments').where({ owner_org: input.ownerOrg, industry: r.industry }).delete();
      await trx('industry_departments').insert({ owner_org: input.ownerOrg, industry: r.industry, departments: JSON.stringify(r.departments), updated_by: input.by, updated_at: input.at });
    }
  });
}

/** Removes one industry's row of `ownerOrg`; false when there was none. */
export async function deleteIndustryDepartments(knex: Knex, ownerOrg: string, industry: string): Promise<boolean> {
  return (await knex('industry_departments').where({ owner_org: ownerOrg, industry }).delete()) > 0;
}

/**
 * The table that governs an org: that of the first org in `ancestry` (the org
 * first, the root last) that has rows, with the org that owns it.
 */
export async function industryTableFor(knex: Knex, ancestry: readonly string[]): Promise<{ ownerOrg: string | null; rows: IndustryDepartments[] }> {
  if (ancestry.length === 0) return { ownerOrg: null, rows: [] };
  const rows = (await knex<Row>('industry_departments').whereIn('owner_org', [...ancestry]).orderBy('industry')) as Row[];
  for (const org of ancestry) {
    const mine = rows.filter((r) => r.owner_org === org);
    if (mine.length > 0) return { ownerOrg: org, rows: mine.map((r) => ({ industry: r.industry, departments: JSON.parse(r.departments) as string[] })) };
  }
  return { ownerOrg: null, rows: [] };
}
