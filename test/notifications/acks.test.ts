import { afterEach, describe, expect, it } from 'vitest';
import { postgresAvailableForSuite } from '../support/services.js';
import { harness, inspector, type Harness } from './support.js';

const withPostgres = await postgresAvailableForSuite();

const MINUTE = 60_000;
const grid = { id: 'grid-1', roles: ['gridOfficer'], org: 'district-a', name: '王网格' };
const township = { id: 'town-1', roles: ['townshipHead'], org: 'district-a', name: '赵镇长' };

describe('acknowledged warnings (预警"叫应")', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.cleanup();
  });

  async function warn(): Promise<{ caseId: string; root: string }> {
    const { case: c } = await h.engine.createCase({ workflowId: 'notify-demo', org: 'district-a', actor: inspector });
    await h.engine.send(c.id, { type: 'warn' }, inspector);
    return { caseId: c.id, root: `${c.id}/2/0` };
  }
  const mailsTo = () => h.smtp.mails.map((m) => m.envelopeTo[0]);

  it('escalates along the chain when nobody acknowledges, each step in the case history', async () => {
    h = await harness();
    const d = h.dispatcher();
    const { caseId, root } = await warn();
    await d.runDue();
    expect(mailsTo()).toEqual(['wang.wangge@jiedao.test']);
    expect(h.smtp.mails[0]!.parsed.text).toContain('请于 2026年3月2日 10:30 前确认');
    expect(h.smtp.mails[0]!.parsed.text).toContain(`https://duban.test/notifications/${encodeURIComponent(root)}/ack`);
    expect((await h.outbox.inbox.list('grid-1'))[0]).toMatchObject({ ackRequired: true, acknowledgedAt: null });
    expect(await h.outbox.acks.get(root)).toMatchObject({ step: 0, status: 'waiting', dueAt: '2026-03-02T02:30:00.000Z' });

    h.clock.advance(29 * MINUTE);
    expect(await d.sweepAcks()).toBe(0);
    h.clock.advance(1 * MINUTE); // PT30M: thirty wall-clock minutes
    await d.runDue();
    expect(mailsTo()).toEqual(['wang.wangge@jiedao.test', 'zhao@zhen.test']);
    expect(h.smtp.mails[1]!.parsed.subject).toBe(`【预警·请立即确认】隐患排查治理（测试） ${caseId}`);
    expect(h.smtp.mails[1]!.parsed.text).toContain('请于 2026年3月2日 11:00 前确认');

    h.clock.advance(30 * MINUTE);
    await d.runDue();
    expect(mailsTo()).toEqual(['wang.wangge@jiedao.test', 'zhao@zhen.test', 'duty@county.test']);

    h.clock.advance(30 * MINUTE);
    await d.runDue();
    h.clock.advance(60 * MINUTE);
    await d.runDue();
    expect(mailsTo()).toHaveLength(3); // the chain is used up
    expect(await h.outbox.acks.get(root)).toMatchObject({ step: 2, status: 'exhausted' });

    const history = await h.engine.history(caseId);
    expect(history.map((e) => e.type)).toEqual(['case.created', 'warn', 'notification.escalated', 'notification.escalated']);
    expect(history.slice(2).map((e) => [e.actor.id, e.payload, e.at])).toEqual([
      ['system:notifications', { notification: root, step: 1, to: ['town-1'] }, '2026-03-02T02:30:00.000Z'],
      ['system:notifications', { notification: root, step: 2, to: ['county-1'] }, '2026-03-02T03:00:00.000Z'],
    ]);
    expect((await h.engine.verify(caseId)).ok).toBe(true);
    // Late, but still accepted: the county duty office confirms after the chain ran out.
    await expect(d.acknowledge(`${root}/ack2`, { id: 'county-1', roles: ['countyOffice'] })).resolves.toMatchObject({ notificationId: root, step: 2, recorded: true });
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    it.skipIf(backend === 'postgres' && !withPostgres)(`stops escalating once a recipient acknowledges, recorded as that user (${backend})`, async () => {
      h = await harness({ postgres: backend === 'postgres' });
      const d = h.dispatcher();
      const { caseId, root } = await warn();
      await d.runDue();
      h.clock.advance(30 * MINUTE);
      await d.runDue();
      expect(mailsTo()).toEqual(['wang.wangge@jiedao.test', 'zhao@zhen.test']);

      h.clock.advance(10 * MINUTE);
      await expect(d.acknowledge(`${root}/ack1`, inspector)).rejects.toMatchObject({ code: 'not_a_recipient' });
      const result = await d.acknowledge(`${root}/ack1`, township, '已到岗，正在组织排查');
      expect(result).toEqual({ notificationId: root, acknowledgedId: `${root}/ack1`, acknowledgedAt: '2026-03-02T02:40:00.000Z', step: 1, recorded: true });
      // Acknowledging again is harmless; someone else cannot take it over.
      await expect(d.acknowledge(`${root}/ack1`, township)).resolves.toMatchObject({ acknowledgedAt: '2026-03-02T02:40:00.000Z' });
      await expect(d.acknowledge(root, grid)).rejects.toMatchObject({ code: 'already_acknowledged' });

      h.clock.advance(120 * MINUTE);
      await d.runDue();
      expect(mailsTo()).toHaveLength(2);
      const history = await h.engine.history(caseId);
      expect(history.map((e) => e.type)).toEqual(['case.created', 'warn', 'notification.escalated', 'notification.acknowledged']);
      expect(history[3]).toMatchObject({ actor: { id: 'town-1', roles: ['townshipHead'] }, payload: { notification: `${root}/ack1`, comment: '已到岗，正在组织排查' } });
      expect((await h.outbox.inbox.list('town-1'))[0]).toMatchObject({ ackRequired: true, acknowledgedAt: '2026-03-02T02:40:00.000Z' });
      expect(await h.outbox.acks.get(root)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'town-1', recordedAt: '2026-03-02T02:40:00.000Z' });
    });
  }

  it('lets the first recipient acknowledge before any escalation', async () => {
    h = await harness();
    const d = h.dispatcher();
    const { caseId, root } = await warn();
    await expect(d.acknowledge(root, grid)).rejects.toMatchObject({ code: 'not_a_recipient' }); // not delivered yet
    await d.runDue();
    h.clock.advance(5 * MINUTE);
    await expect(d.acknowledge(root, grid)).resolves.toMatchObject({ step: 0, acknowledgedId: root });
    h.clock.advance(60 * MINUTE);
    expect(await d.sweepAcks()).toBe(0);
    expect((await h.engine.history(caseId)).map((e) => e.type)).toEqual(['case.created', 'warn', 'notification.acknowledged']);
  });

  it('refuses to acknowledge a notification that requires none, or one that does not exist', async () => {
    h = await harness();
    const d = h.dispatcher();
    const { case: c } = await h.engine.createCase({ workflowId: 'notify-demo', org: 'district-a', actor: inspector });
    await h.engine.send(c.id, { type: 'assign' }, inspector);
    await d.runDue();
    await expect(d.acknowledge(`${c.id}/2/0`, { id: 'es-1', roles: ['enterpriseSafetyOfficer'] })).rejects.toMatchObject({ code: 'not_acknowledgeable' });
    await expect(d.acknowledge('nope/1/0', grid)).rejects.toMatchObject({ code: 'notification_not_found' });
  });

  it('finishes an escalation whose sweeper crashed once its claim expires, without doubling it', async () => {
    h = await harness();
    const d = h.dispatcher({ claimTtlMs: 5 * MINUTE });
    const { caseId, root } = await warn();
    await d.runDue();
    h.clock.advance(30 * MINUTE);
    const now = h.clock.now().toISOString();
    expect(await h.outbox.acks.claim(root, 'crashed', now, new Date(h.clock.now().getTime() + 5 * MINUTE).toISOString())).toBe(true);
    expect(await d.sweepAcks()).toBe(0);
    h.clock.advance(5 * MINUTE);
    expect(await d.sweepAcks()).toBe(1);
    await d.runDue();
    expect(mailsTo()).toEqual(['wang.wangge@jiedao.test', 'zhao@zhen.test']);
    expect((await h.engine.history(caseId)).filter((e) => e.type === 'notification.escalated')).toHaveLength(1);
  });
});
