/**
 * The notifications' `RecipientDirectory` over the people tables: who a
 * `role@org` recipient reaches, and a user by id, read when a notification
 * is sent (so a user added or given a role since the step is reached).
 *
 * Who `role@org` reaches (a decision, DESIGN §7 "a task is offered to role@org"):
 *
 * - the users of exactly that org who hold the role;
 * - when nobody there holds it, the users of the **nearest ancestor org**
 *   where somebody does (a grid's case notifies its township's office when
 *   the grid has none), and no further up.
 *
 * This is who can act: a task offered to role@org is in the worklist of
 * every holder of the role whose subtree contains the org, and the nearest
 * of them are the ones responsible. Widening to every ancestor would mail a
 * city office about each grid's hazard; stopping at the exact org would leave
 * most grid-level notifications `unresolved` (the demo tree puts inspectors
 * at the district, townships' offices above the grids). With `reach: 'org'`
 * the directory keeps to the exact org. A recipient nobody holds anywhere up
 * the tree leaves the notification `unresolved`, listed for admins.
 */
import type { RecipientDirectory, User } from '../notifications/index.js';
import type { OrgDirectory } from './access.js';
import { orgPath } from './confidential.js';
import { type PeopleStore, type UserRecord } from './people-ports.js';

/** Options of {@link createPeopleDirectory}. */
export interface PeopleDirectoryOptions {
  /** `nearest-ancestor` (default): the exact org, else the nearest ancestor where someone holds the role; `org`: the exact org only. */
  reach?: 'nearest-ancestor' | 'org' | undefined;
}

/** A user as notifications know them. */
export function notificationUser(u: UserRecord): User {
  return { id: u.id, name: u.name, orgId: u.orgId, roles: [...u.roles], locale: u.locale, email: u.email ?? undefined, webhookUrl: u.webhookUrl ?? undefined };
}

/**
 * Creates the directory.
 * @example
 * const directory = createPeopleDirectory(people, createOrgDirectory(people));
 * await directory.usersWithRole('townshipSafetyOffice', 'donghu-qingshui-g1'); // the township's office when the grid has none
 */
export function createPeopleDirectory(people: PeopleStore, orgs: OrgDirectory, options: PeopleDirectoryOptions = {}): RecipientDirectory {
  const reach = options.reach ?? 'nearest-ancestor';
  const holders = async (role: string, orgId: string) => (await people.listUsers([orgId])).filter((u) => u.roles.includes(role));
  return {
    async usersWithRole(role, orgId) {
      let found = await holders(role, orgId);
      if (found.length > 0 || reach === 'org') return found.map(notificationUser);
      // Walk up; the set guards against a cycle a hand-edited database might hold.
      const seen = new Set([orgId]);
      let parent = (await orgs.get(orgId))?.parentId ?? null;
      while (parent !== null && !seen.has(parent)) {
        seen.add(parent);
        found = await holders(role, parent);
        if (found.length > 0) return found.map(notificationUser);
        parent = (await orgs.get(parent))?.parentId ?? null;
      }
      return [];
    },
    async user(id) {
      const u = await people.getUser(id);
      return u && notificationUser(u);
    },
    orgPath: (orgId) => orgPath(orgs, orgId),
  };
}
