/**
 * The attachment store (files under a folder; the `attachments` table on
 * SQLite and PostgreSQL), upload checks by content, and downloads through a
 * case's access checks only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { attachmentRefs, checkUpload, createFileAttachmentStore, createKnexAttachmentStore, formatAttachmentRef, parseAttachmentRef, sha256Of, type AttachmentStore } from '../../server/attachments.js';
import { loadDemoCases } from '../../server/demo-cases.js';
import { freshPostgresStore, freshSqliteStore, type FreshStore } from '../support/stores.js';
import { postgresAvailableForSuite } from '../support/services.js';
import { web } from './support-http.js';
import { testServer } from './support.js';

const withPostgres = await postgresAvailableForSuite();
const jpeg = () => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 120, b: 200 } } }).jpeg().toBuffer();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function roundTrip(store: AttachmentStore) {
  const bytes = await jpeg();
  const sha = await store.put(bytes);
  expect(sha).toBe(sha256Of(bytes));
  expect(await store.put(bytes)).toBe(sha);
  expect((await store.get(sha))!.equals(bytes)).toBe(true);
  expect(await store.get('0'.repeat(64))).toBeUndefined();
  expect(await store.get('../../etc/passwd')).toBeUndefined();
}

describe('attachment stores', () => {
  it('keeps files by content under a folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-att-'));
    dirs.push(dir);
    await roundTrip(createFileAttachmentStore(dir));
  });

  const backends: ['sqlite' | 'postgres', () => Promise<FreshStore>][] = [['sqlite', freshSqliteStore], ['postgres', freshPostgresStore]];
  for (const [name, fresh] of backends) {
    it.skipIf(name === 'postgres' && !withPostgres)(`keeps files by content in the attachments table (${name})`, async () => {
      const f = await fresh();
      try {
        await roundTrip(createKnexAttachmentStore(f.store.knex));
      } finally {
        await f.cleanup();
      }
    });
  }
});

describe('references and upload checks', () => {
  it('records hash, name, type and size in a reference, and finds references anywhere in a payload', () => {
    const ref = formatAttachmentRef({ sha256: 'a'.repeat(64), name: '现场 照片&1.jpg', type: 'image/jpeg', size: 1234 });
    expect(parseAttachmentRef(ref)).toEqual({ sha256: 'a'.repeat(64), name: '现场 照片&1.jpg', type: 'image/jpeg', size: 1234 });
    expect(attachmentRefs({ photos: [ref, 'plain.jpg'], plan: { scan: ref } })).toHaveLength(2);
  });

  it('judges an image by its bytes, not its name', async () => {
    expect(await checkUpload(await jpeg(), 'image/*')).toEqual({ type: 'image/jpeg' });
    expect(await checkUpload(Buffer.from('<script>alert(1)</script>'), 'image/*')).toHaveProperty('error');
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    expect(await checkUpload(pdf, 'image/*')).toEqual({ error: '此处只能上传图片' });
    expect(await checkUpload(pdf, '*/*')).toEqual({ type: 'application/pdf' });
  });
});

describe('downloads', () => {
  it('serves a file and its thumbnail only through a case that names it, to readers of that case', async () => {
    const s = await testServer();
    try {
      await loadDemoCases(s.engine, s.people, createKnexAttachmentStore((s.fresh.store as unknown as { knex: Parameters<typeof createKnexAttachmentStore>[0] }).knex));
      const submit = (await s.engine.history('DEMO-H-0003')).find((e) => e.type === 'submit')!;
      const ref = parseAttachmentRef((submit.payload.photos as string[])[0]!)!;
      const inspector = await web(s, 'inspector');
      const file = await request(s.app).get(`/cases/DEMO-H-0003/files/${ref.sha256}`).set(inspector);
      expect([file.status, file.headers['content-type'], file.headers['x-content-type-options']]).toEqual([200, 'image/jpeg', 'nosniff']);
      expect(sha256Of(file.body as Buffer)).toBe(ref.sha256);
      const thumb = await request(s.app).get(`/cases/DEMO-H-0003/files/${ref.sha256}?thumb=1`).set(inspector);
      expect(thumb.status).toBe(200);
      expect((await sharp(thumb.body as Buffer).metadata()).width).toBeLessThanOrEqual(320);
      // Another district's reader, another case that does not name the file, a made-up hash: 404 pages.
      expect((await request(s.app).get(`/cases/DEMO-H-0003/files/${ref.sha256}`).set(await web(s, 'xishan-inspector'))).status).toBe(404);
      const other = (await s.engine.history('DEMO-H-0001')).find((e) => e.type === 'submit')!;
      expect(parseAttachmentRef((other.payload.photos as string[])[0]!)!.sha256).not.toBe(ref.sha256);
      expect((await request(s.app).get(`/cases/DEMO-H-0001/files/${ref.sha256}`).set(inspector)).status).toBe(404);
      expect((await request(s.app).get(`/cases/DEMO-H-0003/files/${'0'.repeat(64)}`).set(inspector)).status).toBe(404);
      // No session: the login page, never the file.
      expect((await request(s.app).get(`/cases/DEMO-H-0003/files/${ref.sha256}`)).status).toBe(303);
    } finally {
      await s.cleanup();
    }
  });

  it('keeps a refused upload out of the case, and a destructive action needs its confirmation', async () => {
    const s = await testServer();
    try {
      const created = await request(s.app).post('/api/v1/cases').set({ Authorization: `Bearer ${s.tokens['grid-officer']}` }).send({ workflowId: 'hazard' });
      const id = (created.body as { case: { id: string } }).case.id;
      const grid = await web(s, 'grid-officer');
      const fake = await request(s.app).post(`/cases/${id}/events`).set(grid).field('_type', 'submit').field('_expectedVersion', '1').field('p.location', '某处')
        .attach('p.photos', Buffer.from('not an image at all'), { filename: 'photo.jpg', contentType: 'image/jpeg' });
      expect(fake.status).toBe(303);
      const shown = await request(s.app).get(fake.headers.location!.replace(/#.*$/, '')).set(grid);
      expect(shown.text).toContain('文件类型不受支持');
      expect(shown.text).toContain('value="某处"');
      expect((await s.engine.getCase(id)).version).toBe(1);
      // 撤回 sits apart, behind a confirmation: without it nothing happens.
      const page = await request(s.app).get(`/cases/${id}`).set(grid);
      expect(page.text).toMatch(/<details class="danger"[^>]*>[\s\S]*data-event="cancel"/);
      const unconfirmed = await request(s.app).post(`/cases/${id}/events`).set(grid).type('form').send({ _type: 'cancel', _expectedVersion: '1', 'p.cancelReason': '重复上报' });
      expect(unconfirmed.status).toBe(303);
      expect((await s.engine.getCase(id)).version).toBe(1);
      const confirmed = await request(s.app).post(`/cases/${id}/events`).set(grid).type('form').send({ _type: 'cancel', _expectedVersion: '1', 'p.cancelReason': '重复上报', _confirm: 'on' });
      expect(confirmed.headers.location).toBe(`/cases/${encodeURIComponent(id)}?done=cancel`);
      expect((await s.engine.getCase(id)).version).toBe(2);
    } finally {
      await s.cleanup();
    }
  });
});
