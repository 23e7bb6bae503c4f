/**
 * The tipster's channel without a login (issue 9, tip-off): a per-case query
 * code, random and unguessable, is handed out once when the tip-off is taken
 * in (`POST /api/v1/tipoffs`); only its SHA-256 is kept, in the case data
 * (`queryCodeHash`). Anyone holding the code reads the state of the tip-off in
 * plain Chinese words — received, accepted, not accepted and why, forwarded to
 * whom, the finding, the reward — from `GET /api/v1/tipoffs/status?code=…` or
 * the page `/tipoff-status`. The answer never carries a case id, an org id, a
 * state key, an enum code or a person: an unknown code is a plain 404, and
 * guesses are counted per client IP by the sign-in limiter of
 * `rate-limits.ts` (only failed lookups count, as only failed sign-ins do).
 */
import { createHash, randomInt } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { CaseRecord, KnexStore, StateValue } from '../../engine/index.js';
import { findTipOffByCodeHash } from '../tipoff-query-codes.js';
import { assertWriter, visibleOrg } from '../access.js';
import { HttpError } from '../http-errors.js';
import type { RateLimits } from '../rate-limits.js';
import { Reply, route, type Route } from '../routing.js';
import type { RouteDeps } from './deps.js';
import { routeOpenedCase } from './cases.js';

