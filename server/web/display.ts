/**
 * What a person reads of case data: values by their field schema (enum codes
 * by their `enumTitles`, booleans 是/否, instants in Asia/Shanghai, people
 * and orgs by name, missing values —), and the case title a definition's
 * `caseTitle` template makes of the data. Nothing here shows ids, codes,
 * `null` or ISO times.
 */
import type { FieldSchema, LocalizedText, ObjectSchema } from '../../engine/index.js';
import type { PeopleStore } from '../people-ports.js';
import type { OrgDirectory } from '../access.js';
import { isAttachmentRef, parseAttachmentRef } from '../attachments.js';
import { shanghaiTime, zh } from './render.js';

/** Shown for a value that is not there. */
export const MISSING = '—';

/** Resolves ids to names (memoized per page). */
export interface Names {
  user(id: string): Promise<string | undefined>;
  org(id: string): Promise<string | undefined>;
}

/** Names from the people store and the org directory, each looked up once. */
export function namesOf(people: PeopleStore, orgs: OrgDirectory): Names {
  const users = new Map<string, Promise<string | undefined>>();
  const orgNames = new Map<string, Promise<string | undefined>>();
  return {
    user(id) {
      if (!users.has(id)) users.set(id, people.getUser(id).then((u) => u?.name).catch(() => undefined));
      return users.get(id)!;
    },
    org(id) {
      if (!orgNames.has(id)) orgNames.set(id, orgs.get(id).then((o) => o?.name).catch(() => undefined));
      return orgNames.get(id)!;
    },
  };
}

const ID_LIKE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A date `2026-03-05` as 2026年3月5日. */
export function chineseDate(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : text;
}

/** One value as text (lists joined with 、, objects as 「label：value」 pairs). */
export async function displayValue(field: FieldSchema | undefined, value: unknown, names: Names): Promise<string> {
  if (value === null || value === undefined || value === '') return MISSING;
  if (typeof value === 'boolean') return field?.enumTitles?.[String(value)] ?? (value ? '是' : '否');
  if (typeof value === 'number') return field?.enumTitles?.[String(value)] ?? value.toLocaleString('zh-CN');
  if (typeof value === 'string') {
    if (field?.enumTitles?.[value] !== undefined) return field.enumTitles[value]!;
    if (isAttachmentRef(value)) return parseAttachmentRef(value)?.name ?? '附件';
    if (field?.format === 'date-time' || ISO_INSTANT.test(value)) return shanghaiTime(value);
    if (field?.format === 'date') return chineseDate(value);
    if (ID_LIKE.test(value) && (field?.refersTo !== undefined || !field?.enum)) {
      const name = field?.refersTo === 'user' ? await names.user(value) : field?.refersTo ? await names.org(value) : ((await names.user(value)) ?? (await names.org(value)));
      if (name) return name;
    }
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return MISSING;
    const parts = await Promise.all(value.map((v) => displayValue(field?.items, v, names)));
    return parts.join('、');
  }
  if (typeof value === 'object') {
    if ((value as { redacted?: unknown }).redacted === true) return '「已隐去」';
    const props = field?.properties ?? {};
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) parts.push(`${props[k]?.title ?? k}：${await displayValue(props[k], v, names)}`);
    return parts.length === 0 ? MISSING : parts.join('；');
  }
  return String(value);
}

/** A data row for the case page: label, text, and the attachments it holds (for links and thumbnails). */
export interface DataRow {
  key: string;
  label: string;
  value: string;
  attachments: { sha256: string; name: string; type: string; size: number; image: boolean }[];
}

/** Every field of `data` the schema knows (in the schema's order, then the others), as rows. */
export async function dataRows(schema: ObjectSchema | undefined, data: Record<string, unknown>, names: Names, opts: { skipMissing?: boolean } = {}): Promise<DataRow[]> {
  const props = schema?.properties ?? {};
  const keys = [...Object.keys(props).filter((k) => k in data), ...Object.keys(data).filter((k) => !(k in props))];
  const rows: DataRow[] = [];
  for (const key of keys) {
    const v = data[key];
    if (opts.skipMissing && (v === null || v === undefined)) continue;
    const list = Array.isArray(v) ? v : [v];
    const attachments = list.filter(isAttachmentRef).map((r) => parseAttachmentRef(r as string)!).filter(Boolean).map((a) => ({ ...a, image: a.type.startsWith('image/') }));
    rows.push({ key, label: props[key]?.title ?? key, value: await displayValue(props[key], v, names), attachments });
  }
  return rows;
}

/**
 * The case's title from the definition's `caseTitle` (`{{field}}` placeholders
 * over the data, each shown as {@link displayValue} shows it; missing ones
 * dropped), shortened to `max` characters; the workflow's title when the
 * template gives nothing.
 */
export async function caseTitle(def: { title: LocalizedText; caseTitle?: string | undefined; data?: ObjectSchema | undefined }, data: Record<string, unknown> | undefined, names: Names, max = 60): Promise<string> {
  const fallback = zh(def.title, '案件');
  if (!def.caseTitle || !data) return fallback;
  const props = def.data?.properties ?? {};
  const parts = def.caseTitle.split(/(\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\})/);
  let out = '';
  let any = false;
  for (const part of parts) {
    const m = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(part);
    if (!m) {
      out += part;
      continue;
    }
    const v = data[m[1]!];
    if (v === null || v === undefined || v === '' || (typeof v === 'object' && (v as { redacted?: unknown }).redacted === true)) continue;
    const text = await displayValue(props[m[1]!], v, names);
    if (text === MISSING) continue;
    any = true;
    out += text;
  }
  const clean = out.replace(/\s+/g, ' ').replace(/^[\s：:·,，、-]+|[\s：:·,，、-]+$/g, '').trim();
  if (!any || clean === '') return fallback;
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The Chinese names of the roles (a role without one shows as 办理人员). */
export const ROLE_TITLES: Readonly<Record<string, string>> = {
  admin: '系统管理员', auditor: '审计员', safetyCommitteeLeader: '安委会领导', safetyCommitteeOffice: '安委办', governmentLeader: '政府领导',
  regulatorLeader: '监管部门领导', regulatorReviewer: '监管部门审核人员', inspector: '执法检查人员', townshipSafetyOffice: '乡镇（街道）安监办',
  gridOfficer: '网格员', enterprisePrincipal: '企业主要负责人', enterpriseSafetyOfficer: '企业安全管理人员', expert: '专家', assessmentAgency: '评估机构',
  tipOffOfficer: '举报受理人员', unitHandler: '承办人', unitHead: '承办单位负责人', clerk: '经办人', chief: '负责人', chemist: '化工专家', system: '系统',
};

export const roleTitle = (role: string): string => ROLE_TITLES[role] ?? '办理人员';
