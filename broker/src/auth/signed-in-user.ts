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
  /** What single logout names this sign-in by at the IdP. */
  samlSession?: { nameIdFormat: string; sessionIndex: string | undefined };
}
