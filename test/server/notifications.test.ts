/**
 * Notifications through HTTP: a step that notifies ends in the recipient's
 * inbox and in a mail on a real loopback SMTP server; definitions naming a
 * missing template (or one they cannot feed) are refused; acknowledged
 * warnings (预警"叫应") are acknowledged by recipients only, recorded in the
 * case history and stop escalating; dead and unresolved rows are listed and
 * retried by admins of the case's subtree; the inbox and outbox pages work
 * with plain form posts.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtp, type TestSmtp } from '../notifications/support.js';
import { as, expectError, web } from './support-http.js';
import { alertWorkflow, testServer, type TestServer } from './support.js';

const MINUTE = 60_000;

const GRID = 'donghu-qingshui-g1';
const enc = encodeURIComponent;

let s: TestServer;
let smtp: TestSmtp;
beforeEach(async () => {
  smtp = await startSmtp();
  s = await testServer('sqlite', { workflows: [alertWorkflow], smtpUrl: smtp.url, dispatcher: { maxAttempts: 2 } });
});
afterEach(async () => {
  await s.cleanup();
  await smtp.close();
});

/** Opens an alert case at the grid as the district inspector and sends `event`; returns the case id and the notification id. */
async function alertCase(event: string, org = GRID, user = 'inspector'): Promise<{ caseId: string; notificationId: string }> {
  const opened = await as(s, user).post('/api/v1/cases', { workflowId: 'alert', org });
  expect(opened.status).toBe(201);
  const caseId = (opened.body as { case: { id: string } }).case.id;
  const sent = await as(s, user).post(`/api/v1/cases/${caseId}/events`, { type: event });
  expect(sent.status).toBe(200);
  return { caseId, notificationId: `${caseId}/2/0` };
}
const deliver = () => s.notifier.dispatcher.runDue();
const inbox = async (user: string, query = '') => (await as(s, user).get(`/api/v1/notifications${query}`)).body as { items: { id: string; subject: string; readAt: string | null; canAcknowledge: boolean; ack: { status: string } | null }[]; unread: number; nextCursor: string | null };
const historyTypes = async (caseId: string) => ((await as(s, 'inspector').get(`/api/v1/cases/${caseId}/history`)).body as { items: { type: string; actor: { id: string } }[] }).items;

