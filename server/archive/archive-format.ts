/**
 * The on-disk form of an archive (`duban archive`): one directory per run,
 *
 * ```
 * <out>/<archiveId>/
 *   manifest.json          canonical JSON (RFC 8785) of the manifest below
 *   cases/<caseId>.json    one case file per case (the `duban audit verify-file` format), canonical JSON
 * ```
 *
 * The manifest lists every case with its head `(caseId, seq, lastHash)`, its
 * file's path and sha256 and the hashes of the evidence files its events
 * refer to, and the Merkle root over the heads (the leaves of `merkle.ts`,
 * the same as anchor checkpoints use). The archive's hash is the sha256 of
 * `manifest.json`'s bytes: it commits to every case file through their
 * sha256, and every case file commits to its history through the hash chain.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson, InvalidArchiveError } from '../../engine/index.js';

export const ARCHIVE_FORMAT = 'duban-archive';
export const MANIFEST_FILE = 'manifest.json';

const HEX64 = z.string().regex(/^[0-9a-f]{64}$/);

/** One case of an archive, as its manifest lists it. */
export const ArchiveEntrySchema = z.strictObject({
  caseId: z.string().min(1),
  org: z.string(),
  workflowId: z.string(),
  workflowVersion: z.number().int(),
  seq: z.number().int().min(1),
  lastHash: HEX64,
  /** Path of the case file, relative to the archive's directory. */
  file: z.string().min(1),
  /** sha256 of the case file's bytes. */
  sha256: HEX64,
  /** sha256 of each evidence file the case's events refer to (the bytes stay in the attachment store). */
  attachments: z.array(HEX64),
});
export type ArchiveEntry = z.infer<typeof ArchiveEntrySchema>;

export const ArchiveManifestSchema = z.strictObject({
  format: z.literal(ARCHIVE_FORMAT),
  formatVersion: z.literal(1),
  id: z.string().min(1),
  createdAt: z.string(),
  closedBefore: z.string(),
  cases: z.array(ArchiveEntrySchema),
  merkleRoot: HEX64,
});
export type ArchiveManifest = z.infer<typeof ArchiveManifestSchema>;

export const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** The case file's path inside an archive: ids are encoded, so `org:client/1` cannot name another directory. */
export function caseFilePath(caseId: string): string {
  return `cases/${encodeURIComponent(caseId)}.json`;
}

/** Writes `bytes` to `file` durably: a temporary name, fsync, rename (a killed run never leaves half a file under the real name). */
export async function writeDurably(file: string, bytes: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

/** The bytes of a JSON value as the archive stores it: canonical JSON, UTF-8. */
export function archiveBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Reads and parses an archive's manifest; `invalid_archive` naming what is wrong. Returns the manifest and the sha256 of its bytes. */
export async function readManifest(dir: string): Promise<{ manifest: ArchiveManifest; hash: string }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path.join(dir, MANIFEST_FILE));
  } catch (err) {
    throw new InvalidArchiveError(`${path.join(dir, MANIFEST_FILE)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidArchiveError(`${path.join(dir, MANIFEST_FILE)} is not JSON (the archive was altered)`);
  }
  const parsed = ArchiveManifestSchema.safeParse(json);
  if (!parsed.success) throw new InvalidArchiveError(`${path.join(dir, MANIFEST_FILE)} is not an archive manifest: ${z.prettifyError(parsed.error)}`);
  return { manifest: parsed.data, hash: sha256Hex(bytes) };
}

/** Reads one case file's bytes from an archive (undefined when it is missing). */
export async function readCaseBytes(dir: string, entry: Pick<ArchiveEntry, 'file'>): Promise<Buffer | undefined> {
  // The manifest names the file; it must stay inside the archive's cases/ folder.
  const file = path.resolve(dir, entry.file);
  if (!file.startsWith(path.resolve(dir, 'cases') + path.sep)) return undefined;
  try {
    return await fs.readFile(file);
  } catch {
    return undefined;
  }
}
