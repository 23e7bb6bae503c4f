/**
 * The language to answer a caller in: the request's `Accept-Language` when it
 * names one we speak, else the user's own `locale`, else zh-CN.
 */
import type { Request } from 'express';
import { DEFAULT_LOCALE, LOCALES, type Locale } from '../notifications/index.js';

/** The caller's locale for messages that come from definitions (a guard's `guardMessage`). */
export function requestLocale(req: Request, userLocale?: string | undefined): Locale {
  if (req.headers['accept-language']) {
    // `zh` and `zh-TW` read the zh-CN text; `en-GB` the en one.
    const best = req.acceptsLanguages('zh-CN', 'zh', 'en');
    if (best) return best.startsWith('zh') ? 'zh-CN' : 'en';
  }
  return (LOCALES as readonly string[]).includes(userLocale ?? '') ? (userLocale as Locale) : DEFAULT_LOCALE;
}