describe('a step that notifies', () => {
  it('ends in the recipient inbox and as a mail with the Chinese subject intact', async () => {
    const { caseId, notificationId } = await alertCase('assign');
    expect(await deliver()).toBe(1);

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.envelopeTo).toEqual(['grid-officer@example.test']);
    expect(mail.parsed.subject).toBe(`【待办】安全提醒 ${caseId}`);
    expect(mail.parsed.from?.text).toBe('"督办系统" <duban@duban.test>');
    expect(mail.parsed.to && 'text' in mail.parsed.to ? mail.parsed.to.text : '').toContain('网格员 吴巡');
    expect(mail.parsed.text).toContain(`https://duban.test/cases/${enc(caseId)}`);
    expect(mail.parsed.html).toContain('网格员 吴巡，您好');

    const box = await inbox('grid-officer');
    expect(box.unread).toBe(1);
    expect(box.items).toMatchObject([{ id: notificationId, caseId, kind: 'actionRequired', subject: `【待办】安全提醒 ${caseId}`, readAt: null, ackRequired: false, ack: null, canAcknowledge: false }]);
    expect((await inbox('inspector')).items).toEqual([]);

    const read = await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(notificationId)}/read`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ notification: { id: notificationId, readAt: '2026-03-02T02:00:00.000Z' }, unread: 0 });
    expect((await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(notificationId)}/read`)).body).toMatchObject({ notification: { readAt: '2026-03-02T02:00:00.000Z' }, unread: 0 });
    expect((await inbox('grid-officer', '?unread=true')).items).toEqual([]);
    expectError(await as(s, 'inspector').post(`/api/v1/notifications/${enc(notificationId)}/read`), 404, 'notification_not_found');
  });

  it('pages the inbox with a cursor and marks everything read', async () => {
    const { caseId } = await alertCase('assign');
    for (let i = 0; i < 2; i++) {
      s.clock.advance(MINUTE);
      expect((await as(s, 'inspector').post(`/api/v1/cases/${caseId}/events`, { type: 'assign' })).status).toBe(200);
    }
    await deliver();
    const first = await inbox('grid-officer', '?limit=2');
    expect(first.items.map((i) => i.id)).toEqual([`${caseId}/4/0`, `${caseId}/3/0`]);
    expect(first.unread).toBe(3);
    const second = await inbox('grid-officer', `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.id)).toEqual([`${caseId}/2/0`]);
    expect(second.nextCursor).toBeNull();
    expectError(await as(s, 'grid-officer').get('/api/v1/notifications?cursor=nonsense'), 400, 'invalid_request');
    expect((await as(s, 'grid-officer').post('/api/v1/notifications/read-all')).body).toEqual({ marked: 3, unread: 0 });
  });

  it('reaches the nearest ancestor org holding the role, and leaves an unresolved row when nobody does', async () => {
    // No townshipSafetyOffice at the grid: the township's office (one level up) is reached, not the city.
    const { caseId } = await alertCase('warn');
    await deliver();
    s.clock.advance(30 * MINUTE);
    await deliver();
    expect(smtp.mails.map((m) => m.envelopeTo[0])).toEqual(['grid-officer@example.test', 'township-office@example.test']);
    expect((await historyTypes(caseId)).map((e) => e.type)).toEqual(['case.created', 'warn', 'notification.escalated']);

    const { notificationId } = await alertCase('consultChemist');
    await deliver();
    const unresolved = await as(s, 'admin').get('/api/v1/admin/outbox?status=unresolved');
    expect(unresolved.body.items).toMatchObject([{ id: notificationId, status: 'unresolved', lastError: expect.stringContaining('nobody holds role chemist') }]);
  });
});

describe('template checks', () => {
  const definition = (notify: unknown) => ({
    id: 'bad-notice', version: 1, title: '坏通知', roles: ['clerk'],
    data: { type: 'object', properties: {} },
    initial: 'open',
    states: { open: { on: { go: { target: 'done', roles: ['clerk'], notify: [notify] } } }, done: { type: 'final' } },
  });
  const path = ['states', 'open', 'on', 'go', 'notify', 0, 'template'];

  it('refuses a definition naming a missing template at POST /workflows, with the issue path', async () => {
    const res = await as(s, 'admin').post('/api/v1/workflows', definition({ template: 'no-such-template', to: [{ role: 'clerk' }] }));
    expectError(res, 422, 'invalid_definition');
    expect(res.body.error.issues).toEqual([{ code: 'unknown_template', path, message: 'template "no-such-template" does not exist' }]);
    expectError(await as(s, 'admin').get('/api/v1/workflows/bad-notice'), 404, 'workflow_not_found');
  });

  it('refuses a template reading variables the notification cannot give (deadline.* outside a deadline rung)', async () => {
    const res = await as(s, 'admin').post('/api/v1/workflows', definition({ template: 'due-soon', to: [{ role: 'clerk' }] }));
    expectError(res, 422, 'invalid_definition');
    expect(res.body.error.issues).toContainEqual({ code: 'unknown_template_variable', path, message: expect.stringContaining('deadline.dueAt') });
  });

  it('reports template problems from POST /workflows/validate, and accepts a good definition', async () => {
    const bad = await as(s, 'clerk-donghu').post('/api/v1/workflows/validate', definition({ template: 'no-such-template', to: [{ role: 'clerk' }] }));
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ ok: false, issues: [{ code: 'unknown_template', path, message: expect.any(String) }] });
    const good = await as(s, 'clerk-donghu').post('/api/v1/workflows/validate', definition({ template: 'task-assigned', to: [{ role: 'clerk' }] }));
    expect(good.body).toMatchObject({ ok: true, issues: [] });
    expect((await as(s, 'admin').post('/api/v1/workflows', definition({ template: 'task-assigned', to: [{ role: 'clerk' }] }))).status).toBe(201);
  });
});

describe('acknowledged warnings (预警"叫应")', () => {
  it('are acknowledged by a recipient only, recorded in the case history, and stop escalating', async () => {
    const { caseId, notificationId } = await alertCase('warn');
    await deliver();
    expect(smtp.mails[0]!.parsed.subject).toBe(`【预警·请立即确认】安全提醒 ${caseId}`);
    expect(smtp.mails[0]!.parsed.text).toContain(`https://duban.test/notifications/${enc(notificationId)}/ack`);
    expect((await inbox('grid-officer')).items).toMatchObject([{ id: notificationId, ackRequired: true, canAcknowledge: true, ack: { status: 'waiting', step: 0, dueAt: '2026-03-02T02:30:00.000Z' } }]);

    // Someone who did not receive it cannot acknowledge it, nor can an auditor.
    expectError(await as(s, 'inspector').post(`/api/v1/notifications/${enc(notificationId)}/ack`), 403, 'not_a_recipient');
    expectError(await as(s, 'township-office').post(`/api/v1/notifications/${enc(notificationId)}/ack`, {}), 403, 'not_a_recipient');
    expectError(await as(s, 'auditor').post(`/api/v1/notifications/${enc(notificationId)}/ack`), 403, 'read_only');
    expectError(await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(`${caseId}/9/9`)}/ack`), 404, 'notification_not_found');
    expectError(await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(notificationId)}/ack`, { comment: 'x'.repeat(1001) }), 400, 'invalid_request');

    s.clock.advance(10 * MINUTE);
    const ack = await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(notificationId)}/ack`, { comment: '已到岗，正在组织排查' });
    expect(ack.status).toBe(200);
    expect(ack.body).toEqual({ notificationId, acknowledgedId: notificationId, acknowledgedAt: '2026-03-02T02:10:00.000Z', step: 0, recorded: true });
    const events = await historyTypes(caseId);
    expect(events.map((e) => e.type)).toEqual(['case.created', 'warn', 'notification.acknowledged']);
    expect(events[2]!.actor.id).toBe('grid-officer');
    const recorded = (await as(s, 'inspector').get(`/api/v1/cases/${caseId}/history`)).body.items[2];
    expect(recorded.payload).toEqual({ notification: notificationId, comment: '已到岗，正在组织排查' });
    expect((await inbox('grid-officer')).items).toMatchObject([{ id: notificationId, acknowledgedAt: '2026-03-02T02:10:00.000Z', canAcknowledge: false, ack: { status: 'acknowledged', acknowledgedBy: 'grid-officer' } }]);
    // Again: the first acknowledgement, nothing new.
    expect((await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(notificationId)}/ack`)).body).toMatchObject({ acknowledgedAt: '2026-03-02T02:10:00.000Z' });

    // Past the window: no escalation.
    s.clock.advance(60 * MINUTE);
    await deliver();
    expect(smtp.mails).toHaveLength(1);
    expect((await historyTypes(caseId)).map((e) => e.type)).toEqual(['case.created', 'warn', 'notification.acknowledged']);
    expect((await inbox('township-office')).items).toEqual([]);
  });

  it('once escalated, is acknowledged by the next step; the first recipient then meets already_acknowledged', async () => {
    const { caseId, notificationId } = await alertCase('warn');
    await deliver();
    s.clock.advance(30 * MINUTE);
    await deliver();
    const escalation = `${notificationId}/ack1`;
    expect((await inbox('township-office')).items).toMatchObject([{ id: escalation, canAcknowledge: true, ack: { status: 'waiting', step: 1 } }]);
    expect((await as(s, 'township-office').post(`/api/v1/notifications/${enc(escalation)}/ack`)).body).toMatchObject({ notificationId, acknowledgedId: escalation, step: 1, recorded: true });
    expectError(await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(notificationId)}/ack`), 409, 'already_acknowledged');
    expect((await historyTypes(caseId)).map((e) => e.type)).toEqual(['case.created', 'warn', 'notification.escalated', 'notification.acknowledged']);
  });

  it('answers not_acknowledgeable for a notification that needs no acknowledgement', async () => {
    const { notificationId } = await alertCase('assign');
    await deliver();
    expectError(await as(s, 'grid-officer').post(`/api/v1/notifications/${enc(notificationId)}/ack`), 409, 'not_acknowledgeable');
  });
});

describe('the outbox for admins', () => {
  it('lists a dead row with its last error, retries it for an admin and refuses others', async () => {
    smtp.refuseAlways('grid-officer@example.test');
    const { notificationId } = await alertCase('assign');
    await deliver();
    s.clock.advance(2_000);
    await deliver(); // the second and last attempt (maxAttempts 2)

    const dead = await as(s, 'admin').get('/api/v1/admin/outbox?status=dead');
    expect(dead.status).toBe(200);
    expect(dead.body).toEqual({ items: [expect.objectContaining({ id: notificationId, status: 'dead', attempts: 2, lastError: expect.stringContaining('550') })], nextCursor: null });
    expect((await as(s, 'admin').get('/api/v1/admin/outbox')).body.items).toHaveLength(1); // dead is the default
    expect((await as(s, 'admin').get('/api/v1/admin/outbox/stats')).body).toMatchObject({ dead: 1, sent: 0 });
    const detail = await as(s, 'admin').get(`/api/v1/admin/outbox/${enc(notificationId)}`);
    expect(detail.body.deliveries).toEqual(expect.arrayContaining([
      expect.objectContaining({ channel: 'inbox', status: 'sent', userId: 'grid-officer' }),
      expect.objectContaining({ channel: 'email', status: 'failed', address: 'grid-officer@example.test', attempts: 2 }),
    ]));
    // The inbox copy arrived on the first attempt and is not duplicated by the retries.
    expect((await inbox('grid-officer')).items).toHaveLength(1);

    expectError(await as(s, 'inspector').get('/api/v1/admin/outbox?status=dead'), 403, 'forbidden');
    expectError(await as(s, 'inspector').post(`/api/v1/admin/outbox/${enc(notificationId)}/retry`), 403, 'forbidden');
    expectError(await as(s, 'admin').post(`/api/v1/admin/outbox/${enc('nope/1/0')}/retry`), 404, 'notification_not_found');

    smtp.unblock('grid-officer@example.test');
    const retried = await as(s, 'admin').post(`/api/v1/admin/outbox/${enc(notificationId)}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.row).toMatchObject({ id: notificationId, status: 'pending', attempts: 0 });
    expectError(await as(s, 'admin').post(`/api/v1/admin/outbox/${enc(notificationId)}/retry`), 409, 'not_retryable');
    await deliver();
    expect(smtp.mails.map((m) => m.envelopeTo[0])).toEqual(['grid-officer@example.test']);
    expect((await as(s, 'admin').get('/api/v1/admin/outbox/stats')).body).toMatchObject({ dead: 0, sent: 1 });
    expect((await inbox('grid-officer')).items).toHaveLength(1);
  });

  it("shows an admin only the rows of their subtree's cases", async () => {
    smtp.refuseAlways('grid-officer@example.test');
    await alertCase('assign');
    const { notificationId: xishanRow } = await alertCase('consultChemist', 'xishan', 'xishan-inspector');
    await deliver();
    s.clock.advance(2_000);
    await deliver();
    expect((await as(s, 'admin-donghu').get('/api/v1/admin/outbox?status=unresolved')).body.items).toEqual([]);
    expect((await as(s, 'admin').get('/api/v1/admin/outbox?status=unresolved')).body.items.map((r: { id: string }) => r.id)).toEqual([xishanRow]);
    expect((await as(s, 'admin-donghu').get('/api/v1/admin/outbox/stats')).body).toMatchObject({ dead: 1, unresolved: 0 });
    expectError(await as(s, 'admin-donghu').post(`/api/v1/admin/outbox/${enc(xishanRow)}/retry`), 404, 'notification_not_found');
    expectError(await as(s, 'admin-donghu').get(`/api/v1/admin/outbox/${enc(xishanRow)}`), 404, 'notification_not_found');
  });

  it('reports outbox rows and deliveries in the metrics', async () => {
    smtp.refuseAlways('grid-officer@example.test');
    await alertCase('assign');
    await deliver();
    s.clock.advance(2_000);
    await deliver();
    const text = (await request(s.app).get('/metrics')).text;
    expect(text).toMatch(/duban_outbox_rows\{status="dead"\} 1/);
    expect(text).toMatch(/duban_notifications_delivered_total\{channel="inbox",outcome="sent"\} 1/);
    expect(text).toMatch(/duban_notifications_delivered_total\{channel="email",outcome="failed"\} 2/);
  });
});

