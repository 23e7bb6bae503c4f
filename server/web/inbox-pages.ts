/**
 * The inbox (站内消息: unread first, mark read, acknowledge a warning — the
 * page e-mailed warnings link to) and the admin page of the outbox rows that
 * did not go out (dead, unresolved) with a retry button. Plain form posts:
 * everything works without JavaScript.
 */
import express, { type Response } from 'express';
import type { WorkflowDefinition } from '../../engine/index.js';
import { redactorFor } from '../confidential.js';
import { caseTitle, namesOf } from './display.js';
import { inboxItemId, warningOf } from '../../notifications/index.js';
import type { Principal } from '../access.js';
import { bodyGuard } from '../body-guard.js';
import { HttpError, toErrorAnswer } from '../http-errors.js';
import { acknowledgeAs, adminRow, hidingForeign, markAllRead, myItem, notificationView, outboxRowView, outboxScope, type NotificationView } from '../routes/notifications.js';
import { page, sendPage, stateTitle, type WebDeps } from './context.js';
import { type AckRecord, type InboxItem } from '../../notifications/index.js';

/** Chinese labels of the notification kinds. */
const KIND_LABELS: Record<string, string> = {
  info: '通知', actionRequired: '待办', dueSoon: '即将到期', overdue: '逾期', escalated: '督办升级', closed: '办结', acknowledgedWarning: '预警叫应',
};
const ACK_LABELS: Record<string, string> = { waiting: '待确认', acknowledged: '已确认', exhausted: '已逐级上报，仍可确认', cancelled: '案件已结束' };
const STATUS_LABELS: Record<string, string> = { dead: '投递失败', unresolved: '无接收人', pending: '待投递', sending: '投递中', sent: '已投递' };

/** What the inbox template shows of an item. */
function itemView(n: NotificationView) {
  return {
    ...n,
    encodedId: encodeURIComponent(n.id),
    kindLabel: KIND_LABELS[n.kind] ?? n.kind,
    ackLabel: n.ack ? ACK_LABELS[n.ack.status] ?? n.ack.status : undefined,
    acknowledgedByOther: n.ack?.status === 'acknowledged' && n.acknowledgedAt === null,
  };
}

/** The title and current state of the cases items name (for cases the reader may see), each read once. */
function caseLinesOf(deps: WebDeps) {
  return (p: Principal) => {
    const names = namesOf(deps.people, deps.orgs);
    const memo = new Map<string, Promise<{ caseTitle?: string; caseState?: string; encodedCaseId: string }>>();
    return (caseId: string) => {
      if (!memo.has(caseId)) {
        memo.set(caseId, (async () => {
          const encodedCaseId = encodeURIComponent(caseId);
          const record = await deps.engine.findCase(caseId);
          if (!record || !p.subtree.has(record.org)) return { encodedCaseId };
          const def = (await deps.engine.registry.get(record.workflowId, record.workflowVersion)).definition as WorkflowDefinition & { caseTitle?: string };
          const red = await redactorFor(deps.engine, deps.orgs, p.actor, record);
          return { encodedCaseId, caseTitle: await caseTitle(def, red.data(record.state.data) as Record<string, unknown>, names), caseState: record.status === 'done' ? '已办结' : stateTitle(def, record.state.value) };
        })());
      }
      return memo.get(caseId)!;
    };
  };
}

/**
 * A message body as the inbox shows it: the item links to its case already,
 * so lines carrying the link go, and the case number reads as the case title.
 */
