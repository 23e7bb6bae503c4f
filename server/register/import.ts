/**
 * Importing the register from a spreadsheet: enterprises and key sites (one
 * row each: 编号, 单位名称, 统一社会信用代码, 行业领域, 地址, 所属网格, 重大危险源,
 * 监管部门) and the departments that supervise each industry (行业领域,
 * 监管部门). Every row is checked first and every problem reported with its
 * row, column and a stable code; only a file without problems is written,
 * in one transaction, so a bad row never leaves half a register behind.
 */
import type { Clock } from '../../engine/index.js';
import { HttpError } from '../http-errors.js';
import { createKnexPeopleStore, type PeopleDatabase } from '../knex-people.js';
import { addOrg } from '../people.js';
import type { OrgRecord } from '../people-ports.js';
import { CREDIT_CODE_MESSAGES, creditCodeProblem } from './credit-code.js';
import { saveIndustryDepartments } from './industry-departments.js';
import type { Sheet } from './sheet.js';

/** The columns of an enterprise sheet (the header row must name them). */
export const ENTERPRISE_COLUMNS = {
  id: '编号', name: '单位名称', creditCode: '统一社会信用代码', industry: '行业领域', address: '地址', grid: '所属网格', majorHazard: '重大危险源', supervisors: '监管部门',
} as const;
/** The columns of an industry sheet. */
export const INDUSTRY_COLUMNS = { industry: '行业领域', departments: '监管部门' } as const;

const REQUIRED_ENTERPRISE: (keyof typeof ENTERPRISE_COLUMNS)[] = ['id', 'name', 'industry', 'address', 'grid'];
const ORG_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const FLAGS: Record<string, boolean> = { '': false, 是: true, 否: false, 有: true, 无: false, true: true, false: false, '1': true, '0': false, Y: true, N: false };
/** Lists in a cell: 、 or commas or semicolons (either width). */
const splitList = (cell: string) => cell.split(/[、,，;；]/).map((s) => s.trim()).filter((s) => s !== '');

/** Who imports: the rows must lie in their subtree; the CLI's operator names a user. */
export interface Importer {
  user: { id: string };
  subtree: ReadonlySet<string>;
}

/** One problem of an import, as the answer's `issues` carry it. */
export interface ImportIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

/** What an import did. */
export interface ImportOutcome {
  created: number;
  unchanged: number;
}

/** A profile in one key order (PostgreSQL's jsonb keeps its own), to tell an identical row from a changed one. */
const profileKey = (e: OrgRecord['enterprise']) =>
  e ? JSON.stringify([e.industry, e.address, e.creditCode ?? null, [...e.supervisors], e.majorHazard === true]) : '';

const issue = (row: number, column: string, code: string, message: string): ImportIssue => ({ code, path: ['file', row, column], message });

function rejectIfAny(issues: ImportIssue[]): void {
  if (issues.length > 0) {
    const rows = new Set(issues.map((i) => i.path[1]));
    throw new HttpError('import_rejected', `${rows.size} row(s) of the file have problems; nothing was imported`, issues.slice(0, 200));
  }
}

function missingColumns(sheet: Sheet, columns: readonly string[]): ImportIssue[] {
  return columns.filter((c) => !sheet.headers.includes(c)).map((c) => issue(1, c, 'missing_column', `表头缺少“${c}”列`));
}

/** Finds an org by its id or its exact name among `candidates`. */
function resolveOrg(text: string, candidates: readonly OrgRecord[]): OrgRecord | 'ambiguous' | undefined {
  const byId = candidates.find((o) => o.id === text);
  if (byId) return byId;
  const named = candidates.filter((o) => o.name === text);
  return named.length > 1 ? 'ambiguous' : named[0];
}

/**
 * Imports enterprises below grids of the caller's subtree. Writes all rows in
 * one transaction, or nothing (`import_rejected` with every bad row).
 * @example
 * await importEnterprises(store, clock, principal, await readSheet(file, 'xlsx'));
 */
