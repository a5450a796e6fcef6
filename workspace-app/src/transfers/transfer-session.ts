import type { PageNotice } from './page-parts.js';

// What the transfer pages keep in the portal session: the notice a form leaves for the next page.
declare module 'express-session' {
  interface SessionData {
    transferNotice?: PageNotice;
  }
}
