import { type Language, type Practitioner } from '@hcw/common';

declare module 'express-session' {
  interface SessionData {
    practitioner?: Practitioner;
    lang?: Language;
  }
}
