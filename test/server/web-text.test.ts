/**
 * Every page of the seeded demo, as each kind of handler sees it, read for
 * what a person must never meet on a zh-CN page: dotted state paths, enum
 * codes, `null`/`false`/`undefined`, ISO timestamps, and ASCII words outside
 * a short allow-list (file types, units). Visible text only: scripts, styles
 * and the diagram source (drawn as an SVG in the browser) are left out, and
 * so are `<code class="hash">` hash prefixes on the audit page.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnexAttachmentStore } from '../../server/attachments.js';
import { loadDemoCases } from '../../server/demo-cases.js';
import { hazardWorkflow } from '../../workflows/index.js';
import { web } from './support-http.js';
import { testServer, type TestServer } from './support.js';

/** ASCII words a zh-CN page may show. */
const ALLOWED = new Set(['PDF', 'JPEG', 'PNG', 'WebP', 'GIF', 'HEIC', 'MB', 'KB', 'JSON', 'jpg', 'jpeg', 'png', 'pdf']);

/** The enum codes of the hazard workflow (any field, any event input). */
function enumCodes(): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'enum' && Array.isArray(x)) x.forEach((c) => typeof c === 'string' && out.add(c));
        else walk(x);
      }
    }
  };
  walk(hazardWorkflow);
  return out;
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`').replace(/&amp;/g, '&').replace(/&nbsp;/g, ' ');

/** What a reader sees of a page: no scripts, styles, diagram source, hash prefixes or tags. */
export function visibleText(html: string): string {
  return decode(
    html
      .replace(/<script[\s\S]*?<\/script>/g, ' ')
      .replace(/<style[\s\S]*?<\/style>/g, ' ')
      .replace(/<head>[\s\S]*?<\/head>/g, ' ')
      .replace(/<pre class="mermaid"[\s\S]*?<\/pre>/g, ' ')
      .replace(/<code class="hash">[\s\S]*?<\/code>/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  ).replace(/\s+/g, ' ');
}

/** The problems of a page's visible text (empty when clean). */
export function problems(text: string, codes: Set<string>): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\b[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+\b/g)) out.push(`dotted path ${m[0]}`);
  for (const m of text.matchAll(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g)) out.push(`ISO time ${m[0]}`);
  for (const m of text.matchAll(/[A-Za-z][A-Za-z0-9_-]*/g)) {
    const w = m[0];
    if (w === 'null' || w === 'false' || w === 'true' || w === 'undefined') out.push(`literal ${w}`);
    else if (codes.has(w)) out.push(`enum code ${w}`);
    else if (!ALLOWED.has(w)) out.push(`ASCII word ${w}`);
  }
  return out;
}

describe('every page of the seeded demo reads as Chinese', () => {
  let s: TestServer;
  let ids: string[];
  beforeAll(async () => {
    s = await testServer();
    ids = await loadDemoCases(s.engine, s.people, createKnexAttachmentStore((s.fresh.store as unknown as { knex: Parameters<typeof createKnexAttachmentStore>[0] }).knex));
    await s.notifier.dispatcher.runDue();
  }, 60_000);
  afterAll(() => s?.cleanup());

  it('seeds five hazards in different states', async () => {
    expect(ids).toHaveLength(5);
    const states = await Promise.all(ids.map(async (id) => (await s.engine.getCase(id)).stateLabel));
    expect(new Set(states).size).toBe(5);
  });

  it('shows no internals on any page for any role', async () => {
    const codes = enumCodes();
    const users = ['grid-officer', 'township-office', 'inspector', 'enterprise-officer', 'leader', 'auditor', 'admin'];
    const found: string[] = [];
    let pages = 0;
    for (const user of users) {
      const headers = await web(s, user);
      const paths = ['/tasks', '/cases', '/new', '/new/hazard', '/inbox', '/no-such-page', ...ids.flatMap((id) => [`/cases/${id}`, `/cases/${id}/audit`, `/cases/${id}/audit?at=2`])];
      // The outbox page is a delivery diagnostic (template ids, transport errors): not in the scan.
      if (user === 'admin') paths.push('/admin/workflows', '/admin/workflows/hazard');
      for (const path of paths) {
        const res = await request(s.app).get(path).set(headers).set('Accept', 'text/html');
        if (res.status === 303 || !String(res.headers['content-type']).includes('text/html')) continue;
        pages += 1;
        for (const p of problems(visibleText(res.text), codes)) found.push(`${user} ${path}: ${p}`);
      }
    }
    expect(pages).toBeGreaterThan(60);
    expect([...new Set(found)]).toEqual([]);
  }, 120_000);

  it('names cases by their title in the worklist and case list', async () => {
    const tasks = await request(s.app).get('/tasks').set(await web(s, 'township-office'));
    expect(tasks.text).toContain('清水镇恒达机械厂');
    expect(tasks.text).toContain('除尘系统未设置泄爆装置');
    const list = await request(s.app).get('/cases').set(await web(s, 'inspector'));
    expect(list.text).toContain('配电箱门缺失');
    expect(visibleText(list.text)).not.toContain('DEMO-H-0001');
  });
});
