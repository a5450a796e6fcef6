/** Who is signed in, as the IdP asserted it. Kept in the broker's server-side session. */
export interface SignedInUser {
  id: string;
  displayName: string;
  displayNameKana: string | undefined;
  organisation: string;
  profession: string;
  roles: string[];
}
