/**
 * Who a notification reaches. Recipients are declared by role + org, user or
 * case-data field and resolved when the notification is sent, through a
 * {@link RecipientDirectory} the server implements over its people tables.
 * Confidential data fields are removed per recipient before rendering.
 */
import { mayRead, normaliseConfidential, REDACTED_TEXT, type ConfidentialDeclaration, type OrgStep, type ResolvedRecipient } from '../engine/index.js';

/** A person as the directory knows them. */
export interface User {
  id: string;
  name: string;
  orgId: string;
  roles: string[];
  email?: string | undefined;
  /** `zh-CN` or `en`; templates fall back to zh-CN. */
  locale: string;
  /** Where the webhook channel posts this user's notifications. */
  webhookUrl?: string | undefined;
}

/** Looks people up when a notification is sent (the server implements it). */
export interface RecipientDirectory {
  /** Users holding `role` in the org `orgId`. */
  usersWithRole(role: string, orgId: string): Promise<User[]>;
  user(id: string): Promise<User | undefined>;
  /** The org and its ancestors, the org first, for the org scope of confidential fields (without it, only their roles are checked). */
  orgPath?(orgId: string): Promise<OrgStep[]>;
}

/** One resolved addressee: a user, or a bare e-mail address held in a case-data field. */
export interface Addressee {
  /** The user id, or `mailto:<address>`. */
  key: string;
  userId: string | null;
  name: string;
  locale: string;
  orgId: string | null;
  roles: string[];
  email: string | null;
  webhookUrl: string | null;
}

/** An in-memory directory, for tests and demos. */
export function createMemoryDirectory(users: readonly User[] = []): RecipientDirectory & { add(user: User): void; users(): User[] } {
  const byId = new Map(users.map((u) => [u.id, u]));
  return {
    add: (user) => void byId.set(user.id, user),
    users: () => [...byId.values()],
    usersWithRole: (role, orgId) => Promise.resolve([...byId.values()].filter((u) => u.orgId === orgId && u.roles.includes(role))),
    user: (id) => Promise.resolve(byId.get(id)),
  };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** The addressee of a directory user. */
export function userAddressee(u: User): Addressee {
  return { key: u.id, userId: u.id, name: u.name, locale: u.locale, orgId: u.orgId, roles: [...u.roles], email: u.email ?? null, webhookUrl: u.webhookUrl ?? null };
}

function addressAddressee(address: string): Addressee {
  return { key: `mailto:${address.toLowerCase()}`, userId: null, name: address, locale: 'zh-CN', orgId: null, roles: [], email: address, webhookUrl: null };
}

/** Describes a declared recipient for people reading an error. */
export function describeRecipient(r: ResolvedRecipient): string {
  if ('role' in r) return `role ${r.role}@${r.org}`;
  if ('user' in r) return `user ${r.user}`;
  return `field ${r.field}`;
}

/**
 * Resolves declared recipients to addressees, without duplicates. A value of a
 * `field` recipient is an e-mail address when it looks like one, else a user
 * id. Returns the reasons for every declared recipient that yielded nobody.
 */
export async function resolveRecipients(directory: RecipientDirectory, declared: readonly ResolvedRecipient[]): Promise<{ addressees: Addressee[]; problems: string[] }> {
  const out = new Map<string, Addressee>();
  const problems: string[] = [];
  const add = (a: Addressee) => {
    if (!out.has(a.key)) out.set(a.key, a);
  };
  for (const r of declared) {
    if ('role' in r) {
      const users = await directory.usersWithRole(r.role, r.org);
      if (users.length === 0) problems.push(`nobody holds role ${r.role} in org ${r.org}`);
      users.forEach((u) => add(userAddressee(u)));
    } else if ('user' in r) {
      const u = await directory.user(r.user);
      if (u) add(userAddressee(u));
      else problems.push(`user ${r.user} does not exist`);
    } else {
      if (r.values.length === 0) problems.push(`field ${r.field} is empty`);
      for (const value of r.values) {
        if (EMAIL.test(value)) {
          add(addressAddressee(value));
          continue;
        }
        const u = await directory.user(value);
        if (u) add(userAddressee(u));
        else problems.push(`field ${r.field}: "${value}" is neither an e-mail address nor a known user`);
      }
    }
  }
  return { addressees: [...out.values()], problems };
}

/** Where a recipient and the case sit in the org tree, for the org scope of confidential fields. */
export interface RecipientScope {
  /** The recipient's org (null for a bare e-mail address). */
  org: string | null;
  /** The case's org and its ancestors, the case's org first. */
  caseOrgPath: readonly OrgStep[];
  locale?: string | undefined;
}

/**
 * The case data as one recipient may see it: every confidential field the
 * recipient may not read (roles, and the org scope when `scope` is given;
 * without it a scope narrower than the jurisdiction hides the field) reads
 * 「已隐去」 ("[redacted]" in English). `fields` (the data schema's field
 * names) are filled with `null` when unset, so strict templates can read an
 * optional field. Pure.
 */
export function dataFor(data: Record<string, unknown>, confidential: Record<string, ConfidentialDeclaration>, recipientRoles: readonly string[], fields: readonly string[] = [], scope?: RecipientScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = null;
  for (const [k, v] of Object.entries(data)) out[k] = v;
  const hidden = scope?.locale === 'en' ? '[redacted]' : `「${REDACTED_TEXT}」`;
  for (const [field, decl] of Object.entries(confidential)) {
    if (!Object.hasOwn(data, field) || data[field] === undefined) continue;
    const rule = normaliseConfidential(decl);
    const may = scope
      ? scope.org !== null && mayRead(rule, { roles: recipientRoles, org: scope.org }, scope.caseOrgPath)
      : rule.org === 'jurisdiction' && rule.roles.some((r) => recipientRoles.includes(r));
    if (!may) out[field] = hidden;
  }
  return out;
}
