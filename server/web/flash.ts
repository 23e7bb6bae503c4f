/**
 * Post/Redirect/Get for refused forms: the error and the values typed are
 * kept here under a random id for a few minutes, the post answers 303 to the
 * page with `?form=<id>`, and that page shows them again. A reload of the
 * page shows the form, never re-submits it. Per process (a redirect that
 * lands on another process shows the page without the kept values).
 */
import { randomBytes } from 'node:crypto';
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

const TTL_MS = 10 * 60_000;
const MAX = 2000;

export interface FlashStore {
  put(flash: Flash): string;
  get(id: unknown, userId: string): Flash | undefined;
}

export function createFlashStore(now: () => number = Date.now): FlashStore {
  const items = new Map<string, { at: number; flash: Flash }>();
  return {
    put(flash) {
      const t = now();
      for (const [k, v] of items) if (t - v.at > TTL_MS || items.size >= MAX) items.delete(k);
      const id = randomBytes(12).toString('base64url');
      items.set(id, { at: t, flash });
      return id;
    },
    get(id, userId) {
      if (typeof id !== 'string') return undefined;
      const e = items.get(id);
      if (!e || e.flash.userId !== userId || now() - e.at > TTL_MS) return undefined;
      return e.flash;
    },
  };
}
