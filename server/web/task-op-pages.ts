/**
 * The case page's part for multi-person tasks (会签 / 或签 / 票签 progress,
 * signing, 加签 / 减签), delegation (委派 and handing back) and copies (已阅),
 * and the 抄送我的 page. What a person may do comes from the engine's
 * `taskOps` (decided in core); the forms only send the built-in events.
 * Plain form posts: everything works without JavaScript.
 */
import express from 'express';
import type { CaseView, WorkflowDefinition } from '../../engine/index.js';
import type { Principal } from '../access.js';
import { assertWriter } from '../access.js';
import { bodyGuard } from '../body-guard.js';
import { listCopies } from '../copies.js';
import { HttpError } from '../http-errors.js';
import { visibleCase } from '../routes/cases.js';
import { page, sendPage, type WebDeps } from './context.js';
import { namesOf, roleTitle } from './display.js';
import { pageError } from './page-errors.js';
import { zh } from './render.js';

const RULE_LABELS = { all: '会签（全部同意）', any: '或签（一人同意即可）' } as const;
const STATUS_LABELS = { pending: '待签', approved: '同意', rejected: '不同意' } as const;

function ruleLabel(rule: unknown): string {
  if (rule === 'all' || rule === 'any') return RULE_LABELS[rule];
  const share = (rule as { share?: number }).share ?? 1;
  return `票签（同意达 ${Math.round(share * 100)}% 即通过）`;
}

/** What the case page shows of signings, delegations and copies, with the forms the reader may use. */
export async function taskOpsView(deps: WebDeps, view: CaseView, def: WorkflowDefinition, p: Principal) {
  const names = namesOf(deps.people, deps.orgs);
  const ops = p.isAuditor ? undefined : view.taskOps;
  const person = async (id: string) => (await names.user(id)) ?? '办理人员';
  const stateTitleOf = (id: string) => {
    let node: { title?: unknown; states?: Record<string, unknown> } | undefined = { states: def.states };
    for (const k of id.split('.')) node = node?.states?.[k] as typeof node;
    return zh(node?.title as never, '环节');
  };
  const signing = await Promise.all((view.signing ?? []).map(async (s) => ({
    task: s.task, title: zh(s.title, '会签'), rule: ruleLabel(s.rule),
    signed: s.slots.filter((x) => x.status !== 'pending').length, total: s.slots.length,
    canSign: ops?.sign.includes(s.task) ?? false, canManage: ops?.manageSigners.includes(s.task) ?? false,
    roles: def.roles.filter((r) => r !== 'system').map((r) => ({ value: r, label: roleTitle(r) })),
    slots: await Promise.all(s.slots.map(async (x) => ({
      id: x.id, status: x.status, statusLabel: STATUS_LABELS[x.status],
      who: x.user !== undefined ? await person(x.user) : `${(await names.org(x.org ?? '')) ?? '—'} · ${roleTitle(x.role ?? '')}`,
      signer: x.signature ? await person(x.signature.userId) : undefined, comment: x.signature?.comment, at: x.signature?.at,
      added: x.added ? `${await person(x.added.by)}加签：${x.added.reason}` : undefined,
      removable: (ops?.manageSigners.includes(s.task) ?? false) && x.status === 'pending' && s.slots.length > 1,
    }))),
  })));
  const delegations = await Promise.all((view.delegations ?? []).map(async (d) => ({ task: d.task, title: stateTitleOf(d.task), holder: await person(d.holder), delegate: await person(d.delegate), reason: d.reason, at: d.at, canResolve: ops?.resolve.includes(d.task) ?? false })));
  const delegable = (ops?.delegate ?? []).map((task) => ({ task, title: stateTitleOf(task) }));
  const copies = await Promise.all((view.copies ?? []).map(async (c) => ({
    key: c.key, title: stateTitleOf(c.stateId), at: c.at, canRead: ops?.readCopies.includes(c.key) ?? false,
    readers: (await Promise.all(c.reads.map(async (r) => await person(r.userId)))).join('、'),
  })));
  const any = signing.length + delegations.length + delegable.length + copies.length > 0;
  return { any, signing, delegations, delegable, copies, encodedId: encodeURIComponent(view.id), version: view.version };
}

