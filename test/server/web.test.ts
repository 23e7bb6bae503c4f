/**
 * The web pages without a browser: the session cookie, redirects, the
 * cross-site check, access rules on pages, and form posts that advance a case.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCase, PAGES_ORIGIN, web } from './support-http.js';
import { testServer, type TestServer } from './support.js';
import { formFields, parseForm } from '../../server/web/forms.js';
import { caseTitle, displayValue } from '../../server/web/display.js';
import { validateDefinition } from '../../engine/index.js';

let s: TestServer;
beforeEach(async () => {
  s = await testServer();
});
afterEach(() => s.cleanup());


describe('web pages', () => {
  it('redirects to the login page without a session and sets an HttpOnly SameSite cookie on login', async () => {
    const res = await request(s.app).get('/tasks');
    expect([res.status, res.headers.location]).toEqual([303, '/login?next=%2Ftasks']);
    const login = () => request(s.app).post('/login').set('Origin', PAGES_ORIGIN).type('form');
    const bad = await login().send({ token: 'nope' });
    expect(bad.status).toBe(401);
    const ok = await login().send({ token: s.tokens['clerk-donghu'], next: '/cases' });
    expect([ok.status, ok.headers.location]).toEqual([303, '/cases']);
    const cookie = ok.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^duban_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    // The cookie carries a session id, never the API token.
    expect(cookie).not.toContain(encodeURIComponent(s.tokens['clerk-donghu']!));
    const evil = await login().send({ token: s.tokens['clerk-donghu'], next: '//evil.example/x' });
    expect(evil.headers.location).toBe('/tasks');
  });

  it('renders the worklist, the case list and a case page in Chinese', async () => {
    const id = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
    const tasks = await request(s.app).get('/tasks').set(await web(s, 'chief-donghu'));
    expect(tasks.status).toBe(200);
    expect(tasks.text).toContain('剩 3 个工作日');
    expect(tasks.text).toContain('2026-03-05 24:00');
    expect((await request(s.app).get('/cases').set(await web(s, 'chief-donghu'))).text).toContain(id);
    const page = await request(s.app).get(`/cases/${id}`).set(await web(s, 'chief-donghu'));
    expect(page.text).toContain('审查');
    expect(page.text).toContain('data-event="reject"');
    expect(page.text).toContain('stateDiagram-v2');
  });

  it('advances a case from a form post; a refused post redirects back (PRG) to the page showing the error in Chinese', async () => {
    const id = await openCase(s, 'chief-donghu', { workflowId: 'permit' });
    const post = async (form: Record<string, string>, user = 'chief-donghu') => request(s.app).post(`/cases/${id}/events`).set(await web(s, user)).type('form').send(form);
    const refused = await post({ _type: 'reject', _expectedVersion: '1' });
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toMatch(new RegExp(`^/cases/${id}\\?form=[A-Za-z0-9_-]+#form-reject$`));
    const shown = await request(s.app).get(refused.headers.location!.replace(/#.*$/, '')).set(await web(s, 'chief-donghu'));
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('填写的内容有误');
    expect(shown.text).not.toContain('invalid_input');
    // Another user cannot read someone's kept form.
    expect((await request(s.app).get(refused.headers.location!.replace(/#.*$/, '')).set(await web(s, 'clerk-donghu'))).text).not.toContain('填写的内容有误');
    const stale = await post({ _type: 'reject', _expectedVersion: '0', 'p.reason': '材料不全' });
    expect(stale.status).toBe(303);
    const staleShown = await request(s.app).get(stale.headers.location!.replace(/#.*$/, '')).set(await web(s, 'chief-donghu'));
    expect(staleShown.text).toContain('已由他人办理');
    expect(staleShown.text).toContain('材料不全');
    expect((await post({ _type: 'approve' }, 'auditor-donghu')).status).toBe(403);
    expect((await post({ _type: 'approve' }, 'chief-xishan')).status).toBe(404);
    expect((await post({ _type: 'reject', _expectedVersion: '1', 'p.reason': 'a\u0000b' })).status).toBe(400);
    const done = await post({ _type: 'reject', _expectedVersion: '1', 'p.reason': '材料不全' });
    expect([done.status, done.headers.location]).toEqual([303, `/cases/${id}?done=reject`]);
    expect((await s.engine.getCase(id)).stateLabel).toBe('rejected');
  });

  it('answers an unknown page with a Chinese 404 page, the API with JSON', async () => {
    const page = await request(s.app).get('/no/such/page').set('Accept', 'text/html').set(await web(s, 'clerk-donghu'));
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('页面不存在');
    const api = await request(s.app).get('/api/v1/no-such').set('Accept', 'application/json');
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('not_found');
    const missingCase = await request(s.app).get('/cases/nope').set(await web(s, 'clerk-donghu'));
    expect([missingCase.status, missingCase.text.includes('页面不存在')]).toEqual([404, true]);
  });

  it('compresses pages and caches static assets for a year under a content version', async () => {
    const tasks = await request(s.app).get('/tasks').set('Accept-Encoding', 'gzip').set(await web(s, 'clerk-donghu'));
    expect(tasks.headers['content-encoding']).toBe('gzip');
    const href = /href="(\/static\/style\.css\?v=[0-9a-f]+)"/.exec(tasks.text)![1]!;
    const css = await request(s.app).get(href);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // The diagram script only where a diagram is drawn.
    expect(tasks.text).not.toContain('mermaid.min.js');
    const id = await openCase(s, 'clerk-donghu');
    expect((await request(s.app).get(`/cases/${id}`).set(await web(s, 'clerk-donghu'))).text).toContain('mermaid.min.js');
    expect((await request(s.app).get('/login')).text).not.toContain('mermaid.min.js');
  });

  it('refuses cross-site form posts, admin pages to non-admins, and cases outside the subtree', async () => {
    const id = await openCase(s, 'clerk-donghu');
    const cross = await request(s.app).post(`/cases/${id}/events`).set(await web(s, 'clerk-donghu')).set('Origin', 'http://evil.example').type('form').send({ _type: 'submit' });
    expect(cross.status).toBe(403);
    expect((await s.engine.getCase(id)).version).toBe(1);
    expect((await request(s.app).get('/admin/workflows').set(await web(s, 'clerk-donghu'))).status).toBe(403);
    expect((await request(s.app).get('/admin/workflows').set(await web(s, 'admin'))).status).toBe(200);
    expect((await request(s.app).get(`/cases/${id}`).set(await web(s, 'clerk-xishan'))).status).toBe(404);
    expect((await request(s.app).get(`/cases/${id}/audit`).set(await web(s, 'auditor'))).text).toContain('哈希链完整');
  });
});

describe('forms from input schemas', () => {
  const schema = {
    type: 'object' as const,
    properties: {
      grade: { type: 'string' as const, title: '等级', enum: ['general', 'major'] },
      due: { type: 'string' as const, format: 'date' as const },
      at: { type: 'string' as const, format: 'date-time' as const },
      cost: { type: 'number' as const, minimum: 0 },
      ok: { type: 'boolean' as const },
      photos: { type: 'array' as const, items: { type: 'string' as const } },
      plan: { type: 'object' as const, properties: { a: { type: 'string' as const } } },
    },
    required: ['grade'],
  };

  it('picks a control per field type', () => {
    expect(formFields(schema).map((f) => [f.name, f.kind, f.required])).toEqual([
      ['grade', 'select', true], ['due', 'date', false], ['at', 'datetime', false], ['cost', 'number', false], ['ok', 'checkbox', false], ['photos', 'lines', false], ['plan', 'json', false],
    ]);
  });

  it('turns the posted text back into typed values, Beijing wall-clock times into instants', () => {
    expect(parseForm(schema, { 'p.grade': 'major', 'p.due': '2026-03-05', 'p.at': '2026-03-02T10:30', 'p.cost': '12.5', 'p.ok': 'on', 'p.photos': 'a.jpg\r\n\r\nb.jpg ', 'p.plan': '{"a":"x"}' })).toEqual({
      grade: 'major', due: '2026-03-05', at: '2026-03-02T02:30:00.000Z', cost: 12.5, ok: true, photos: ['a.jpg', 'b.jpg'], plan: { a: 'x' },
    });
    expect(parseForm(schema, { 'p.cost': 'abc', 'p.plan': '{bad' })).toEqual({ cost: 'abc', ok: false, plan: '{bad' });
  });
});

describe('what a person reads of case data', () => {
  const names = { user: async (id: string) => (id === 'u1' ? '张检' : undefined), org: async (id: string) => (id === 'o1' ? '清水镇' : undefined) };
  const def = {
    title: { zh: '隐患' }, caseTitle: '{{unit}} {{place}}：{{kind}}',
    data: { type: 'object' as const, properties: { unit: { type: 'string' as const, refersTo: 'org' as const }, place: { type: 'string' as const }, kind: { type: 'string' as const, enum: ['dust'], enumTitles: { dust: '粉尘' } } } },
  };

  it('titles a case from its data, labels and names, falling back to the workflow title', async () => {
    expect(await caseTitle(def, { unit: 'o1', place: '2号车间', kind: 'dust' }, names)).toBe('清水镇 2号车间：粉尘');
    expect(await caseTitle(def, { place: '2号车间' }, names)).toBe('2号车间');
    expect(await caseTitle(def, {}, names)).toBe('隐患');
  });

  it('shows booleans as 是/否, missing values as —, instants in Beijing time, ids as names', async () => {
    expect(await displayValue({ type: 'boolean' }, false, names)).toBe('否');
    expect(await displayValue(undefined, null, names)).toBe('—');
    expect(await displayValue({ type: 'string', format: 'date-time' }, '2026-03-01T01:30:00.000Z', names)).toBe('2026-03-01 09:30');
    expect(await displayValue({ type: 'string', format: 'date' }, '2026-03-05', names)).toBe('2026年3月5日');
    expect(await displayValue({ type: 'string' }, 'u1', names)).toBe('张检');
    expect(await displayValue({ type: 'array', items: { type: 'string', enum: ['dust'], enumTitles: { dust: '粉尘' } } }, ['dust'], names)).toBe('粉尘');
  });

  it('refuses a case title naming a missing or confidential field', () => {
    const base = { id: 'tt', version: 1, title: 't', roles: ['clerk'], initial: 'a', states: { a: { type: 'final' } } };
    const r = validateDefinition({ ...base, caseTitle: '{{nope}}', data: { type: 'object', properties: { who: { type: 'string', confidential: ['clerk'] } } } });
    expect(r.ok).toBe(false);
    const conf = validateDefinition({ ...base, caseTitle: '{{who}}', data: { type: 'object', properties: { who: { type: 'string', confidential: ['clerk'] } } } });
    expect(conf.ok ? [] : conf.issues.map((i) => i.code)).toContain('confidential_in_title');
  });
});
