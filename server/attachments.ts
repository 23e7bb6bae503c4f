/**
 * Evidence attachments: a content-addressed store behind a port (files under
 * the data dir by default, a database table in distributed mode), the
 * reference an event payload records for each file, and the checks an
 * upload passes (size, declared type, images by their content).
 *
 * A reference is the string `att:<sha256>?type=<media type>&size=<bytes>&name=<file name>`:
 * it goes into the event payload, so the hash chain covers the file's hash,
 * name, type and size, and a case export can carry the bytes and have them
 * verified offline. Files are served only through a case the reader may see
 * and whose history names the hash (never from a guessable path).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';

/** Where attachment bytes live, by their SHA-256 (hex). */
export interface AttachmentStore {
  /** Stores the bytes (a no-op when already there); returns their SHA-256. */
  put(bytes: Buffer): Promise<string>;
  get(sha256: string): Promise<Buffer | undefined>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Files under `dir`, at `<dir>/<first two hex>/<sha256>`; written to a temporary name, then renamed. */
export function createFileAttachmentStore(dir: string): AttachmentStore {
  const fileOf = (sha: string) => path.join(dir, sha.slice(0, 2), sha);
  return {
    async put(bytes) {
      const sha = sha256Of(bytes);
      const file = fileOf(sha);
      try {
        await fs.access(file);
        return sha;
      } catch {
        // not there yet
      }
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${randomUUID()}.tmp`;
      await fs.writeFile(tmp, bytes);
      await fs.rename(tmp, file);
      return sha;
    },
    async get(sha) {
      if (!SHA256.test(sha)) return undefined;
      try {
        return await fs.readFile(fileOf(sha));
      } catch {
        return undefined;
      }
    },
  };
}

/** Rows of the `attachments` table (migration 016): the store of distributed mode, where every server process must read every file. */
export function createKnexAttachmentStore(knex: Knex): AttachmentStore {
  return {
    async put(bytes) {
      const sha = sha256Of(bytes);
      await knex('attachments').insert({ sha256: sha, size: bytes.length, bytes, created_at: new Date().toISOString() }).onConflict('sha256').ignore();
      return sha;
    },
    async get(sha) {
      if (!SHA256.test(sha)) return undefined;
      const row = (await knex('attachments').where({ sha256: sha }).first('bytes')) as { bytes: Buffer | Uint8Array } | undefined;
      return row ? Buffer.from(row.bytes) : undefined;
    },
  };
}

/** An attachment as an event records it. */
export interface AttachmentRef {
  sha256: string;
  name: string;
  type: string;
  size: number;
}

const REF = /^att:([0-9a-f]{64})\?(.*)$/;

export function isAttachmentRef(v: unknown): v is string {
  return typeof v === 'string' && REF.test(v);
}

export function formatAttachmentRef(a: AttachmentRef): string {
  const q = new URLSearchParams({ type: a.type, size: String(a.size), name: a.name });
  return `att:${a.sha256}?${q.toString()}`;
}

export function parseAttachmentRef(v: string): AttachmentRef | undefined {
  const m = REF.exec(v);
  if (!m) return undefined;
  const q = new URLSearchParams(m[2]);
  const size = Number(q.get('size'));
  return { sha256: m[1]!, type: q.get('type') ?? 'application/octet-stream', size: Number.isInteger(size) ? size : 0, name: q.get('name') ?? '附件' };
}

/** Every attachment reference in a value (payloads, case data), depth first. */
export function attachmentRefs(value: unknown, out: AttachmentRef[] = []): AttachmentRef[] {
  if (isAttachmentRef(value)) {
    const r = parseAttachmentRef(value);
    if (r) out.push(r);
  } else if (Array.isArray(value)) {
    for (const v of value) attachmentRefs(v, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) attachmentRefs(v, out);
  }
  return out;
}

/** Upload limits: per file, files per form. */
export const UPLOAD_LIMITS = { fileSize: 10 * 1024 * 1024, files: 20 } as const;

/** The types an upload may have besides images (for a field that accepts any file). */
const DOCUMENT_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/heic', 'image/heif']);

/**
 * The media type of an upload, read from its bytes (the name and the browser's
 * claim are not trusted); an error message (Chinese) when it is not one the
 * field accepts.
 */
export async function checkUpload(bytes: Buffer, accept: string): Promise<{ type: string } | { error: string }> {
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(bytes);
  const type = detected?.mime;
  if (!type || !DOCUMENT_TYPES.has(type)) return { error: '文件类型不受支持（可上传 JPEG、PNG、WebP、GIF、HEIC 图片或 PDF 文件）' };
  if (accept === 'image/*' && !type.startsWith('image/')) return { error: '此处只能上传图片' };
  if (accept !== 'image/*' && accept !== '*/*' && accept !== type) return { error: '文件类型与要求不符' };
  return { type };
}

/** A JPEG thumbnail at most `size` px wide and high, or undefined when the bytes are not a readable image. */
export async function thumbnail(bytes: Buffer, size = 320): Promise<Buffer | undefined> {
  try {
    const sharp = (await import('sharp')).default;
    return await sharp(bytes, { limitInputPixels: 50_000_000 }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
  } catch {
    return undefined;
  }
}
