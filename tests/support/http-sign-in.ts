import { enrolmentCodeFor } from './enrolment-codes.js';
import { nextTotpCode, rememberTotpSecret } from './totp.js';
import { TEST_DEMO_PASSWORD } from './workspace.js';

/** A cookie jar of one: enough to follow a broker sign-in without a browser. */
export class Cookies {
  private readonly jar = new Map<string, string>();

  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }

  header(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no ${name} in the page`);
  return match[1]!
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
}

/**
 * Signs in through the development IdP over plain HTTP, exactly as the browser's redirects and form
 * posts would, and returns the session cookie. `tamper` may rewrite the SAML response before it is posted.
 */
export async function signInOverHttp(
  brokerUrl: string,
  username: string,
  options: {
    password?: string;
    tamper?: (samlResponseXml: string) => string;
    stopAtSecondFactor?: boolean;
  } = {},
): Promise<{ cookies: Cookies; acsStatus: number; acsBody: string; samlResponse: string }> {
  const cookies = new Cookies();
  const login = await fetch(`${brokerUrl}/auth/login`, { redirect: 'manual' });
  cookies.take(login);
  const idpUrl = login.headers.get('location');
  if (!idpUrl) throw new Error('no redirect to the IdP');
  const form = await (await fetch(idpUrl)).text();
  const posted = await fetch(new URL('sso', idpUrl), {
    method: 'POST',
    body: new URLSearchParams({
      username,
      password: options.password ?? TEST_DEMO_PASSWORD,
      SAMLRequest: hiddenField(form, 'SAMLRequest'),
      RelayState: hiddenField(form, 'RelayState'),
    }),
  });
  const postPage = await posted.text();
  if (posted.status !== 200) throw new Error(`the IdP answered ${posted.status}`);
  let samlResponse = hiddenField(postPage, 'SAMLResponse');
  if (options.tamper) {
    samlResponse = Buffer.from(options.tamper(Buffer.from(samlResponse, 'base64').toString('utf8'))).toString(
      'base64',
    );
  }
  const acs = await fetch(`${brokerUrl}/auth/saml/acs`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies.header() },
    body: new URLSearchParams({ SAMLResponse: samlResponse }),
  });
  cookies.take(acs);
  const acsBody = await acs.text();
  if (
    acs.status === 303 &&
    acs.headers.get('location') === '/auth/second-factor' &&
    !options.stopAtSecondFactor
  ) {
    await passSecondFactorOverHttp(brokerUrl, cookies, username);
  }
  return { cookies, acsStatus: acs.status, acsBody, samlResponse };
}

/**
 * Enrols an authenticator app at the first sign-in (with the enrolment code the development IdP lists for
 * the user, as a person would type the one their administrator gave them), or answers with the next code.
 */
export async function passSecondFactorOverHttp(
  brokerUrl: string,
  cookies: Cookies,
  username: string,
): Promise<void> {
  const post = async (path: string, body: Record<string, string>): Promise<Response> => {
    const response = await fetch(`${brokerUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies.header() },
      body: new URLSearchParams(body),
    });
    cookies.take(response);
    return response;
  };
  const secondFactorPage = async (): Promise<string> => {
    const page = await fetch(`${brokerUrl}/auth/second-factor`, { headers: { cookie: cookies.header() } });
    cookies.take(page);
    return page.text();
  };
  let html = await secondFactorPage();
  if (html.includes('action="/auth/second-factor/enrolment-code"')) {
    await redeemEnrolmentCodeOverHttp(brokerUrl, cookies, username);
    html = await secondFactorPage();
  }
  const secret = /このキーを入力してください：<code>([A-Z2-7]+)<\/code>/.exec(html)?.[1];
  if (secret) {
    rememberTotpSecret(brokerUrl, username, secret);
    const enrol = await post('/auth/second-factor/totp/enrol', {
      code: await nextTotpCode(brokerUrl, username),
      challenge: hiddenField(html, 'challenge'),
    });
    if (enrol.status !== 303) throw new Error(`enrolment answered ${enrol.status}`);
    const codes = await fetch(`${brokerUrl}/auth/second-factor/recovery-codes`, {
      headers: { cookie: cookies.header() },
    });
    cookies.take(codes);
    const complete = await post('/auth/second-factor/complete', {});
    if (complete.status !== 303) throw new Error(`completing the sign-in answered ${complete.status}`);
    return;
  }
  const answer = await post('/auth/second-factor/totp', { code: await nextTotpCode(brokerUrl, username) });
  if (answer.status !== 303) throw new Error(`the second factor answered ${answer.status}`);
}

/** Types the user's enrolment code, which lets this sign-in enrol a factor. */
export async function redeemEnrolmentCodeOverHttp(
  brokerUrl: string,
  cookies: Cookies,
  username: string,
): Promise<void> {
  const code = await enrolmentCodeFor(brokerUrl, username);
  if (!code) throw new Error(`the development IdP lists no enrolment code for ${username}`);
  const response = await fetch(`${brokerUrl}/auth/second-factor/enrolment-code`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies.header() },
    body: new URLSearchParams({ code }),
  });
  cookies.take(response);
  if (response.status !== 303) throw new Error(`the enrolment code answered ${response.status}`);
}

/** Signs out, which ends the session and gives the desktop back to the pool. */
export async function signOutOverHttp(brokerUrl: string, cookies: Cookies): Promise<void> {
  const response = await fetch(`${brokerUrl}/auth/logout`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies.header() },
  });
  if (response.status !== 303) throw new Error(`sign-out answered ${response.status}`);
}
