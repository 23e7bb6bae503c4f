/**
 * Archives over HTTP: list them and verify one (`GET /api/v1/archives`,
 * `GET /api/v1/archives/{id}/verify`). Archives are made by the database
 * owner (`duban archive`), never through the API. An archive holds cases of
 * every org, so only an admin or auditor whose jurisdiction is the whole
 * tree (the root's) lists or verifies them; anyone else is refused
 * (`forbidden` without the role, `out_of_jurisdiction` below the root).
 */
import { z } from 'zod';
import { archiveDir } from '../archive/archived-engine.js';
import { verifyArchive } from '../archive/verify-archive.js';
import type { Principal } from '../access.js';
import { HttpError } from '../http-errors.js';
import { route, type Route } from '../routing.js';
import type { RouteDeps } from './deps.js';

const ArchiveSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    closedBefore: z.string().describe('cases closed before this instant were archived'),
    state: z.enum(['planned', 'written', 'recorded', 'pruned']).describe('planned → written → recorded → pruned; a run left before `pruned` is finished by the next `duban archive`'),
    cases: z.number().int(),
    archiveHash: z.string().nullable().describe('sha256 of the archive\'s manifest.json'),
    merkleRoot: z.string().nullable().describe('Merkle root over the cases\' heads (caseId, seq, last hash)'),
    anchorCheckpoint: z.number().int().nullable().describe('the anchor checkpoint whose signed line records the archive'),
  })
  .meta({ id: 'Archive' });

const VerifyReportSchema = z
  .object({
    ok: z.boolean(),
    archiveId: z.string().nullable(),
    archiveHash: z.string().nullable(),
    cases: z.number().int(),
    events: z.number().int(),
    failures: z.array(z.object({ caseId: z.string().nullable().describe('null: the archive as a whole'), seq: z.number().int().optional(), reason: z.string() })),
  })
  .meta({ id: 'ArchiveVerifyReport' });

/** Only an admin or auditor of the whole tree reads archives. */
async function assertWholeTree(p: Principal, orgs: RouteDeps['orgs']): Promise<void> {
  if (!p.isAdmin && !p.isAuditor) throw new HttpError('forbidden', 'archives are read by admins and auditors');
  if (!(await orgs.list()).every((o) => p.subtree.has(o.id))) throw new HttpError('out_of_jurisdiction', 'an archive holds cases of every org: only the root\'s admins and auditors read archives');
}

export function archiveRoutes({ orgs, archives, config }: RouteDeps & { config: { DUBAN_ARCHIVE_DIR?: string | undefined } }): Route[] {
  const reader = () => {
    if (!archives) throw new HttpError('not_ready', 'this server has no archive store');
    return archives;
  };
  return [
    route(
      {
        method: 'get', path: '/api/v1/archives', tag: 'audit', auth: 'user',
        summary: 'The archive runs (`duban archive`), oldest first: hash, Merkle root, state (root admins and auditors)',
        response: z.object({ items: z.array(ArchiveSchema) }), errors: ['forbidden', 'out_of_jurisdiction'],
      },
      async ({ principal }) => {
        await assertWholeTree(principal!, orgs);
        const items = (await reader().listArchives()).map(({ dir: _dir, createdBy: _by, recordedAt: _r, prunedAt: _p, ...a }) => a);
        return { items };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/archives/:id/verify', tag: 'audit', auth: 'user', params: z.object({ id: z.string().min(1).max(200) }),
        summary: 'Verify an archive: every case file against the manifest, its hash chain and replay; the manifest\'s hash and Merkle root against what the database recorded (root admins and auditors)',
        response: VerifyReportSchema, errors: ['forbidden', 'out_of_jurisdiction', 'not_found'],
      },
      async ({ params, principal }) => {
        await assertWholeTree(principal!, orgs);
        const archive = await reader().getArchive(params.id);
        if (!archive) throw new HttpError('not_found', `no archive ${params.id}`);
        const r = await verifyArchive(archiveDir({ reader: reader(), root: config.DUBAN_ARCHIVE_DIR }, archive), { reader: reader() });
        return { ok: r.ok, archiveId: r.archiveId, archiveHash: r.archiveHash, cases: r.cases, events: r.events, failures: r.failures };
      },
    ),
  ];
}