/** The payload of the built-in event a form posts, by its `_op`. */
function commandOf(body: Record<string, string | undefined>): { type: string; payload: Record<string, unknown> } {
  const text = (k: string) => (body[k] ?? '').trim();
  const opt = (k: string) => (text(k) === '' ? {} : { [k]: text(k) });
  switch (body._op) {
    case 'sign': return { type: 'task.sign', payload: { task: text('task'), decision: text('decision'), ...opt('comment') } };
    case 'addSigner': return { type: 'task.addSigners', payload: { task: text('task'), signers: [{ role: text('role'), org: text('org') }], reason: text('reason') } };
    case 'removeSigner': return { type: 'task.removeSigner', payload: { task: text('task'), slot: text('slot'), reason: text('reason') || '减签' } };
    case 'delegate': return { type: 'task.delegate', payload: { task: text('task'), to: text('to'), reason: text('reason') } };
    case 'resolve': return { type: 'task.resolve', payload: { task: text('task'), comment: text('comment') } };
    case 'read': return { type: 'copy.read', payload: { copy: text('copy') } };
    default: throw new HttpError('invalid_request', '未知的操作。');
  }
}

const DONE_LABELS: Record<string, string> = { sign: '已签署', addSigner: '已加签', removeSigner: '已减签', delegate: '已委派', resolve: '已办理并交回', read: '已阅' };

/** POST /cases/:id/ops (the forms above) and GET /copies (抄送我的). */
export function taskOpPages(deps: WebDeps): express.Router {
  const { engine } = deps;
  const router = express.Router();
  const form = [express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 20 }), bodyGuard];

  router.post('/cases/:id/ops', form, page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    await visibleCase(engine, p, caseId);
    assertWriter(p);
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const back = `/cases/${encodeURIComponent(caseId)}`;
    try {
      const cmd = commandOf(body);
      // 委派 names a person the caller must be able to see, as the API checks.
      if (cmd.type === 'task.delegate') {
        const target = await deps.people.getUser(String(cmd.payload.to));
        if (!target || !p.subtree.has(target.orgId)) throw new HttpError('user_not_found', '找不到该人员（须为本辖区内的人员）。');
      }
      const expected = Number(body._expectedVersion);
      await engine.send(caseId, { ...cmd, expectedVersion: Number.isInteger(expected) ? expected : undefined }, p.actor);
      res.redirect(303, `${back}?opDone=${encodeURIComponent(DONE_LABELS[body._op ?? ''] ?? '已办理')}#task-ops`);
    } catch (err) {
      res.redirect(303, `${back}?opError=${encodeURIComponent(pageError(err).message)}#task-ops`);
    }
  }));

  router.get('/copies', page(deps, async (req, res, p) => {
    const knex = (engine.store as { knex?: Parameters<typeof listCopies>[0] }).knex;
    const unread = req.query.unread === 'true';
    const items = knex ? await listCopies(knex, { userId: p.user.id, roles: p.user.roles, org: p.user.orgId, unread, limit: 200 }) : [];
    const rows = await Promise.all(items.map(async (c) => {
      const record = await engine.findCase(c.caseId);
      const wf = record ? await engine.registry.get(record.workflowId, record.workflowVersion) : undefined;
      return { ...c, encodedCase: encodeURIComponent(c.caseId), titleText: zh(c.title as never, '抄送'), workflowTitle: wf ? zh(wf.definition.title, '流程') : '—', read: c.readAt !== null };
    }));
    sendPage(deps, res, 'copies', '抄送我的', p, { rows, unread, unreadCount: rows.filter((r) => !r.read).length });
  }));
  return router;
}
