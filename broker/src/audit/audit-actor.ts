import type { Request } from 'express';
import { clientAddress } from '../http/client-address.js';

/**
 * Who did it, as every audit record of the broker names them: the user, their organisation and, for a
 * request, the address it came from (the proxy's word only when BROKER_TRUST_PROXY trusts it).
 */
export function auditActor(
  user: { id: string; organisation: string },
  req?: Request,
): { actorId: string; actorOrganisation: string; clientAddress?: string } {
  return {
    actorId: user.id,
    actorOrganisation: user.organisation,
    ...(req ? { clientAddress: clientAddress(req) } : {}),
  };
}
