import { type Language } from '@hcw/common';
import type { Request } from 'express';

/** `?lang=` wins and is remembered in the session; Japanese otherwise. */
export function languageOf(req: Request): Language {
  const asked = req.query.lang;
  if (asked === 'en' || asked === 'ja') {
    if (req.session) req.session.lang = asked;
    return asked;
  }
  return req.session?.lang ?? 'ja';
}