export async function importEnterprises(db: PeopleDatabase, clock: Clock, p: Importer, sheet: Sheet): Promise<ImportOutcome> {
  const C = ENTERPRISE_COLUMNS;
  rejectIfAny(missingColumns(sheet, Object.values(C)));
  const people = createKnexPeopleStore(db);
  const all = await people.listOrgs();
  const known = new Map(all.map((o) => [o.id, o]));
  const offices = all.filter((o) => o.level !== 'enterprise');
  const codes = new Map(all.filter((o) => o.enterprise?.creditCode).map((o) => [o.enterprise!.creditCode!, o.id]));
  const issues: ImportIssue[] = [];
  const seenIds = new Map<string, number>();
  const planned: { input: Parameters<typeof addOrg>[2]; parent: OrgRecord }[] = [];
  for (const { row, cells } of sheet.rows) {
    const bad = (column: string, code: string, message: string) => issues.push(issue(row, column, code, message));
    const before = issues.length;
    for (const k of REQUIRED_ENTERPRISE) if (cells[C[k]] === '') bad(C[k], 'required', `“${C[k]}”不能为空`);
    const id = cells[C.id]!;
    if (id !== '' && !ORG_ID.test(id)) bad(C.id, 'invalid_id', '编号只含小写字母、数字和连字符，不超过 64 位');
    if (id !== '' && seenIds.has(id)) bad(C.id, 'duplicate_row', `编号与第 ${seenIds.get(id)} 行重复`);
    seenIds.set(id, row);
    const code = cells[C.creditCode]!;
    if (code !== '') {
      const problem = creditCodeProblem(code);
      if (problem) bad(C.creditCode, problem, CREDIT_CODE_MESSAGES[problem]);
      else if (codes.has(code) && codes.get(code) !== id) bad(C.creditCode, 'duplicate_credit_code', '该统一社会信用代码已登记为另一单位');
      else codes.set(code, id);
    }
    const flag = FLAGS[cells[C.majorHazard]!];
    if (flag === undefined) bad(C.majorHazard, 'invalid_flag', '重大危险源填“是”或“否”');
    const grid = cells[C.grid] === '' ? undefined : resolveOrg(cells[C.grid]!, offices);
    if (cells[C.grid] !== '') {
      if (grid === 'ambiguous') bad(C.grid, 'grid_ambiguous', '有多个同名单位，请填写编号');
      else if (!grid) bad(C.grid, 'grid_not_found', `找不到网格“${cells[C.grid]}”`);
      else if (!p.subtree.has(grid.id)) bad(C.grid, 'grid_out_of_jurisdiction', '该网格不在本单位辖区内');
    }
    const supervisors: string[] = [];
    for (const name of splitList(cells[C.supervisors]!)) {
      const s = resolveOrg(name, offices);
      if (!s || s === 'ambiguous') bad(C.supervisors, 'supervisor_not_found', `找不到监管部门“${name}”（填写其编号或全称）`);
      else supervisors.push(s.id);
    }
    const existing = known.get(id);
    if (existing && existing.level !== 'enterprise') bad(C.id, 'org_exists', '该编号已是一个机关单位');
    if (issues.length > before || !grid || grid === 'ambiguous') continue;
    const profile = { industry: cells[C.industry]!, address: cells[C.address]!, creditCode: code === '' ? null : code, supervisors, ...(flag ? { majorHazard: true } : {}) };
    if (existing && (existing.parentId !== grid.id || existing.name !== cells[C.name] || profileKey(existing.enterprise) !== profileKey(profile))) {
      bad(C.id, 'org_exists', '该编号已登记为内容不同的单位（修改请在单位页面进行）');
      continue;
    }
    planned.push({ input: { id, name: cells[C.name]!, level: 'enterprise', parentId: grid.id, enterprise: profile }, parent: grid });
  }
  rejectIfAny(issues);
  return db.knex.transaction(async (trx) => {
    const tx = createKnexPeopleStore({ knex: trx, dialect: db.dialect });
    const outcome: ImportOutcome = { created: 0, unchanged: 0 };
    for (const { input, parent } of planned) outcome[(await addOrg(tx, clock, input, parent, known)).created ? 'created' : 'unchanged']++;
    return outcome;
  });
}

/**
 * Imports which departments supervise each industry for `ownerOrg` (a city,
 * usually): one row per industry, the departments separated by 、. Replaces
 * the rows of the industries named; the others stay.
 */
export async function importIndustryDepartments(db: PeopleDatabase, clock: Clock, p: Importer, ownerOrg: string, sheet: Sheet): Promise<ImportOutcome> {
  const C = INDUSTRY_COLUMNS;
  rejectIfAny(missingColumns(sheet, Object.values(C)));
  const issues: ImportIssue[] = [];
  const seen = new Map<string, number>();
  const rows: { industry: string; departments: string[] }[] = [];
  for (const { row, cells } of sheet.rows) {
    const industry = cells[C.industry]!;
    const departments = [...new Set(splitList(cells[C.departments]!))];
    if (industry === '') issues.push(issue(row, C.industry, 'required', '“行业领域”不能为空'));
    else if (seen.has(industry)) issues.push(issue(row, C.industry, 'duplicate_row', `行业领域与第 ${seen.get(industry)} 行重复`));
    if (departments.length === 0) issues.push(issue(row, C.departments, 'required', '“监管部门”不能为空'));
    if (departments.some((d) => d.length > 100)) issues.push(issue(row, C.departments, 'too_long', '部门名称不超过 100 字'));
    seen.set(industry, row);
    rows.push({ industry, departments });
  }
  rejectIfAny(issues);
  await saveIndustryDepartments(db.knex, { ownerOrg, rows, by: p.user.id, at: clock.now().toISOString() });
  return { created: rows.length, unchanged: 0 };
}