export function inboxBody(body: string, caseId: string, title: string | undefined): string {
  const lines = body.split('\n').filter((l) => !/https?:\/\//.test(l));
  const text = lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return title ? text.split(caseId).join(`「${title}」`).replace(/（案件编号\s*「[^」]*」）/g, '') : text;
}

const MAX_UNREAD = 200;
const MAX_READ = 50;

export function inboxPages(deps: WebDeps): express.Router {
  const { engine, orgs, dispatcher, outbox } = deps;
  const router = express.Router();
  const form = [express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), bodyGuard];
  const now = () => engine.clock.now().toISOString();
  const caseLines = caseLinesOf(deps);

  const inboxPage = async (res: Response, p: Principal, extra: Record<string, unknown> = {}, status = 200) => {
    const acks = new Map<string, AckRecord | undefined>();
    const unread = await outbox.inbox.list(p.user.id, { unreadOnly: true, limit: MAX_UNREAD });
    const recent = (await outbox.inbox.list(p.user.id, { limit: MAX_READ + unread.length })).filter((i) => i.readAt !== null).slice(0, MAX_READ);
    const cases = caseLines(p);
    const view = async (items: typeof unread) => {
      const out = [];
      for (const item of items) {
        const c = await cases(item.caseId);
        out.push({ ...itemView(await notificationView(outbox, p, item, acks)), ...c, body: inboxBody(item.body, item.caseId, c.caseTitle) });
      }
      return out;
    };
    res.locals.unread = await outbox.inbox.countUnread(p.user.id);
    sendPage(deps, res, 'inbox', '消息', p, { unreadItems: await view(unread), readItems: await view(recent), ...extra }, status);
  };

  router.get('/inbox', page(deps, async (req, res, p) => {
    const acked = typeof req.query.acked === 'string' ? req.query.acked : undefined;
    await inboxPage(res, p, { acked, allRead: req.query.allRead === '1' });
  }));

  router.post('/inbox/read-all', form, page(deps, async (req, res, p) => {
    await markAllRead(outbox, p, now());
    res.redirect(303, '/inbox?allRead=1');
  }));

  router.post('/notifications/:id/read', form, page(deps, async (req, res, p) => {
    const item = await myItem(outbox, p, String(req.params.id));
    await outbox.inbox.markRead(p.user.id, item.id, now());
    res.redirect(303, '/inbox');
  }));

  /**
   * The user's inbox item of a notification; for one that reached them by
   * e-mail or webhook only, an item made from the outbox row (so the e-mailed
   * link works whatever the channels). `not_a_recipient` when it never reached them.
   */
  const itemFor = async (p: Principal, id: string): Promise<InboxItem> => {
    const item = await outbox.inbox.get(p.user.id, inboxItemId(id, p.user.id));
    if (item) return item;
    const row = await outbox.get(id);
    if (!row) throw new HttpError('notification_not_found', `notification ${id} does not exist`);
    if (!(await outbox.deliveries.reached([id], p.user.id))) throw new HttpError('not_a_recipient', '您不是这条预警的接收人 (you did not receive this warning)');
    const ack = row.ack === null ? undefined : await outbox.acks.get(warningOf(id).rootId);
    return {
      id: inboxItemId(id, p.user.id), userId: p.user.id, outboxId: id, caseId: row.caseId, subject: `${KIND_LABELS[row.kind] ?? '通知'} · 案件 ${row.caseId}`, body: '', kind: row.kind,
      createdAt: row.createdAt, readAt: null, ackRequired: row.ack !== null, acknowledgedAt: ack?.acknowledgedBy === p.user.id ? ack.acknowledgedAt : null,
    };
  };

  // The page e-mailed warnings link to (`<DUBAN_PUBLIC_URL>/notifications/<id>/ack`): the warning and the button.
  const ackPage = async (res: Response, p: Principal, id: string, extra: Record<string, unknown> = {}, status = 200) => {
    const item = await hidingForeign(engine, outbox, p, id, () => itemFor(p, id));
    const n = { ...itemView(await notificationView(outbox, p, item)), ...(await caseLines(p)(item.caseId)) };
    sendPage(deps, res, 'notification-ack', `确认预警 ${n.subject}`, p, { n, ...extra }, status);
  };

  router.get('/notifications/:id/ack', page(deps, async (req, res, p) => {
    await ackPage(res, p, String(req.params.id));
  }));

  router.post('/notifications/:id/ack', form, page(deps, async (req, res, p) => {
    const id = String(req.params.id);
    const raw = typeof req.body?.comment === 'string' ? req.body.comment.trim() : '';
    try {
      if (raw.length > 1000) throw new HttpError('invalid_request', '说明不超过 1000 字 (at most 1000 characters)', [{ code: 'too_big', path: ['body', 'comment'], message: 'at most 1000 characters' }]);
      await acknowledgeAs(engine, dispatcher, outbox, p, id, raw === '' ? undefined : raw, now());
    } catch (err) {
      const a = toErrorAnswer(err);
      if (a.unexpected || a.status === 404) throw err;
      return ackPage(res, p, id, { error: a.body.error }, a.status);
    }
    res.redirect(303, `/inbox?acked=${encodeURIComponent(id)}`);
  }));

  const requireAdmin = (p: Principal) => {
    if (!p.isAdmin) throw new HttpError('forbidden', '需要管理员角色 (admin role required)');
  };
  const outboxPage = async (res: Response, p: Principal, extra: Record<string, unknown> = {}, status = 200) => {
    const scope = await outboxScope(orgs, p);
    const rowsOf = async (s: 'dead' | 'unresolved') =>
      (await outbox.list({ status: s, limit: 200, ...(scope ? { orgs: scope } : {}) })).map((r) => ({ ...outboxRowView(r), encodedId: encodeURIComponent(r.id), statusLabel: STATUS_LABELS[r.status] ?? r.status, kindLabel: KIND_LABELS[r.kind] ?? r.kind }));
    const stats = await outbox.count(scope ? { orgs: scope } : {});
    sendPage(deps, res, 'admin-outbox', '消息投递', p, { dead: await rowsOf('dead'), unresolved: await rowsOf('unresolved'), stats, ...extra }, status);
  };

  router.get('/admin/outbox', page(deps, async (req, res, p) => {
    requireAdmin(p);
    await outboxPage(res, p, { retried: typeof req.query.retried === 'string' ? req.query.retried : undefined });
  }));

  router.post('/admin/outbox/:id/retry', form, page(deps, async (req, res, p) => {
    requireAdmin(p);
    const id = String(req.params.id);
    try {
      await adminRow(engine, outbox, p, id);
      await dispatcher.retryDead(id);
    } catch (err) {
      const a = toErrorAnswer(err);
      if (a.unexpected) throw err;
      return outboxPage(res, p, { error: a.body.error }, a.status);
    }
    res.redirect(303, `/admin/outbox?retried=${encodeURIComponent(id)}`);
  }));

  return router;
}
