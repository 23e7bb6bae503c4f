/**
 * Orgs, users and tokens. Everyone reads the orgs of their subtree; admins
 * add orgs (enterprises with their profile) and users within their subtree,
 * granting only the roles the catalogue lets their level grant, and issue
 * tokens for others, which then record the admin as their issuer; anyone
 * issues and revokes their own tokens, admins revoke those of their
 * subtree's users. Orgs, users and tokens outside the caller's reach answer
 * like missing ones (404).
 */
import { z } from 'zod';
import { assertVisible, issueToken, visibleOrg } from '../access.js';
import { HttpError } from '../http-errors.js';
import { addOrg, createUser, findToken } from '../people.js';
import { assertGrantable, describeCatalogue, loadRoleCatalogue } from '../roles.js';
import { Reply, route, type Route } from '../routing.js';
import { IdParams, IssuedTokenSchema, NewOrgSchema, NewUserSchema, OrgSchema, UserSchema } from '../schemas.js';
import type { RouteDeps } from './deps.js';
import { ORG_LEVELS } from '../people-ports.js';

export function peopleRoutes({ engine, people, orgs, auth }: RouteDeps): Route[] {
  const clock = engine.clock;
  return [
    route(
      {
        method: 'get', path: '/api/v1/me', tag: 'people', auth: 'user', summary: 'Who you are: your user, org and token',
        response: z.object({
          user: UserSchema, org: OrgSchema.nullable(), tokenId: z.string(),
          tokenIssuedBy: z.string().nullable().describe('the admin who issued this token for you (events you send with it name them too); null when you did'),
        }),
      },
      async ({ principal }) => ({ user: principal!.user, org: (await orgs.get(principal!.user.orgId)) ?? null, tokenId: principal!.token.id, tokenIssuedBy: principal!.token.issuedBy ?? null }),
    ),
    route(
      { method: 'get', path: '/api/v1/orgs', tag: 'people', auth: 'user', summary: 'The orgs of your subtree', response: z.object({ items: z.array(OrgSchema) }) },
      async ({ principal }) => ({ items: (await orgs.list()).filter((o) => principal!.subtree.has(o.id)) }),
    ),
    route(
      {
        method: 'post', path: '/api/v1/orgs', tag: 'people', auth: 'admin', status: 201,
        summary: 'Add an org below an org of your subtree', body: NewOrgSchema, response: OrgSchema,
        errors: ['out_of_jurisdiction', 'org_not_found', 'already_exists'],
      },
      async ({ body, principal }) => {
        if (body.parentId === null) throw new HttpError('out_of_jurisdiction', 'a new root org is created with `duban orgs import`, not through the API');
        const parent = await visibleOrg(principal!, orgs, body.parentId);
        const r = await addOrg(people, clock, body, parent);
        orgs.invalidate();
        return new Reply(r.created ? 201 : 200, r.org);
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/users', tag: 'people', auth: 'admin', summary: 'The users of your subtree',
        query: z.object({ org: z.string().max(64).optional() }), response: z.object({ items: z.array(UserSchema) }), errors: ['org_not_found'],
      },
      async ({ query, principal }) => {
        const scope = query.org === undefined ? principal!.subtree : await orgs.subtree((await visibleOrg(principal!, orgs, query.org)).id);
        return { items: await people.listUsers([...scope]) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/users', tag: 'people', auth: 'admin', status: 201,
        summary: 'Add a user to an org of your subtree with roles your level may grant (see /roles); answers with the first token, shown once, which records you as its issuer',
        body: NewUserSchema, response: z.object({ user: UserSchema }).extend(IssuedTokenSchema.shape),
        errors: ['org_not_found', 'already_exists', 'unknown_role', 'role_not_grantable'],
      },
      async ({ body, principal }) => {
        const org = await visibleOrg(principal!, orgs, body.orgId);
        const adminOrg = await orgs.get(principal!.user.orgId);
        if (!adminOrg) throw new HttpError('org_not_found', `your org ${principal!.user.orgId} does not exist`);
        assertGrantable(await loadRoleCatalogue(engine), body.roles, org, { admin: adminOrg });
        return createUser(people, clock, body, principal!.user.id);
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/users/:id/tokens', tag: 'people', auth: 'admin', status: 201, params: IdParams,
        summary: 'Issue another token for a user of your subtree (shown once); events sent with it record you as its issuer (`actor.issuedBy`)',
        body: z.object({ label: z.string().max(200).optional(), expiresAt: z.iso.datetime({ offset: true }).optional().describe('when the token stops working; never when omitted') }).strict(), response: IssuedTokenSchema,
        errors: ['user_not_found'],
      },
      async ({ params, body, principal }) => {
        const user = await people.getUser(params.id);
        assertVisible(principal!, user?.orgId, () => new HttpError('user_not_found', `user ${params.id} does not exist`));
        if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= clock.now().getTime()) throw new HttpError('invalid_request', 'expiresAt has already passed', [{ code: 'in_the_past', path: ['body', 'expiresAt'], message: 'must be in the future' }]);
        const { token, record } = await issueToken(people, clock, user!.id, { label: body.label ?? null, issuedBy: principal!.user.id, expiresAt: body.expiresAt === undefined ? null : new Date(body.expiresAt).toISOString() });
        return { tokenId: record.id, token };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/me/tokens', tag: 'people', auth: 'user', status: 201,
        summary: 'Issue yourself a token (shown once) that nobody else has seen; revoke the one an admin gave you',
        body: z.object({ label: z.string().max(200).optional() }).strict(), response: IssuedTokenSchema,
      },
      async ({ body, principal }) => {
        const { token, record } = await issueToken(people, clock, principal!.user.id, { label: body.label ?? null });
        return { tokenId: record.id, token };
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/roles', tag: 'people', auth: 'user',
        summary: 'The role catalogue: every grantable role, the org levels its holders sit at, and the levels of the admins who may grant it',
        response: z.object({ items: z.array(z.object({ role: z.string(), holders: z.array(z.enum(ORG_LEVELS)), grantors: z.array(z.enum(ORG_LEVELS)) })) }),
      },
      async () => ({ items: describeCatalogue(await loadRoleCatalogue(engine)) }),
    ),
    route(
      {
        method: 'post', path: '/api/v1/tokens/revoke', tag: 'people', auth: 'user',
        summary: 'Revoke a token (by id or text): your own, or as an admin one of a user of your subtree',
        body: z.union([z.object({ tokenId: z.string().min(1).max(200) }).strict(), z.object({ token: z.string().min(1).max(200) }).strict()]),
        response: z.object({ tokenId: z.string(), revoked: z.boolean().describe('false when it was revoked before') }),
        errors: ['token_not_found'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        const token = await findToken(people, 'tokenId' in body ? body.tokenId : body.token);
        // Someone else's token, unless an admin's over its subtree, answers like one that does not exist.
        const mine = token?.userId === p.user.id;
        const owner = token && !mine && p.isAdmin ? await people.getUser(token.userId) : undefined;
        if (!token || (!mine && !(owner && p.subtree.has(owner.orgId)))) throw new HttpError('token_not_found', 'no such token');
        const revoked = await people.revokeToken(token.id, clock.now().toISOString());
        auth.forget(token.id);
        return { tokenId: token.id, revoked };
      },
    ),
  ];
}
