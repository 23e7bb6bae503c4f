/**
 * The documents a case issues, and what each says. A kind names the
 * workflow and the event that issues it and builds the document from the
 * case as that event left it: 责令限期整改指令书 (hazard, 下达整改指令书),
 * 督办函 (supervision letter, 签发), 通报 (circular, 签发), 约谈通知书
 * (interview, 批准约谈) and 结案报告 (any case of the listed workflows that
 * ends other than by withdrawal). The texts follow the usual wording of
 * these documents; the facts come from the case data and its history.
 */
import { buildStateTree, type EventRecord, type FieldSchema, type StateValue, type WorkflowDefinition } from '../../engine/index.js';
import { chineseDate, displayValue, type Names } from '../web/display.js';
import { zh } from '../web/render.js';
import type { OfficialDocument } from './layout.js';

/** What a document is built from. */
export interface DocumentContext {
  workflowId: string;
  org: string;
  /** The definition version in force after the issuing event (a migrated case ran on several). */
  def: WorkflowDefinition & { caseTitle?: string | undefined };
  /** The version in force after each event of `history`, in order (the same as `def` unless the case was migrated). */
  defs?: readonly WorkflowDefinition[] | undefined;
  /** The issuing event (its `state` is the case after it). */
  event: EventRecord;
  /** The case history up to and including the issuing event. */
  history: EventRecord[];
  names: Names;
  /** The case's title (the definition's `caseTitle` over the data). */
  caseTitle: string;
  /** The org and the orgs above it (the org first). */
  ancestry(orgId: string): Promise<readonly DocumentOrg[]>;
}

/** One kind of document. */
export interface DocumentKind {
  kind: string;
  /** What the case page calls it. */
  label: string;
  /** The workflows whose cases issue it. */
  workflows: readonly string[];
  /** The event types that may issue it (none: decided by the state the event leaves, see `issuedBy`). */
  events?: readonly string[];
  /** Whether this event, in this definition (of one of `workflows`), issues the document. */
  issuedBy(def: WorkflowDefinition, event: EventRecord): boolean;
  build(ctx: DocumentContext): Promise<OfficialDocument>;
}

type Data = Record<string, unknown>;
const dataOf = (ctx: DocumentContext): Data => ctx.event.state.data as Data;
const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v));

/** One field of the case data as a person reads it. */
async function show(ctx: DocumentContext, field: string, value: unknown = dataOf(ctx)[field]): Promise<string> {
  return displayValue(ctx.def.data?.properties?.[field] as FieldSchema | undefined, value, ctx.names);
}

/** The date of an instant in Asia/Shanghai, as 2026年3月2日. */
export function localDate(iso: string): string {
  return chineseDate(new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10));
}

/** An instant as a document writes it: 2026年3月2日9时30分 (Asia/Shanghai). */
export function localDateTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  if (Number.isNaN(d.getTime())) return iso;
  const minutes = d.getUTCMinutes();
  return `${localDate(iso)}${d.getUTCHours()}时${minutes ? `${minutes}分` : ''}`;
}

/** An org as a document names it. */
export interface DocumentOrg {
  name: string;
  level: string;
}

/**
 * The issuing authority (红头, 落款) for someone acting in an org: a regulator
 * (county level and above) issues as its emergency management bureau, or as
 * its safety committee office when the act is the committee's; a township as
 * its people's government (a 街道 as its 办事处); a grid as its township; an
 * enterprise under its own name. An org already named as an authority keeps
 * its name.
 * @param chain the org first, then the orgs above it
 */
export function issuingAuthority(chain: readonly DocumentOrg[], roles: readonly string[]): string {
  const org = chain[0];
  if (!org) return '应急管理部门';
  if (/(局|委员会|办公室|厅|政府|办事处)$/.test(org.name) || org.level === 'enterprise') return org.name;
  if (org.level === 'grid') return issuingAuthority(chain.slice(1), roles);
  if (org.level === 'township') return org.name.endsWith('街道') ? `${org.name}办事处` : `${org.name}人民政府`;
  return roles.some((r) => r.startsWith('safetyCommittee')) ? `${org.name}安全生产委员会办公室` : `${org.name}应急管理局`;
}

const orgName = async (ctx: DocumentContext, id: string | undefined): Promise<string> => (id && (await ctx.names.org(id))) || '应急管理部门';
const issuer = async (ctx: DocumentContext, e: EventRecord = ctx.event): Promise<string> => issuingAuthority(await ctx.ancestry(e.actor.org ?? ctx.org), e.actor.roles);
const names = (list: unknown, key = 'name'): string =>
  Array.isArray(list) ? list.map((x) => (x && typeof x === 'object' ? str((x as Data)[key]) : str(x))).filter(Boolean).join('、') : '';