describe('web pages', () => {
  it('shows the inbox, unread first, with the count in the header; marks read and acknowledges by form posts', async () => {
    const { caseId, notificationId: assigned } = await alertCase('assign');
    s.clock.advance(MINUTE);
    expect((await as(s, 'inspector').post(`/api/v1/cases/${caseId}/events`, { type: 'warn' })).status).toBe(200);
    const warning = `${caseId}/3/0`;
    await deliver();

    const page = await request(s.app).get('/inbox').set(await web(s, 'grid-officer'));
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<a href="\/inbox" id="nav-inbox">消息 <span class="badge"[^>]*>2<\/span><\/a>/);
    expect(page.text).toContain(`action="/notifications/${enc(warning)}/ack"`);
    expect(page.text).toContain('确认收到（叫应）');
    expect(page.text).not.toContain(`action="/notifications/${enc(assigned)}/ack"`);

    const read = await request(s.app).post(`/notifications/${enc(assigned)}/read`).set(await web(s, 'grid-officer')).type('form').send({});
    expect(read.status).toBe(303);
    expect(read.headers.location).toBe('/inbox');
    const after = await request(s.app).get('/tasks').set(await web(s, 'grid-officer'));
    expect(after.text).toMatch(/id="nav-inbox">消息 <span class="badge"[^>]*>1<\/span>/);

    // The e-mailed link: a page with the button; a non-recipient gets a 403 page.
    const ackPage = await request(s.app).get(`/notifications/${enc(warning)}/ack`).set(await web(s, 'grid-officer'));
    expect(ackPage.status).toBe(200);
    expect(ackPage.text).toContain('待确认');
    const stranger = await request(s.app).get(`/notifications/${enc(warning)}/ack`).set(await web(s, 'inspector'));
    expect(stranger.status).toBe(403);
    expect(stranger.text).toContain('您不是这条预警的接收人');
    const signedOut = await request(s.app).get(`/notifications/${enc(warning)}/ack`);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.location).toBe(`/login?next=${enc(`/notifications/${enc(warning)}/ack`)}`);

    const acked = await request(s.app).post(`/notifications/${enc(warning)}/ack`).set(await web(s, 'grid-officer')).type('form').send({ comment: '收到' });
    expect(acked.status).toBe(303);
    expect(acked.headers.location).toBe(`/inbox?acked=${enc(warning)}`);
    expect((await historyTypes(caseId)).map((e) => e.type)).toContain('notification.acknowledged');
    const done = await request(s.app).get(acked.headers.location!).set(await web(s, 'grid-officer'));
    expect(done.text).toContain('已确认收到预警');
    expect(done.text).not.toContain('class="badge"');
    // Acknowledging again through the page shows the warning acknowledged rather than an error.
    const again = await request(s.app).post(`/notifications/${enc(warning)}/ack`).set(await web(s, 'grid-officer')).type('form').send({});
    expect(again.status).toBe(303);
  });

  it('opens the e-mailed acknowledgement link of a warning sent by e-mail only', async () => {
    const { caseId, notificationId } = await alertCase('warnByMail');
    await deliver();
    const link = `/notifications/${enc(notificationId)}/ack`;
    expect(smtp.mails[0]!.parsed.text).toContain(`https://duban.test${link}`);
    expect((await inbox('grid-officer')).items).toEqual([]);
    const page = await request(s.app).get(link).set(await web(s, 'grid-officer'));
    expect(page.status).toBe(200);
    expect(page.text).toContain(`action="${link}"`);
    expect((await request(s.app).get(link).set(await web(s, 'township-office'))).status).toBe(403);
    expect((await request(s.app).get(`/notifications/${enc(`${caseId}/9/0`)}/ack`).set(await web(s, 'grid-officer'))).status).toBe(404);
    const acked = await request(s.app).post(link).set(await web(s, 'grid-officer')).type('form').send({ comment: '收到' });
    expect(acked.status).toBe(303);
    expect((await historyTypes(caseId)).map((e) => e.type)).toEqual(['case.created', 'warnByMail', 'notification.acknowledged']);
    expect((await request(s.app).get(link).set(await web(s, 'grid-officer'))).text).toContain('已确认');
  });

  it('lets an admin see dead and unresolved rows and retry one; a non-admin gets 403', async () => {
    smtp.refuseAlways('grid-officer@example.test');
    const { notificationId } = await alertCase('assign');
    await deliver();
    s.clock.advance(2_000);
    await deliver();

    const page = await request(s.app).get('/admin/outbox').set(await web(s, 'admin'));
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-id="${notificationId}"`);
    expect(page.text).toContain(`action="/admin/outbox/${enc(notificationId)}/retry"`);
    expect(page.text).toContain('550');
    expect((await request(s.app).get('/tasks').set(await web(s, 'admin'))).text).toContain('href="/admin/outbox"');
    expect((await request(s.app).get('/admin/outbox').set(await web(s, 'inspector'))).status).toBe(403);
    expect((await request(s.app).post(`/admin/outbox/${enc(notificationId)}/retry`).set(await web(s, 'inspector')).type('form').send({})).status).toBe(403);

    smtp.unblock('grid-officer@example.test');
    const retried = await request(s.app).post(`/admin/outbox/${enc(notificationId)}/retry`).set(await web(s, 'admin')).type('form').send({});
    expect(retried.status).toBe(303);
    expect(retried.headers.location).toBe(`/admin/outbox?retried=${enc(notificationId)}`);
    await deliver();
    expect(smtp.mails).toHaveLength(1);
    const after = await request(s.app).get(retried.headers.location!).set(await web(s, 'admin'));
    expect(after.text).toContain('已重新投递');
    expect(after.text).not.toContain(`data-id="${notificationId}"`);
  });
});

describe('users', () => {
  it('are created with an e-mail address, a locale and a webhook URL, and refused bad ones', async () => {
    const created = await as(s, 'admin').post('/api/v1/users', { id: 'en-inspector', name: 'Ann Inspector', orgId: 'donghu', roles: ['inspector'], locale: 'en', email: 'ann@example.test', webhookUrl: 'https://hooks.example.test/duban' });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ id: 'en-inspector', locale: 'en', email: 'ann@example.test', webhookUrl: 'https://hooks.example.test/duban' });
    const bad = await as(s, 'admin').post('/api/v1/users', { name: 'x', orgId: 'donghu', roles: ['inspector'], email: 'not-an-address', webhookUrl: 'ftp://x' });
    expectError(bad, 400, 'invalid_request');
    expect(bad.body.error.issues.map((i: { path: unknown[] }) => i.path)).toEqual([['body', 'email'], ['body', 'webhookUrl']]);
    expect((await as(s, 'grid-officer').get('/api/v1/me')).body.user).toMatchObject({ email: 'grid-officer@example.test', locale: 'zh-CN' });
  });

  it('get their notifications in their own language', async () => {
    await as(s, 'admin').post('/api/v1/users', { id: 'ann', name: 'Ann Grid', orgId: GRID, roles: ['gridOfficer'], locale: 'en', email: 'ann@example.test' });
    const { caseId } = await alertCase('assign');
    await deliver();
    const subjects = Object.fromEntries(smtp.mails.map((m) => [m.envelopeTo[0], m.parsed.subject]));
    expect(subjects['grid-officer@example.test']).toBe(`【待办】安全提醒 ${caseId}`);
    expect(subjects['ann@example.test']).toMatch(/Safety alert/);
  });
});
