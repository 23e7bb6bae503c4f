/**
 * Post/Redirect/Get for refused forms: the error and the values typed are
 * kept under a random id for a few minutes, the post answers 303 to the page
 * with `?form=<id>`, and that page shows them again. A reload of the page
 * shows the form, never re-submits it. Kept in the database (migration 017,
 * `form_flashes`), so a redirect that lands on another server process still
 * finds them; only the user who typed them can read them back.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { PageError } from './page-errors.js';

export interface Flash {
  userId: string;
  /** The form it belongs to (an event type, or `start`). */
  form: string;
  error: PageError;
  values: Record<string, unknown>;
  /** HTTP status the refusal would have had (kept for the page, which answers 200). */
  status: number;
}

/** How long kept form values live. */
export const FLASH_TTL_MS = 10 * 60_000;
const MAX = 2000;
const ID = /^[A-Za-z0-9_-]{16}$/;

export interface FlashStore {
  /** Keeps a refused form; returns the id for the redirect. */
  put(flash: Flash): Promise<string>;
  /** The kept form under `id` if it is `userId`'s and not expired. */
  get(id: unknown, userId: string): Promise<Flash | undefined>;
}

const newId = () => randomBytes(12).toString('base64url');

/** Kept forms in this process only (tests, and servers without a database of their own). */
export function createFlashStore(now: () => number = Date.now): FlashStore {
  const items = new Map<string, { at: number; flash: Flash }>();
  return {
    async put(flash) {
      const t = now();
      for (const [k, v] of items) if (t - v.at > FLASH_TTL_MS || items.size >= MAX) items.delete(k);
      const id = newId();
      items.set(id, { at: t, flash });
      return id;
    },
    async get(id, userId) {
      if (typeof id !== 'string') return undefined;
      const e = items.get(id);
      if (!e || e.flash.userId !== userId || now() - e.at > FLASH_TTL_MS) return undefined;
      return e.flash;
    },
  };
}

/**
 * Kept forms in the `form_flashes` table, shared by every server process.
 * Expired rows are deleted as new ones are written.
 * @example
 * const flashes = createKnexFlashStore(knex, () => clock.now().getTime());
 * const id = await flashes.put({ userId, form: 'submit', error, values, status: 422 });
 */
export function createKnexFlashStore(knex: Knex, now: () => number = Date.now): FlashStore {
  return {
    async put(flash) {
      const t = now();
      await knex('form_flashes').where('expires_at', '<=', t).delete();
      const id = newId();
      await knex('form_flashes').insert({ id, user_id: flash.userId, flash: JSON.stringify(flash), expires_at: t + FLASH_TTL_MS });
      return id;
    },
    async get(id, userId) {
      if (typeof id !== 'string' || !ID.test(id)) return undefined;
      const row = (await knex('form_flashes').where({ id, user_id: userId }).where('expires_at', '>', now()).first('flash')) as { flash: string } | undefined;
      return row ? (JSON.parse(row.flash) as Flash) : undefined;
    },
  };
}
