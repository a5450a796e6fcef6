import { ForbiddenError, UnauthorisedError } from '@hcw/common';
import type { Request } from 'express';
import type { Practitioner } from '@hcw/common';
import '../http/session-types.js';

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
