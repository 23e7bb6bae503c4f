/**
 * Orgs, users and tokens. Everyone reads the orgs of their subtree; admins
 * add orgs and users within their subtree and issue tokens; anyone revokes
 * their own tokens, admins those of their subtree's users.
 */
import { z } from 'zod';
import { assertJurisdiction, issueToken } from '../access.js';
import { HttpError } from '../http-errors.js';
import { addOrg, createUser, findToken, knownRoles, unknownRoleIssues } from '../people.js';
import { Reply, route, type Route } from '../routing.js';
import { IdParams, IssuedTokenSchema, NewOrgSchema, NewUserSchema, OrgSchema, UserSchema } from '../schemas.js';
import type { RouteDeps } from './deps.js';

export function peopleRoutes({ engine, people, orgs, auth }: RouteDeps): Route[] {
  const clock = engine.clock;
  return [
    route(
      {
        method: 'get', path: '/api/v1/me', tag: 'people', auth: 'user', summary: 'Who you are: your user, org and token',
        response: z.object({ user: UserSchema, org: OrgSchema.nullable(), tokenId: z.string() }),
      },
      async ({ principal }) => ({ user: principal!.user, org: (await orgs.get(principal!.user.orgId)) ?? null, tokenId: principal!.token.id }),
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
        const parent = await orgs.get(body.parentId);
        if (!parent) throw new HttpError('org_not_found', `parent org ${body.parentId} does not exist`);
        assertJurisdiction(principal!, parent.id, 'the parent org');
        const r = await addOrg(people, clock, body, parent);
        orgs.invalidate();
        return new Reply(r.created ? 201 : 200, r.org);
      },
    ),
    route(
      {
        method: 'get', path: '/api/v1/users', tag: 'people', auth: 'admin', summary: 'The users of your subtree',
        query: z.object({ org: z.string().max(64).optional() }), response: z.object({ items: z.array(UserSchema) }), errors: ['out_of_jurisdiction'],
      },
      async ({ query, principal }) => {
        if (query.org !== undefined) assertJurisdiction(principal!, query.org, 'the org filter');
        const scope = query.org === undefined ? principal!.subtree : await orgs.subtree(query.org);
        return { items: await people.listUsers([...scope]) };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/users', tag: 'people', auth: 'admin', status: 201,
        summary: 'Add a user to an org of your subtree; answers with the first token, shown once',
        body: NewUserSchema, response: z.object({ user: UserSchema }).extend(IssuedTokenSchema.shape),
        errors: ['out_of_jurisdiction', 'org_not_found', 'already_exists'],
      },
      async ({ body, principal }) => {
        if (!(await orgs.get(body.orgId))) throw new HttpError('org_not_found', `org ${body.orgId} does not exist`);
        assertJurisdiction(principal!, body.orgId, 'the org of the new user');
        const unknown = unknownRoleIssues(body.roles, await knownRoles(engine.store), (i) => ['body', 'roles', i]);
        if (unknown.length > 0) throw new HttpError('invalid_request', unknown.map((i) => i.message).join('; '), unknown);
        return createUser(people, clock, body);
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/users/:id/tokens', tag: 'people', auth: 'admin', status: 201, params: IdParams,
        summary: 'Issue another token for a user of your subtree (shown once)',
        body: z.object({ label: z.string().max(200).optional(), expiresAt: z.iso.datetime({ offset: true }).optional().describe('when the token stops working; never when omitted') }).strict(), response: IssuedTokenSchema,
        errors: ['user_not_found', 'out_of_jurisdiction'],
      },
      async ({ params, body, principal }) => {
        const user = await people.getUser(params.id);
        if (!user) throw new HttpError('user_not_found', `user ${params.id} does not exist`);
        assertJurisdiction(principal!, user.orgId, `user ${user.id}`);
        if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= clock.now().getTime()) throw new HttpError('invalid_request', 'expiresAt has already passed', [{ code: 'in_the_past', path: ['body', 'expiresAt'], message: 'must be in the future' }]);
        const { token, record } = await issueToken(people, clock, user.id, body.label ?? null, body.expiresAt === undefined ? null : new Date(body.expiresAt).toISOString());
        return { tokenId: record.id, token };
      },
    ),
    route(
      {
        method: 'post', path: '/api/v1/tokens/revoke', tag: 'people', auth: 'user',
        summary: 'Revoke a token (by id or text): your own, or as an admin one of a user of your subtree',
        body: z.union([z.object({ tokenId: z.string().min(1).max(200) }).strict(), z.object({ token: z.string().min(1).max(200) }).strict()]),
        response: z.object({ tokenId: z.string(), revoked: z.boolean().describe('false when it was revoked before') }),
        errors: ['token_not_found', 'forbidden', 'out_of_jurisdiction'],
      },
      async ({ body, principal }) => {
        const p = principal!;
        const token = await findToken(people, 'tokenId' in body ? body.tokenId : body.token);
        if (!token) throw new HttpError('token_not_found', 'no such token');
        if (token.userId !== p.user.id) {
          if (!p.isAdmin) throw new HttpError('forbidden', 'only an admin revokes the tokens of others');
          const owner = await people.getUser(token.userId);
          assertJurisdiction(p, owner?.orgId ?? '?', `the owner of token ${token.id}`);
        }
        const revoked = await people.revokeToken(token.id, clock.now().toISOString());
        auth.forget(token.id);
        return { tokenId: token.id, revoked };
      },
    ),
  ];
}
