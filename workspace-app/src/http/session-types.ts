import type { Practitioner } from '@hcw/common';
import type { Language } from '../ui/i18n.js';

declare module 'express-session' {
  interface SessionData {
    practitioner?: Practitioner;
    lang?: Language;
  }
}
