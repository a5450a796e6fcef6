import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Practitioner } from '@hcw/common';
import { ForbiddenError, UnauthorisedError } from '../http/errors.js';
import '../http/session-types.js';

declare module 'express-session' {
  interface SessionData {
    /** Posted back by the timeline's forms; a page on another site cannot know it. */
    timelineCsrf?: string;
  }
}

/** Sign-in roles with a timeline: those who take part in care or in transfers. */
export const timelineRoles: readonly string[] = ['practitioner', 'msw', 'bed-manager'];

export function signedInPractitioner(req: Request): Practitioner {
  const practitioner = req.session.practitioner;
  if (!practitioner) throw new UnauthorisedError();
  return practitioner;
}

export function timelineUser(req: Request): Practitioner {
  const practitioner = signedInPractitioner(req);
  if (!practitioner.roles.some((role) => timelineRoles.includes(role))) throw new ForbiddenError();
  return practitioner;
}

export function itAdministrator(req: Request): Practitioner {
  const practitioner = signedInPractitioner(req);
  if (!practitioner.roles.includes('it-admin')) throw new ForbiddenError();
  return practitioner;
}

export function csrfToken(req: Request): string {
  req.session.timelineCsrf ??= randomBytes(24).toString('base64url');
  return req.session.timelineCsrf;
}

export function checkCsrf(req: Request, given: unknown): void {
  const expected = Buffer.from(req.session.timelineCsrf ?? '');
  const offered = Buffer.from(typeof given === 'string' ? given : '');
  const isValid =
    expected.length > 0 && offered.length === expected.length && timingSafeEqual(offered, expected);
  if (!isValid) {
    throw new ForbiddenError(
      'フォームの有効期限が切れました。画面を開き直してください。',
      'The form has expired. Please open the page again.',
    );
  }
}

/**
 * The kiosk's own script sends this header with its requests. A page on another site cannot add a custom
 * header to a cross-site request without the portal's consent (CORS), so it cannot mark items read.
 */
export const SCRIPT_HEADER = 'x-timeline-client';

export function checkScriptRequest(req: Request): void {
  if (req.get(SCRIPT_HEADER) !== '1') throw new ForbiddenError();
}