const on = (workflowId: string, type: string) => ({ workflows: [workflowId], events: [type], issuedBy: (_def: WorkflowDefinition, e: EventRecord) => e.type === type });

const order: DocumentKind = {
  kind: 'order',
  label: '责令限期整改指令书',
  ...on('hazard', 'issueOrder'),
  async build(ctx) {
    const p = ctx.event.payload;
    const authority = await issuer(ctx);
    return {
      authority, docNo: str(p.orderNo), title: '责令限期整改指令书', addressee: await show(ctx, 'enterpriseId'),
      body: [
        `经查，你单位存在下列事故隐患：${await show(ctx, 'description')}（位置：${await show(ctx, 'location')}；隐患类别：${await show(ctx, 'hazardCategory')}；隐患等级：${await show(ctx, 'grade')}）。`,
        `依据《中华人民共和国安全生产法》第六十五条和《安全生产事故隐患排查治理暂行规定》的有关规定，现责令你单位于${chineseDate(str(p.orderDeadline))}前整改完毕，达到有关法律法规、规章和标准规定的要求。整改措施要求：${str(p.measures)}`,
        '整改完成后，请及时报送整改情况及整改前后的影像资料。逾期未整改或整改不合格的，将依法予以处理。',
        '如不服本指令，可以依法在六十日内申请行政复议，或者在六个月内依法提起行政诉讼，但本指令不停止执行，法律另有规定的除外。',
      ],
      signer: authority, date: localDate(ctx.event.at),
    };
  },
};

const letter: DocumentKind = {
  kind: 'letter',
  label: '督办函',
  ...on('supervision-letter', 'sign'),
  async build(ctx) {
    const d = dataOf(ctx);
    const authority = await issuer(ctx);
    const lead = Array.isArray(d.units) ? (d.units as Data[]).find((u) => u.lead === true) : undefined;
    const body: OfficialDocument['body'] = [
      `${str(d.basis) ? `根据${str(d.basis).replace(/[。；;，,]$/, '')}，` : ''}现将有关事项督办如下：`,
      { heading: '一、督办事项' },
      ...str(d.matters).split(/\n+/).filter(Boolean),
      { heading: '二、办理要求' },
      `请你单位高度重视，认真组织办理，于${await show(ctx, 'deadline')}前办理完毕，并书面回复办理结果。${str(d.replyFormat) ? `回复要求：${str(d.replyFormat).replace(/[。]$/, '')}。` : ''}${d.leadReplyConsolidates === true && lead ? `由牵头单位${str(lead.name)}汇总回复。` : ''}`,
    ];
    if (str(d.urgency)) body.push(`紧急程度：${await show(ctx, 'urgency')}。`);
    if (str(d.contact)) body.push(`联系人及电话：${str(d.contact)}。`);
    const attachments = Array.isArray(d.attachments) ? await Promise.all((d.attachments as unknown[]).map((a) => show(ctx, 'attachments', a))) : [];
    return {
      authority, docNo: str(d.letterNo), title: str(d.title) || '督办函', addressee: names(d.units) || undefined, body, attachments,
      signer: authority, date: str(d.issueDate) ? chineseDate(str(d.issueDate)) : localDate(ctx.event.at),
    };
  },
};

const circular: DocumentKind = {
  kind: 'circular',
  label: '通报',
  ...on('circular', 'sign'),
  async build(ctx) {
    const d = dataOf(ctx);
    const authority = await issuer(ctx);
    const body: OfficialDocument['body'] = str(d.body).split(/\n+/).map((s) => s.trim()).filter(Boolean);
    body.push(d.scope === 'public' ? '（此件公开发布）' : '（此件不公开）');
    const attachments = Array.isArray(d.attachments) ? await Promise.all((d.attachments as unknown[]).map((a) => show(ctx, 'attachments', a))) : [];
    return {
      authority, docNo: str(d.docNo), title: str(d.title) || '通报', addressee: names(d.addressees) || undefined, body, attachments,
      signer: authority, date: str(d.issueDate) ? chineseDate(str(d.issueDate)) : localDate(ctx.event.at),
    };
  },
};

