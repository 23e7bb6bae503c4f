/**
 * Migrating running cases to another definition version (admin): a dry run
 * lists every case with its old and new state and those the mapping does not
 * cover; a real run appends one `case.migrated` event per covered case.
 */
import { z } from 'zod';
import { MigrationMapSchema } from '../../engine/index.js';
import { migrateInScope } from '../migration-scope.js';
import { route, type Route } from '../routing.js';
import type { RouteDeps } from './deps.js';

const IssueSchema = z.object({ code: z.string(), path: z.array(z.union([z.string(), z.number()])), message: z.string() });

export const MigrationReportSchema = z.object({
  workflowId: z.string(), fromVersion: z.number().int(), toVersion: z.number().int(), mapHash: z.string(), dryRun: z.boolean(),
  migrated: z.number().int(), uncovered: z.number().int(),
  cases: z.array(z.object({
    caseId: z.string(), org: z.string(), from: z.unknown(), to: z.unknown(), seq: z.number().int().optional(),
    uncovered: z.object({ reason: z.string(), states: z.array(z.string()), issues: z.array(IssueSchema).optional() }).optional(),
  })),
  failed: z.array(z.object({ caseId: z.string(), code: z.string(), message: z.string() })),
});

export const MigrationBody = z.object({
  workflowId: z.string().min(1).max(100),
  fromVersion: z.number().int().positive(),
  toVersion: z.number().int().positive(),
  map: MigrationMapSchema,
  dryRun: z.boolean().optional().describe('plan only: list every case, write nothing'),
  org: z.string().min(1).max(64).optional().describe('only the cases of this org\'s subtree (inside yours); yours by default'),
}).strict();

export function migrationRoutes({ engine, orgs }: RouteDeps): Route[] {
  return [
    route(
      {
        method: 'post', path: '/api/v1/admin/migrations', tag: 'workflows', auth: 'admin',
        summary: 'Move the running cases of your subtree from one definition version to another you govern, by a state mapping (old path → new path) with JSON Logic data transforms. The mapping is checked against both versions first (`invalid_input` with paths); `dryRun` lists every case with its old and new state and those not covered; a real run records one `case.migrated` event per covered case (both versions, the mapping\'s hash) and leaves the others where they are',
        body: MigrationBody,
        response: MigrationReportSchema,
        errors: ['invalid_input', 'workflow_not_found', 'org_not_found', 'out_of_jurisdiction'],
      },
      async ({ body, principal }) => migrateInScope(engine, orgs, principal!, body),
    ),
  ];
}
