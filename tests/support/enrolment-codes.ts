/**
 * A demo user's pending enrolment code, as the development IdP lists it on its sign-in page (it stands in
 * for the organisation's administrator in the demo and the tests). Undefined when the user needs none.
 */
export async function enrolmentCodeFor(brokerUrl: string, username: string): Promise<string | undefined> {
  const response = await fetch(`${brokerUrl}/dev-idp/enrolment-codes`);
  if (!response.ok) throw new Error(`the development IdP's enrolment codes answered ${response.status}`);
  const { codes } = (await response.json()) as { codes: Record<string, string> };
  return codes[username];
}
