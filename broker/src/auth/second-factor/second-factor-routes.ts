import express, { type Request, type Response, type Router } from 'express';
import QRCode from 'qrcode';
import { generateURI } from 'otplib';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { HttpError } from '../../http/errors.js';
import { escapeHtml } from '../../http/html.js';
import { authPage, noticePage } from '../../http/pages.js';
import type { SignInLimits } from '../rate-limits.js';
import { clientAddress, completeSignIn, pendingUser, type SignInFlowDeps } from '../sign-in-flow.js';
import type { SignedInUser } from '../signed-in-user.js';
import type { SecondFactorStore } from './second-factor-store.js';

export interface SecondFactorDeps extends SignInFlowDeps {
  factors: SecondFactorStore;
  limits: SignInLimits;
}

const CodeForm = z.object({ code: z.string().trim().max(20) });

/**
 * The second factor after the IdP's password (AUTH-1): an authenticator app (TOTP) or a passkey
 * (WebAuthn), both something the user has. Enrolment happens at the first sign-in; recovery codes let a
 * user who lost the device enrol a new one; an administrator can reset a user's factors.
 */
export function secondFactorRoutes(deps: SecondFactorDeps): Router {
  const router = express.Router();
  const { config, factors, limits, audit } = deps;
  const rpID = new URL(config.publicUrl).hostname;
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const json = express.json({ limit: '64kb' });

  function requirePending(req: Request): SignedInUser {
    const user = pendingUser(req);
    if (!user) throw new HttpError(401, 'サインインをやり直してください。', 'Please sign in again.');
    return user;
  }

  async function refuseIfLimited(req: Request, res: Response, user: SignedInUser): Promise<boolean> {
    const verdict = await limits.check(clientAddress(req), user.id);
    if (!verdict.blocked) return false;
    await audit.record({
      type: 'second-factor',
      outcome: 'failure',
      actorId: user.id,
      actorOrganisation: user.organisation,
      clientAddress: clientAddress(req),
      details: { reason: 'rate limited' },
    });
    const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
    res
      .status(429)
      .set('Retry-After', String(verdict.retryAfterSeconds))
      .type('html')
      .send(
        noticePage(
          'しばらくお待ちください',
          `確認の失敗が続いたため、一時的に受け付けを停止しています。約${minutes}分後にもう一度お試しください。`,
        ),
      );
    return true;
  }

  async function failed(req: Request, user: SignedInUser, method: string): Promise<void> {
    await limits.fail(clientAddress(req), user.id);
    await audit.record({
      type: 'second-factor',
      outcome: 'failure',
      actorId: user.id,
      actorOrganisation: user.organisation,
      clientAddress: clientAddress(req),
      details: { method },
    });
  }

  async function succeeded(req: Request, user: SignedInUser, method: string): Promise<void> {
    await limits.succeed(user.id);
    await audit.record({
      type: 'second-factor',
      outcome: 'success',
      actorId: user.id,
      actorOrganisation: user.organisation,
      clientAddress: clientAddress(req),
      details: { method },
    });
  }

  router.get('/auth/second-factor', async (req, res) => {
    const user = pendingUser(req);
    if (!user) {
      res.redirect(303, '/auth/login');
      return;
    }
    const enrolled = await factors.confirmedFactors(user.id);
    if (enrolled.length > 0 && !req.session.mayEnrolAfterRecovery) {
      res.type('html').send(
        challengePage(
          enrolled.some((f) => f.kind === 'totp'),
          enrolled.some((f) => f.kind === 'webauthn'),
        ),
      );
      return;
    }
    const { secret } = await factors.beginTotp(user.id);
    const uri = generateURI({ issuer: '在宅療養ワークスペース', label: user.id, secret });
    const qr = await QRCode.toString(uri, { type: 'svg', margin: 1, width: 200 });
    res.type('html').send(enrolPage(qr, secret));
  });

  router.post('/auth/second-factor/totp', form, async (req, res) => {
    const user = requirePending(req);
    if (await refuseIfLimited(req, res, user)) return;
    const { code } = CodeForm.parse(req.body);
    if (!(await factors.checkTotp(user.id, code))) {
      await failed(req, user, 'totp');
      res
        .status(401)
        .type('html')
        .send(
          challengePage(
            true,
            (await factors.webAuthnCredentials(user.id)).length > 0,
            'コードが正しくないか、すでに使われています。',
          ),
        );
      return;
    }
    await succeeded(req, user, 'totp');
    await completeSignIn(deps, req, res, user, 'totp');
  });

  router.post('/auth/second-factor/totp/enrol', form, async (req, res) => {
    const user = requirePending(req);
    if (await refuseIfLimited(req, res, user)) return;
    const { code } = CodeForm.parse(req.body);
    if (!(await factors.checkTotp(user.id, code, { pending: true }))) {
      await failed(req, user, 'totp-enrolment');
      res
        .status(401)
        .type('html')
        .send(
          noticePage('登録できませんでした', 'コードが正しくありません。もう一度登録してください。', {
            href: '/auth/second-factor',
            text: '登録をやり直す',
          }),
        );
      return;
    }
    await enrolled(req, res, user, 'totp');
  });

  async function enrolled(req: Request, res: Response, user: SignedInUser, method: string): Promise<void> {
    await succeeded(req, user, `${method}-enrolment`);
    req.session.recoveryCodesToShow = await factors.issueRecoveryCodes(user.id);
    req.session.mayEnrolAfterRecovery = false;
    req.session.enrolmentDone = true;
    if (req.is('application/json')) res.json({ next: '/auth/second-factor/recovery-codes' });
    else res.redirect(303, '/auth/second-factor/recovery-codes');
  }

  router.get('/auth/second-factor/recovery-codes', (req, res) => {
    requirePending(req);
    const codes = req.session.recoveryCodesToShow ?? [];
    delete req.session.recoveryCodesToShow;
    res.type('html').send(
      authPage(
        '回復コード',
        `<p>端末をなくしたときに使う回復コードです。安全な場所に控えてください。この画面は一度しか表示されません。</p>
<ol class="recovery-codes">${codes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('')}</ol>
<form method="post" action="/auth/second-factor/complete"><button type="submit">控えました。続ける</button></form>`,
      ),
    );
  });

  router.post('/auth/second-factor/complete', async (req, res) => {
    const user = requirePending(req);
    if (!req.session.enrolmentDone)
      throw new HttpError(403, '登録が完了していません。', 'Enrolment is not complete.');
    await completeSignIn(deps, req, res, user, 'enrolment');
  });

  router.post('/auth/second-factor/recovery', form, async (req, res) => {
    const user = requirePending(req);
    if (await refuseIfLimited(req, res, user)) return;
    const { code } = CodeForm.parse(req.body);
    if (!(await factors.useRecoveryCode(user.id, code))) {
      await failed(req, user, 'recovery-code');
      res
        .status(401)
        .type('html')
        .send(challengePage(true, false, '回復コードが正しくないか、すでに使われています。'));
      return;
    }
    await factors.removeAll(user.id);
    await audit.record({
      type: 'second-factor-recovery',
      outcome: 'success',
      actorId: user.id,
      actorOrganisation: user.organisation,
      clientAddress: clientAddress(req),
    });
    req.session.mayEnrolAfterRecovery = true;
    res.redirect(303, '/auth/second-factor');
  });

  router.post('/auth/second-factor/webauthn/registration-options', async (req, res) => {
    const user = requirePending(req);
    const enrolledFactors = await factors.confirmedFactors(user.id);
    if (enrolledFactors.length > 0 && !req.session.mayEnrolAfterRecovery) {
      throw new HttpError(403, '登録済みの認証要素で確認してください。', 'Use your enrolled factor.');
    }
    const options = await generateRegistrationOptions({
      rpName: '在宅療養ワークスペース',
      rpID,
      userName: user.id,
      userDisplayName: user.displayName,
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    req.session.webauthnChallenge = options.challenge;
    res.json(options);
  });

  router.post('/auth/second-factor/webauthn/registration', json, async (req, res) => {
    const user = requirePending(req);
    const expectedChallenge = req.session.webauthnChallenge;
    delete req.session.webauthnChallenge;
    if (!expectedChallenge) throw new HttpError(400, 'やり直してください。', 'Start again.');
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: req.body as RegistrationResponseJSON,
        expectedChallenge,
        expectedOrigin: config.publicOrigin,
        expectedRPID: rpID,
      });
    } catch {
      verification = undefined;
    }
    if (!verification?.verified || !verification.registrationInfo) {
      await failed(req, user, 'webauthn-enrolment');
      throw new HttpError(400, 'パスキーを登録できませんでした。', 'The passkey could not be registered.');
    }
    const { credential } = verification.registrationInfo;
    await factors.addWebAuthn(user.id, {
      credentialId: credential.id,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports ?? [],
    });
    await enrolled(req, res, user, 'webauthn');
  });

  router.post('/auth/second-factor/webauthn/authentication-options', async (req, res) => {
    const user = requirePending(req);
    const credentials = await factors.webAuthnCredentials(user.id);
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: credentials.map((c) => ({ id: c.credentialId })),
      userVerification: 'preferred',
    });
    req.session.webauthnChallenge = options.challenge;
    res.json(options);
  });

  router.post('/auth/second-factor/webauthn/authentication', json, async (req, res) => {
    const user = requirePending(req);
    if (await refuseIfLimited(req, res, user)) return;
    const expectedChallenge = req.session.webauthnChallenge;
    delete req.session.webauthnChallenge;
    const response = req.body as AuthenticationResponseJSON;
    const credential = (await factors.webAuthnCredentials(user.id)).find(
      (c) => c.credentialId === response?.id,
    );
    let verified = false;
    if (expectedChallenge && credential) {
      try {
        const result = await verifyAuthenticationResponse({
          response,
          expectedChallenge,
          expectedOrigin: config.publicOrigin,
          expectedRPID: rpID,
          credential: {
            id: credential.credentialId,
            publicKey: credential.publicKey,
            counter: credential.counter,
          },
        });
        verified = result.verified;
        if (verified)
          await factors.recordWebAuthnUse(credential.credentialId, result.authenticationInfo.newCounter);
      } catch {
        verified = false;
      }
    }
    if (!verified) {
      await failed(req, user, 'webauthn');
      throw new HttpError(401, 'パスキーを確認できませんでした。', 'The passkey could not be verified.');
    }
    await succeeded(req, user, 'webauthn');
    await completeSignInJson(deps, req, res, user);
  });

  return router;
}

