import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import express, { type Router } from 'express';
import { z } from 'zod';
import { buildSamlResponse, MFA_CONTEXT, PASSWORD_CONTEXT } from './saml-response.js';
import { DEMO_USERS, findDemoUser } from './demo-users.js';
import {
  buildLogoutRequest,
  buildLogoutResponse,
  readRedirectBinding,
  redirectBindingUrl,
} from './saml-logout-messages.js';
import { type Html, html } from '@hcw/common';

/**
 * A built-in SAML identity provider for the demo and the tests only. The configuration refuses to switch
 * it on in production. It knows one service provider (this broker) and the demo users.
 */
export interface DevIdpOptions {
  entityId: string;
  spEntityId: string;
  spAcsUrl: string;
  /** The broker's single logout service, and the certificate its logout messages are signed with. */
  spSloUrl: string;
  spCert: string | undefined;
  key: string;
  cert: string;
  password: string;
  /** The demo users' enrolment codes, listed on the sign-in page (the IdP stands in for their administrator). */
  enrolmentCodes?: { pendingCodes(): Promise<{ username: string; code: string }[]> };
}

const AuthnRequestFields = z.object({
  id: z.string().min(1).max(200),
  acsUrl: z.string().url().optional(),
  issuer: z.string().min(1),
});

function parseAuthnRequest(encoded: string): z.infer<typeof AuthnRequestFields> | undefined {
  try {
    const xmlText = inflateRawSync(Buffer.from(encoded, 'base64'), { maxOutputLength: 64 * 1024 }).toString(
      'utf8',
    );
    const doc = new DOMParser().parseFromString(xmlText, 'text/xml');
    const root = doc.documentElement;
    if (!root || root.localName !== 'AuthnRequest') return undefined;
    const issuer =
      root.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Issuer')[0]?.textContent ?? '';
    const parsed = AuthnRequestFields.safeParse({
      id: root.getAttribute('ID'),
      acsUrl: root.getAttribute('AssertionConsumerServiceURL') || undefined,
      issuer: issuer.trim(),
    });
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const LoginForm = z.object({
  username: z.string().max(100),
  password: z.string().max(200),
  SAMLRequest: z.string().max(16 * 1024),
  RelayState: z.string().max(1000).optional(),
});

export function devIdpRoutes(options: DevIdpOptions): Router {
  const router = express.Router();

  router.get('/auto-submit.js', (_req, res) => {
    res.type('application/javascript').send("document.getElementById('saml-post').submit();\n");
  });

  // Listed when the broker's database answers; the sign-in page works without them.
  const demoCodes = async (): Promise<Map<string, string>> => {
    const codes = await options.enrolmentCodes?.pendingCodes().catch(() => undefined);
    return new Map(codes?.map(({ username, code }) => [username, code]) ?? []);
  };

  // For `npm run demo` to print, and the tests' sign-in helpers: the same codes the sign-in page lists.
  router.get('/enrolment-codes', async (_req, res) => {
    res.json({ codes: Object.fromEntries(await demoCodes()) });
  });

  router.get('/sso', async (req, res) => {
    const samlRequest = typeof req.query.SAMLRequest === 'string' ? req.query.SAMLRequest : '';
    const relayState = typeof req.query.RelayState === 'string' ? req.query.RelayState : '';
    if (!parseAuthnRequest(samlRequest)) {
      res
        .status(400)
        .type('html')
        .send(
          page(
            '要求が正しくありません',
            html`<p>SAML 認証要求を読み取れません。サービスからサインインし直してください。</p>`,
          ),
        );
      return;
    }
    res.type('html').send(loginPage(samlRequest, relayState, await demoCodes()));
  });

  router.post('/sso', express.urlencoded({ extended: false, limit: '32kb' }), async (req, res) => {
    const form = LoginForm.safeParse(req.body);
    const request = form.success ? parseAuthnRequest(form.data.SAMLRequest) : undefined;
    if (!form.success || !request) {
      res
        .status(400)
        .type('html')
        .send(page('要求が正しくありません', html`<p>サインインし直してください。</p>`));
      return;
    }
    if (request.issuer !== options.spEntityId || (request.acsUrl && request.acsUrl !== options.spAcsUrl)) {
      res
        .status(400)
        .type('html')
        .send(page('不明なサービス', html`<p>このサービスへのサインインは受け付けていません。</p>`));
      return;
    }
    const user = findDemoUser(form.data.username.trim());
    if (!user || form.data.password !== options.password) {
      res
        .status(401)
        .type('html')
        .send(
          loginPage(
            form.data.SAMLRequest,
            form.data.RelayState ?? '',
            await demoCodes(),
            'ユーザー名またはパスワードが違います。',
          ),
        );
      return;
    }
    const { xml } = buildSamlResponse({
      issuer: options.entityId,
      audience: options.spEntityId,
      destination: options.spAcsUrl,
      inResponseTo: request.id,
      signingKey: options.key,
      signingCert: options.cert,
      subject: {
        nameId: user.username,
        authnContextClassRef: user.assertsMfa ? MFA_CONTEXT : PASSWORD_CONTEXT,
        attributes: {
          displayName: user.displayName,
          displayNameKana: user.displayNameKana,
          organisation: user.organisation,
          profession: user.profession,
          roles: user.roles,
        },
      },
    });
    res
      .type('html')
      .send(postPage(options.spAcsUrl, Buffer.from(xml, 'utf8').toString('base64'), form.data.RelayState));
  });

  // Single logout. The broker's LogoutRequest (signed, HTTP-Redirect) is answered with a signed
  // LogoutResponse; the broker's LogoutResponse to a logout started here ends on a page saying so.
  router.get('/slo', (req, res) => {
    const rawQuery = req.originalUrl.includes('?')
      ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
      : '';
    const message = readRedirectBinding(rawQuery, options.spCert);
    const root = message && new DOMParser().parseFromString(message.xml, 'text/xml').documentElement;
    const issuer = root
      ?.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Issuer')[0]
      ?.textContent?.trim();
    if (!message || !root || !message.signatureValid || issuer !== options.spEntityId) {
      res
        .status(400)
        .type('html')
        .send(
          page('要求が正しくありません', html`<p>署名されたサインアウト要求を確認できませんでした。</p>`),
        );
      return;
    }
    if (message.kind === 'SAMLResponse') {
      res
        .type('html')
        .send(page('サインアウトしました', html`<p>すべてのサービスからサインアウトしました。</p>`));
      return;
    }
    const { xml } = buildLogoutResponse({
      issuer: options.entityId,
      destination: options.spSloUrl,
      inResponseTo: root.getAttribute('ID') ?? undefined,
    });
    res.redirect(
      303,
      redirectBindingUrl(options.spSloUrl, 'SAMLResponse', xml, {
        relayState: message.relayState,
        signingKey: options.key,
      }),
    );
  });

  router.get('/logout', (_req, res) => {
    res.type('html').send(idpLogoutPage());
  });

  router.post('/logout', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const form = z
      .object({ username: z.string().max(100), password: z.string().max(200) })
      .safeParse(req.body);
    const user = form.success ? findDemoUser(form.data.username.trim()) : undefined;
    if (!form.success || !user || form.data.password !== options.password) {
      res.status(401).type('html').send(idpLogoutPage('ユーザー名またはパスワードが違います。'));
      return;
    }
    const { xml } = buildLogoutRequest({
      issuer: options.entityId,
      destination: options.spSloUrl,
      nameId: user.username,
    });
    res.redirect(303, redirectBindingUrl(options.spSloUrl, 'SAMLRequest', xml, { signingKey: options.key }));
  });

  return router;
}

function idpLogoutPage(error?: string): string {
  return page(
    'IdP からサインアウト',
    html`${error && html`<p class="error" role="alert">${error}</p>`}
      <p>
        この IdP でサインアウトすると、IdP
        でサインインしたサービス（このワークスペースを含む）のセッションも終了します。
      </p>
      <form method="post" action="logout">
        <label>ユーザー名 <input name="username" autocomplete="username" required autofocus /></label>
        <label
          >パスワード <input name="password" type="password" autocomplete="current-password" required
        /></label>
        <button type="submit">すべてのサービスからサインアウト</button>
      </form>`,
  );
}

function page(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="ja">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="stylesheet" href="/client/sign-in.css" />
      </head>
      <body>
        <main class="sign-in">
          <p class="badge">開発用 IdP（デモ・テスト専用）</p>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.toString();
}

function loginPage(
  samlRequest: string,
  relayState: string,
  enrolmentCodes: Map<string, string>,
  error?: string,
): string {
  const users = DEMO_USERS.map((u) => {
    const code = enrolmentCodes.get(u.username);
    return html`<li>
      <code>${u.username}</code> ${u.displayName}（${u.roles.join(', ')}）${
        code && html` 登録コード <code class="enrolment-code">${code}</code>`
      }${u.assertsMfa && ' 多要素認証済みとして通知'}
    </li>`;
  });
  return page(
    'サインイン',
    html`${error && html`<p class="error" role="alert">${error}</p>`}
      <form method="post" action="sso">
        <label>ユーザー名 <input name="username" autocomplete="username" required autofocus /></label>
        <label
          >パスワード <input name="password" type="password" autocomplete="current-password" required
        /></label>
        <input type="hidden" name="SAMLRequest" value="${samlRequest}" />
        <input type="hidden" name="RelayState" value="${relayState}" />
        <button type="submit">サインイン</button>
      </form>
      <details>
        <summary>デモ利用者</summary>
        <p>
          2段階目の認証をまだ登録していない利用者には、管理者が発行する登録コードをここに表示します（デモ専用）。
        </p>
        <ul>
          ${users}
        </ul>
      </details>`,
  );
}

function postPage(acsUrl: string, samlResponse: string, relayState: string | undefined): string {
  return page(
    'サインイン中…',
    html`<form id="saml-post" method="post" action="${acsUrl}">
        <input type="hidden" name="SAMLResponse" value="${samlResponse}" />
        ${relayState && html`<input type="hidden" name="RelayState" value="${relayState}" />`}
        <noscript><button type="submit">続ける</button></noscript>
      </form>
      <script src="/dev-idp/auto-submit.js"></script>`,
  );
}