const interviewNotice: DocumentKind = {
  kind: 'interview-notice',
  label: '约谈通知书',
  ...on('interview', 'approve'),
  async build(ctx) {
    const d = dataOf(ctx);
    const authority = await issuer(ctx);
    const matters = Array.isArray(d.matters) ? (d.matters as unknown[]).map(str).filter(Boolean) : [str(d.matters)].filter(Boolean);
    const attendees = Array.isArray(d.requiredAttendees)
      ? (d.requiredAttendees as Data[]).map((a) => (str(a.post) ? `${str(a.post)}${str(a.name)}` : str(a.name))).filter(Boolean).join('、')
      : '';
    const body: OfficialDocument['body'] = [
      `${str(d.reason) ? `因${str(d.reason).replace(/[。；;，,]$/, '')}，` : ''}${str(d.legalBasis) ? `依据${str(d.legalBasis).replace(/[。；;，,]$/, '')}，` : ''}本机关决定对你单位进行安全生产约谈。现将有关事项通知如下：`,
      `一、约谈时间：${str(d.meetingAt) ? localDateTime(str(d.meetingAt)) : '另行通知'}。`,
      `二、约谈地点：${str(d.place) || '另行通知'}。`,
      `三、约谈事项：${matters.length > 1 ? matters.map((m, i) => `${i + 1}. ${m.replace(/[。；;]$/, '')}`).join('；') : (matters[0] ?? '').replace(/[。；;]$/, '')}。`,
    ];
    if (attendees) body.push(`四、参加人员：请你单位${attendees}参加。`);
    if (str(d.materials)) body.push(`${attendees ? '五' : '四'}、需准备的材料：${str(d.materials).replace(/[。]$/, '')}。`);
    body.push('请你单位接到通知后及时确认参加人员，按时参加约谈，不得无故缺席或委托他人代为参加。');
    return { authority, docNo: str(d.noticeNo), title: '约谈通知书', addressee: str(d.intervieweeName) || (await show(ctx, 'intervieweeOrg')), body, signer: authority, date: localDate(ctx.event.at) };
  },
};

/** The workflows whose cases get a 结案报告 when they end. */
export const CLOSING_REPORT_WORKFLOWS = ['hazard', 'accident', 'supervision-letter', 'enforcement', 'interview'] as const;

/** Tags of the final state a value is in (none when the case has not ended there). */
function finalTags(def: WorkflowDefinition, value: StateValue): string[] {
  const tree = buildStateTree(def);
  const leaves: string[] = [];
  const walk = (v: StateValue, prefix: string[]) => {
    if (typeof v === 'string') leaves.push([...prefix, v].join('.'));
    else for (const [k, c] of Object.entries(v)) walk(c, [...prefix, k]);
  };
  walk(value, []);
  return leaves.flatMap((id) => {
    const node = tree.byId.get(id);
    return node?.kind === 'final' ? (node.def.tags ?? ['final']) : [];
  });
}

const days = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000));

const closingReport: DocumentKind = {
  kind: 'closing-report',
  label: '结案报告',
  workflows: CLOSING_REPORT_WORKFLOWS,
  issuedBy(def, e) {
    if (e.state.status !== 'done') return false;
    const tags = finalTags(def, e.state.value);
    return tags.length > 0 && !tags.includes('terminated');
  },
  async build(ctx) {
    const first = ctx.history[0]!;
    const authority = await issuer(ctx);
    const steps: string[] = [];
    for (const [i, e] of ctx.history.entries()) {
      // An event is named by the version it was sent on: the one in force before it.
      const title = zh((ctx.defs?.[i - 1] ?? ctx.defs?.[i] ?? ctx.def).events?.[e.type]?.title);
      if (!title) continue; // the engine's own bookkeeping (claims, timers) is not a step of the case
      const who = e.actor.name ?? (await ctx.names.user(e.actor.id)) ?? (e.actor.id.startsWith('system') ? '系统' : '办理人员');
      const where = e.actor.org ? await ctx.names.org(e.actor.org) : undefined;
      steps.push(`${localDate(e.at)}，${who}${where && !who.includes(where) ? `（${where}）` : ''}${title}。`);
    }
    const finalState = buildStateTree(ctx.def).byId.get(typeof ctx.event.state.value === 'string' ? ctx.event.state.value : '');
    const children = ctx.event.state.children ?? [];
    const body: OfficialDocument['body'] = [
      { heading: '一、基本情况' },
      `${zh(ctx.def.title, '案件')}「${ctx.caseTitle}」由${await orgName(ctx, ctx.org)}办理，于${localDate(first.at)}立案，于${localDate(ctx.event.at)}办结，历时${days(first.at, ctx.event.at)}日。`,
      { heading: '二、办理经过' },
      ...(steps.length ? steps : ['无办理记录。']),
      { heading: '三、办理结果' },
      `办结情况：${zh(finalState?.def.title, '已办结')}${zh(finalState?.def.description) ? `（${zh(finalState?.def.description)}）` : ''}。`,
    ];
    if (children.length) body.push(`本案派生关联案件${children.length}件，其中已办结${children.filter((c) => c.finalState !== null).length}件。`);
    body.push('以上情况，特此报告。本报告所述办理经过均取自案件办理记录，可在审计视图中逐条核验。');
    return { authority, title: `关于${ctx.caseTitle}的结案报告`, body, signer: authority, date: localDate(ctx.event.at) };
  },
};

/** Every kind of document, in the order the case page lists them. */
export const DOCUMENT_KINDS: readonly DocumentKind[] = [order, letter, circular, interviewNotice, closingReport];
