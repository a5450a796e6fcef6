import type { Practitioner } from '@hcw/common';
import type { Role } from '../config.js';

/** Who is signed in, as the IdP asserted them. Kept in the broker's server-side session. */
export interface SignedInUser {
  id: string;
  displayName: string;
  displayNameKana: string | undefined;
  organisation: string;
  profession: string;
  roles: Role[];
  /** The AuthnContextClassRef the IdP asserted. */
  authnContext: string;
  /** The IdP asserted a multi-factor sign-in of a kind the configuration accepts. */
  mfaByIdp: boolean;
  /** What single logout names this sign-in by at the IdP: the NameID exactly as asserted, and the session. */
  samlSession?: SamlSubject;
}

export interface SamlSubject {
  /** Absent in sessions begun before it was kept: the user ID was the NameID then. */
  nameId?: string;
  nameIdFormat: string;
  nameQualifier?: string;
  spNameQualifier?: string;
  sessionIndex: string | undefined;
}

/** Who the signed-in user is to the portal (its hand-offs and the files they send). */
export function practitionerOf(user: SignedInUser): Practitioner {
  return {
    id: user.id,
    displayName: user.displayName,
    displayNameKana: user.displayNameKana,
    organisation: user.organisation,
    profession: user.profession,
    roles: user.roles,
  };
}
