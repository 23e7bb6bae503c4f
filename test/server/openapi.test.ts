/**
 * The OpenAPI document covers every express route (and nothing else), and
 * every `$ref` in it resolves.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../../server/openapi.js';
import { testServer, type TestServer } from './support.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[]; webPages?: boolean };
}

/** Every `METHOD path` express would route, walking nested routers. */
function expressRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m} ${layer.route!.path}`);
    // The web pages are HTML for people, not API: their router is marked and left out.
    return layer.handle?.stack && !layer.handle.webPages ? expressRoutes(layer.handle.stack) : [];
  });
}

describe('OpenAPI document', () => {
  let s: TestServer;
  let doc: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; operationId: string }>>; components: { schemas: Record<string, unknown> } };
  beforeAll(async () => {
    s = await testServer();
    doc = (await request(s.app).get('/api/openapi.json')).body;
  });
  afterAll(() => s.cleanup());

  it('is OpenAPI 3.1 and documents every express route, and no route express lacks', () => {
    expect(doc.openapi).toBe('3.1.0');
    const routes = expressRoutes((s.app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(routes.length).toBeGreaterThan(25);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(routes.map((r) => { const [m, p] = r.split(' '); return `${m} ${openApiPath(p!)}`; }).sort()).toEqual(documented.sort());
  });

  it('gives every operation a unique id, a success answer and the error answers', () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses);
        expect(statuses.some((st) => st.startsWith('2')), `${method} ${path}`).toBe(true);
        // Every API operation but the public ones (no security, e.g. the tip-off status for its query code) may answer 401.
        const security = (op as { security?: unknown }).security;
        const isPublic = Array.isArray(security) && security.length === 0;
        if (path.startsWith('/api/v1') && !isPublic) expect(statuses, `${method} ${path}`).toContain('401');
      }
    }
    expect(Object.keys(doc.paths['/api/v1/cases/{id}/events']!.post!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409', '413', '422']));
  });

  it('resolves every $ref to a component schema', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.replace('#/components/schemas/', '')], ref).toBeDefined();
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Case', 'Event', 'Task', 'Error']));
  });
});