const WORKFLOW = 'tip-off';
/** Crockford's base32 without I, L, O, U: 16 characters are 80 random bits. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 16;
const CodeQuery = z.object({ code: z.string().trim().regex(/^[0-9A-Za-z-]{16,24}$/, 'a query code is 16 letters and digits, grouped by dashes').optional() });

/** A fresh query code, `XXXX-XXXX-XXXX-XXXX`. */
export function newQueryCode(): string {
  const chars = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** The stored form of a code: SHA-256 (hex) of its letters and digits, upper case. */
export function queryCodeHash(code: string): string {
  return createHash('sha256').update(code.replace(/-/g, '').toUpperCase(), 'utf8').digest('hex');
}

const NOT_ACCEPTED_WORDS: Record<string, string> = {
  sameMatterAccepted: '同一事项已经受理，正在办理',
  noClearTarget: '举报内容没有明确的被举报单位或具体事实',
  outOfScope: '所举报事项不属于安全生产举报受理范围，请向有权处理的机关反映',
  suggestion: '所反映的是意见建议，不作为举报受理',
  disclosureRequest: '所反映的是政府信息公开申请，请依照政府信息公开的规定提出',
  reviewOrLitigation: '所反映事项已经或者依法应当通过行政复议、诉讼等途径解决',
};

/** `2026年3月2日` in Beijing time. */
function zhDate(iso: unknown): string | undefined {
  if (typeof iso !== 'string' || iso === '') return undefined;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  const [y, m, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d).split('-');
  return `${Number(y)}年${Number(m)}月${Number(day)}日`;
}

function activeKeys(value: StateValue): string[] {
  if (typeof value === 'string') return [value];
  return Object.entries(value).flatMap(([k, v]) => [k, ...activeKeys(v as StateValue).map((c) => `${k}.${c}`)]);
}

/** What the tipster reads: a short status and sentences that say what happened. Never ids, codes or state keys. */
export function tipOffStatusText(record: Pick<CaseRecord, 'state' | 'createdAt'>): { status: string; message: string[] } {
  const data = record.state.data as Record<string, unknown>;
  const at = new Set(activeKeys(record.state.value));
  const text = (k: string) => (typeof data[k] === 'string' && data[k] !== '' ? (data[k] as string) : undefined);
  const received = `您的举报已于${zhDate(data.receivedAt) ?? zhDate(record.createdAt)}收到。`;
  if (at.has('received')) return { status: '已收到，正在审查是否受理', message: [received, '我们将在5个工作日内决定是否受理。'] };
  if (at.has('notAccepted')) {
    const why = NOT_ACCEPTED_WORDS[text('notAcceptReason') ?? ''] ?? '不符合受理条件';
    return { status: '不予受理', message: [received, `经审查，不予受理，原因是：${why}。`, ...(text('notAcceptComment') ? [`说明：${text('notAcceptComment')}`] : [])] };
  }
  if (at.has('forwarded')) {
    return { status: '已移送', message: [received, `所举报事项不属于本部门职责范围，已移送${text('forwardTo') ?? '有权处理的部门'}处理。`, ...(text('forwardReason') ? [`移送理由：${text('forwardReason')}`] : [])] };
  }
  const accepted = `已于${zhDate(data.acceptedAt) ?? '近日'}受理。`;
  const extended = data.extensionApprovedAt ? [`因情况复杂，经上级部门批准，办理期限已延长${text('extensionReason') ? `，理由是：${text('extensionReason')}` : ''}。`] : [];
  if (at.has('handling.verifying')) return { status: '已受理，正在核查', message: [received, accepted, '正在核查中，办理期限为受理之日起60日。', ...extended] };
  if (at.has('handling.reVerifying')) return { status: '正在复核', message: [received, accepted, '您对核查结论提出的复核申请已收到，正在复核。'] };
  const concealed = data.matterKind === 'concealedAccident';
  const finding = data.substantiated === true
    ? concealed ? '经核查，您举报的瞒报事故问题属实，已移交事故调查处理。' : '经核查，您举报的问题属实，已立案督促整改。'
    : '经核查，您举报的问题不属实。';
  const reply = text('replyText') ? [`答复意见：${text('replyText')}`] : [];
  if (at.has('handling.replying')) return { status: '核查完成，正在答复', message: [received, accepted, finding] };
  if (at.has('handling.rewardNotified')) {
    return { status: '已办结，待领取奖励', message: [received, accepted, finding, ...reply, `经审查，给予您举报奖励${String(data.rewardAmount ?? '')}元，请自通知之日（${zhDate(data.rewardNotifiedAt) ?? '近日'}）起60日内领取，逾期视为放弃。`] };
  }
  const done = record.state.status === 'done';
  const reward = data.rewardClaimedAt ? ['举报奖励已领取。'] : data.rewardForfeited ? ['举报奖励逾期未领取，视为放弃。'] : text('rewardDenyReason') ? [`经审查，不予奖励，原因是：${text('rewardDenyReason')}。`] : [];
  const review = done ? [] : ['如对核查结论有异议，可以在答复之日起30日内申请复核。'];
  return { status: done ? '已办结' : '已答复', message: [received, accepted, finding, ...reply, ...reward, ...review] };
}

const StatusAnswer = z.object({
  status: z.string().describe('the state of the tip-off in a few Chinese words'),
  message: z.array(z.string()).describe('what happened, sentence by sentence, in Chinese'),
});

const PAGE_STYLE = 'body{font-family:"PingFang SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#222}input{font-size:1rem;padding:.3rem;width:16rem}button{font-size:1rem;padding:.3rem .8rem}.status{font-weight:bold;font-size:1.2rem}';
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>安全生产举报办理情况查询</title><style>${PAGE_STYLE}</style></head><body><h1>安全生产举报办理情况查询</h1>
<form method="get" action="/tipoff-status"><label>查询码 <input name="code" autocomplete="off" required placeholder="例如 ABCD-EFGH-JKMN-PQRS"></label> <button type="submit">查询</button></form>
<p style="color:#666;font-size:.9rem">查询码在受理举报时告知您本人，请妥善保管，不要告诉他人。查询无需登录。</p>${body}</body></html>`;
}

export function tipOffStatusRoutes({ engine, orgs, logger }: RouteDeps, limits: RateLimits): Route[] {
  /** The tip-off whose code this is, or undefined. */
  const find = async (code: string): Promise<CaseRecord | undefined> => {
    const hash = queryCodeHash(code);
    // One primary-key read of the index (migration 025), then the case; the hash is checked again on the case itself.
    const store = engine.store as Partial<KnexStore>;
    if (store.knex === undefined) throw new HttpError('internal_error', 'the query-code index needs the SQL store');
    const caseId = await findTipOffByCodeHash(store as KnexStore, hash);
    const record = caseId === undefined ? undefined : await engine.findCase(caseId);
    return record && record.workflowId === WORKFLOW && (record.state.data as Record<string, unknown>).queryCodeHash === hash ? record : undefined;
  };
  /** Counts the lookup against the client's IP (failed ones only) and answers the status, or 404. */
  const lookup = async (req: Request, res: Response, code: string): Promise<{ status: string; message: string[] }> => {
    await limits.login(req, res);
    const record = await find(code);
    if (!record) throw new HttpError('not_found', 'no tip-off has this query code');
    return tipOffStatusText(record);
  };

  return [
    route(
      {
        method: 'post', path: '/api/v1/tipoffs', tag: 'tip-offs', auth: 'user', status: 201,
        summary: 'Take in a tip-off (举报受理登记) and hand out its query code: shown here once, only its hash is stored; the tipster reads the result with it at /tipoff-status without a login',
        body: z.object({ org: z.string().min(1).max(64).optional(), data: z.record(z.string(), z.unknown()) }).strict(),
        response: z.object({ caseId: z.string(), queryCode: z.string().describe('give it to the tipster now: it is not stored and cannot be shown again') }),
        errors: ['read_only', 'forbidden', 'org_not_found', 'org_out_of_jurisdiction', 'workflow_not_found', 'invalid_input'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        assertWriter(p);
        if (!p.user.roles.includes('tipOffOfficer')) throw new HttpError('forbidden', 'taking in a tip-off needs the role tipOffOfficer');
        const org = (await visibleOrg(p, orgs, body.org ?? p.user.orgId)).id;
        const queryCode = newQueryCode();
        const r = await engine.createCase({ workflowId: WORKFLOW, org, data: { ...body.data, queryCodeHash: queryCodeHash(queryCode) }, actor: p.actor });
        // Routed like any new case: the reported party's grid, township and department become responsible.
        await routeOpenedCase(engine, orgs, logger, r.case.id);
        return new Reply(201, { caseId: r.case.id, queryCode });
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/tipoffs/status', tag: 'tip-offs', auth: 'none', query: CodeQuery,
        summary: 'The result of a tip-off for its query code, in Chinese words, without a login; 404 for an unknown code; failed lookups are rate-limited per client IP',
        response: StatusAnswer,
        errors: ['not_found', 'rate_limited'],
      },
      async ({ req, res, query }) => {
        if (!query.code) throw new HttpError('not_found', 'no tip-off has this query code');
        return lookup(req, res, query.code);
      },
    ),
    route(
      {
        method: 'get', path: '/tipoff-status', tag: 'tip-offs', auth: 'none', mediaType: 'text/html',
        summary: 'The page a tipster reads the result on (zh-CN), with the query code; no login',
      },
      async ({ req, res }) => {
        const parsed = CodeQuery.safeParse(req.query);
        const code = parsed.success ? parsed.data.code : undefined;
        let body = '';
        let status = 200;
        if (typeof req.query.code === 'string' && req.query.code !== '') {
          try {
            if (!code) throw new HttpError('not_found', 'no tip-off has this query code');
            const answer = await lookup(req, res, code);
            body = `<section><p class="status">${escapeHtml(answer.status)}</p>${answer.message.map((m) => `<p>${escapeHtml(m)}</p>`).join('')}</section>`;
          } catch (err) {
            if (!(err instanceof HttpError)) throw err;
            status = err.code === 'rate_limited' ? 429 : 404;
            body = status === 429 ? '<p>查询过于频繁，请稍后再试。</p>' : '<p>未找到与该查询码对应的举报，请核对查询码后重试。</p>';
          }
        }
        res.status(status).type('html').set('Cache-Control', 'no-store').send(page(body));
        return undefined;
      },
    ),
  ];
}