/** completeSignIn answers with a redirect; the passkey page calls by fetch, so it is told where to go. */
async function completeSignInJson(
  deps: SignInFlowDeps,
  req: Request,
  res: Response,
  user: SignedInUser,
): Promise<void> {
  const redirect = res.redirect.bind(res);
  res.redirect = ((status: number, url: string) => {
    res.status(200).json({ next: url ?? status });
  }) as typeof res.redirect;
  try {
    await completeSignIn(deps, req, res, user, 'webauthn');
  } finally {
    res.redirect = redirect;
  }
}

function challengePage(hasTotp: boolean, hasPasskey: boolean, error?: string): string {
  return authPage(
    '本人確認（2段階目）',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
${hasPasskey ? '<p><button type="button" id="passkey-sign-in">パスキーで確認</button></p>' : ''}
${
  hasTotp
    ? `<form method="post" action="/auth/second-factor/totp">
<label>認証アプリの6桁のコード <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required autofocus></label>
<button type="submit">確認</button></form>`
    : ''
}
<details><summary>端末をなくした場合</summary>
<form method="post" action="/auth/second-factor/recovery">
<label>回復コード <input name="code" autocomplete="off" required></label>
<button type="submit">回復コードを使う</button></form></details>
<p id="passkey-error" class="error" role="alert" hidden></p>`,
    ['/client/second-factor.js'],
  );
}

function enrolPage(qrSvg: string, secret: string): string {
  return authPage(
    '2段階目の認証を登録',
    `<p>医療情報を扱うため、パスワードとは別の種類の認証（スマートフォンの認証アプリ、またはパスキー）が必要です。</p>
<h2>認証アプリ</h2>
<div class="qr">${qrSvg}</div>
<p>読み取れない場合はこのキーを入力してください：<code>${escapeHtml(secret)}</code></p>
<form method="post" action="/auth/second-factor/totp/enrol">
<label>表示された6桁のコード <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required></label>
<button type="submit">登録</button></form>
<h2>パスキー</h2>
<p><button type="button" id="passkey-register">この端末のパスキーを登録</button></p>
<p id="passkey-error" class="error" role="alert" hidden></p>`,
    ['/client/second-factor.js'],
  );
}
