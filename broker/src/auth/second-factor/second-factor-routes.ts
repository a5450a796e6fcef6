import { type Bilingual, type Html, html, HttpError, trustedHtml } from '@hcw/common';
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
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { recordFirst } from '../../audit/record-first.js';
import { authPage, bilingualParagraphs, noticePage } from '../../http/pages.js';
import type { SignInLimits } from '../rate-limits.js';
import { completeSignIn, pendingUser, type SignInFlowDeps } from '../sign-in-flow.js';
import { clientAddress } from '../../http/client-address.js';
import type { SignedInUser } from '../signed-in-user.js';
import type { EnrolmentCodes } from './enrolment-codes.js';
import type { FactorChallenges } from './factor-challenges.js';
import {
  challengeAnsweredBy,
  decide,
  factorState,
  REFUSALS,
  sessionAfter,
  type ChallengeCondition,
  type Decision,
  type FactorState,
  type FactorStep,
  type IssuedChallenge,
  type Next,
} from './factor-flow.js';
import { PasskeyAlreadyRegisteredError, type SecondFactorStore } from './second-factor-store.js';
import { auditActor } from '../../audit/audit-actor.js';

export interface SecondFactorDeps extends SignInFlowDeps {
  factors: SecondFactorStore;
  enrolmentCodes: EnrolmentCodes;
  challenges: FactorChallenges;
  limits: SignInLimits;
}

const CodeForm = z.object({ code: z.string().trim().max(40) });
const EnrolForm = z.object({ code: z.string().trim().max(40), challenge: z.string().max(200).optional() });
/** Enough of a WebAuthn response to find its challenge; @simplewebauthn checks the rest. */
const PasskeyResponse = z
  .object({
    id: z.string().min(1).max(1400),
    rawId: z.string().min(1).max(1400),
    type: z.literal('public-key'),
    response: z.object({ clientDataJSON: z.string().min(1).max(8192) }).passthrough(),
  })
  .passthrough();

const SIGN_IN_AGAIN = new HttpError(401, 'サインインをやり直してください。', 'Please sign in again.');

/** The challenge a WebAuthn response signed, as its client data says; undefined when unreadable. */
function signedChallenge(response: z.infer<typeof PasskeyResponse>): string | undefined {
  try {
    return decodeClientDataJSON(response.response.clientDataJSON).challenge;
  } catch {
    return undefined;
  }
}

/**
 * The second factor after the IdP's password (AUTH-1): an authenticator app (TOTP) or a passkey
 * (WebAuthn), both something the user has. Every endpoint asks `decide` (factor-flow.ts) what it may do in
 * the sign-in's state; challenges are bound to their purpose, user and session and answered once.
 * Enrolling needs a grant: an administrator's enrolment code, the IdP's multi-factor at this sign-in, or a
 * recovery code from an earlier enrolment (which replaces the lost factor). An administrator can reset a
 * user's factors; the user then needs an enrolment code again.
 */
export function secondFactorRoutes(deps: SecondFactorDeps): Router {
  const router = express.Router();
  const { config, factors, enrolmentCodes, challenges, limits, audit } = deps;
  const rpID = new URL(config.publicUrl).hostname;
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const json = express.json({ limit: '64kb' });

  /**
   * Whom the flow is about: someone signed in at the IdP with the second factor still to come, or someone
   * signed in with the IdP's own multi-factor, who may enrol a factor for sign-ins where the IdP does not.
   */
  function subjectOf(req: Request): SignedInUser | undefined {
    const pending = pendingUser(req);
    if (pending) return pending;
    const user = req.session.user;
    return user && req.session.secondFactor?.grant === 'idp-mfa' ? user : undefined;
  }

  /** Gathers the facts, takes the presented challenge (if the step answers one) and asks the state machine. */
  async function step(
    req: Request,
    name: FactorStep,
    presented?: unknown,
  ): Promise<{ user: SignedInUser; state: FactorState; decision: Decision; issued?: IssuedChallenge }> {
    const user = subjectOf(req);
    if (!user) throw SIGN_IN_AGAIN;
    const account = await factors.accountFacts(user.id).catch(() => {
      throw new HttpError(
        503,
        'ただいま本人確認を行えません。しばらくしてからもう一度お試しください。',
        'The second factor cannot be checked at the moment. Please try again shortly.',
      );
    });
    const state = factorState(account, req.session.secondFactor ?? {});
    const purpose = challengeAnsweredBy(name);
    let condition: ChallengeCondition = 'none';
    let issued: IssuedChallenge | undefined;
    if (purpose) {
      ({ condition, issued } = await challenges.answer(presented, {
        purpose,
        userId: user.id,
        sessionId: req.sessionID,
      }));
    }
    const decision = decide(state, name, condition);
    if (!decision.allow) {
      await recordFirst(audit, [
        {
          type: 'second-factor',
          outcome: 'failure',
          ...auditActor(user, req),
          details: { step: name, state: state.name, refused: decision.refusal },
        },
      ]);
    }
    return { user, state, decision, issued };
  }

  function moveTo(req: Request, next: Next): void {
    if (next.name !== 'signed-in')
      req.session.secondFactor = sessionAfter(req.session.secondFactor ?? {}, next);
  }

  /** Refuses a step answered with JSON (the passkey steps, called by script). */
  function refusedJson(decision: Extract<Decision, { allow: false }>): HttpError {
    const text = REFUSALS[decision.refusal];
    return new HttpError(decision.status, text.ja, text.en);
  }

  /** Refuses a step of a form, on a page that leads back to where the user can go on. */
  function refusePage(res: Response, decision: Extract<Decision, { allow: false }>): void {
    res
      .status(decision.status)
      .type('html')
      .send(
        noticePage('この操作はできません', REFUSALS[decision.refusal], {
          href: '/auth/second-factor',
          text: '2段階目の認証に戻る',
        }),
      );
  }

  /** Takes an attempt from the limits, or answers 429 and says so. */
  async function attemptOrRefuse(req: Request, res: Response, user: SignedInUser, asJson = false) {
    const attempt = await limits.attempt('second-factor', { address: clientAddress(req), account: user.id });
    if (attempt.allowed) return attempt;
    await recordFirst(audit, [
      {
        type: 'second-factor',
        outcome: 'failure',
        ...auditActor(user, req),
        details: { reason: 'rate limited' },
      },
    ]);
    const minutes = Math.ceil(attempt.retryAfterSeconds / 60);
    const text: Bilingual = {
      ja: `確認の失敗が続いたため、一時的に受け付けを停止しています。約${minutes}分後にもう一度お試しください。`,
      en: `Too many failed attempts: please try again in about ${minutes} minutes.`,
    };
    res.status(429).set('Retry-After', String(attempt.retryAfterSeconds));
    if (asJson) res.json({ error: text });
    else res.type('html').send(noticePage('しばらくお待ちください', text));
    return undefined;
  }

  async function recordOutcome(
    req: Request,
    user: SignedInUser,
    outcome: 'success' | 'failure',
    details: Record<string, string>,
  ): Promise<void> {
    await recordFirst(audit, [
      {
        type: 'second-factor',
        outcome,
        ...auditActor(user, req),
        details,
      },
    ]);
  }

  router.get('/auth/second-factor', async (req, res) => {
    if (!subjectOf(req)) {
      res.redirect(303, '/auth/login');
      return;
    }
    const { user, state, decision } = await step(req, 'show');
    if (!decision.allow) throw refusedJson(decision);
    switch (decision.page) {
      case 'enrolment-code':
        res.type('html').send(enrolmentCodePage(state.name === 'reset'));
        return;
      case 'enrol': {
        const { factorId, secret } = await factors.beginTotp(user.id);
        const challenge = await challenges.issue(
          'totp-enrolment',
          { userId: user.id, sessionId: req.sessionID },
          factorId,
        );
        const uri = generateURI({ issuer: '在宅療養ワークスペース', label: user.id, secret });
        // The library draws the code as SVG paths (the URI is not in the markup): markup made here, not input.
        const qr = trustedHtml(await QRCode.toString(uri, { type: 'svg', margin: 1, width: 200 }));
        res.type('html').send(enrolPage(qr, secret, challenge, state.name === 'recovering'));
        return;
      }
      case 'challenge': {
        const enrolled = await factors.confirmedFactors(user.id);
        res.type('html').send(
          challengePage(
            enrolled.some((f) => f.kind === 'totp'),
            enrolled.some((f) => f.kind === 'webauthn'),
          ),
        );
        return;
      }
      default:
        res.redirect(303, '/auth/second-factor/recovery-codes');
    }
  });

  router.post('/auth/second-factor/enrolment-code', form, async (req, res) => {
    const { user, decision } = await step(req, 'enrolment-code');
    if (!decision.allow) {
      refusePage(res, decision);
      return;
    }
    const attempt = await attemptOrRefuse(req, res, user);
    if (!attempt) return;
    const parsed = CodeForm.safeParse(req.body);
    const redeemed = parsed.success ? await enrolmentCodes.redeem(user.id, parsed.data.code) : undefined;
    if (!redeemed) {
      await recordOutcome(req, user, 'failure', { method: 'enrolment-code' });
      res
        .status(401)
        .type('html')
        .send(
          enrolmentCodePage(false, {
            ja: '登録コードが正しくないか、期限切れ、取り消し済み、または使用済みです。',
            en: 'The enrolment code is wrong, expired, revoked or already used.',
          }),
        );
      return;
    }
    await attempt.succeeded();
    await recordOutcome(req, user, 'success', { method: 'enrolment-code', codeId: redeemed.id });
    moveTo(req, decision.next);
    res.redirect(303, '/auth/second-factor');
  });

  router.post('/auth/second-factor/totp/enrol', form, async (req, res) => {
    const body = EnrolForm.safeParse(req.body);
    const { user, state, decision, issued } = await step(
      req,
      'totp-enrolment',
      body.success ? body.data.challenge : undefined,
    );
    if (!decision.allow) {
      refusePage(res, decision);
      return;
    }
    const attempt = await attemptOrRefuse(req, res, user);
    if (!attempt) return;
    const factorId = issued?.factorId;
    if (!body.success || !factorId || !(await factors.checkPendingTotp(user.id, factorId, body.data.code))) {
      await recordOutcome(req, user, 'failure', { method: 'totp-enrolment' });
      res
        .status(401)
        .type('html')
        .send(
          noticePage(
            '登録できませんでした',
            {
              ja: 'コードが正しくありません。もう一度登録してください。',
              en: 'The code is not correct. Please enrol again.',
            },
            { href: '/auth/second-factor', text: '登録をやり直す' },
          ),
        );
      return;
    }
    const codes = await factors.enrol(
      user.id,
      { kind: 'totp', factorId },
      { replaceOthers: state.name === 'recovering' },
    );
    await attempt.succeeded();
    await enrolled(req, res, user, state, 'totp', decision.next, codes);
  });

  async function enrolled(
    req: Request,
    res: Response,
    user: SignedInUser,
    state: FactorState,
    method: 'totp' | 'webauthn',
    next: Next,
    recoveryCodes: string[],
  ): Promise<void> {
    await recordOutcome(req, user, 'success', {
      method: `${method}-enrolment`,
      grant: state.name === 'enrolling' ? state.grant : 'recovery-code',
    });
    req.session.recoveryCodesToShow = recoveryCodes;
    moveTo(req, next);
    if (req.is('application/json')) res.json({ next: '/auth/second-factor/recovery-codes' });
    else res.redirect(303, '/auth/second-factor/recovery-codes');
  }

  router.get('/auth/second-factor/recovery-codes', async (req, res) => {
    const { decision } = await step(req, 'recovery-codes');
    if (!decision.allow) {
      refusePage(res, decision);
      return;
    }
    const codes = req.session.recoveryCodesToShow ?? [];
    delete req.session.recoveryCodesToShow;
    if (codes.length === 0 && req.session.user) {
      // Signed in already (the IdP did multi-factor) and nothing new to show.
      res.redirect(303, '/');
      return;
    }
    res.type('html').send(
      authPage(
        '回復コード',
        html`<p>
            端末をなくしたときに使う回復コードです。安全な場所に控えてください。この画面は一度しか表示されません。
          </p>
          <p lang="en">
            Recovery codes, for when you lose your device. Keep them somewhere safe: this page is shown once.
          </p>
          <ol class="recovery-codes">
            ${codes.map((c) => html`<li><code>${c}</code></li>`)}
          </ol>
          <form method="post" action="/auth/second-factor/complete">
            <button type="submit">控えました。続ける</button>
          </form>`,
      ),
    );
  });

  router.post('/auth/second-factor/complete', async (req, res) => {
    const { user, decision } = await step(req, 'complete');
    if (!decision.allow) {
      refusePage(res, decision);
      return;
    }
    if (req.session.user) {
      res.redirect(303, '/');
      return;
    }
    await completeSignIn(deps, req, res, user, 'enrolment');
  });

  router.post('/auth/second-factor/totp', form, async (req, res) => {
    const { user, decision } = await step(req, 'totp');
    if (!decision.allow) {
      refusePage(res, decision);
      return;
    }
    const attempt = await attemptOrRefuse(req, res, user);
    if (!attempt) return;
    const parsed = CodeForm.safeParse(req.body);
    if (!parsed.success || !(await factors.checkTotp(user.id, parsed.data.code))) {
      await recordOutcome(req, user, 'failure', { method: 'totp' });
      res
        .status(401)
        .type('html')
        .send(
          challengePage(true, (await factors.webAuthnCredentials(user.id)).length > 0, {
            ja: 'コードが正しくないか、すでに使われています。',
            en: 'The code is wrong or was already used.',
          }),
        );
      return;
    }
    await attempt.succeeded();
    await recordOutcome(req, user, 'success', { method: 'totp' });
    await completeSignIn(deps, req, res, user, 'totp');
  });

  router.post('/auth/second-factor/recovery', form, async (req, res) => {
    const { user, decision } = await step(req, 'recovery-code');
    if (!decision.allow) {
      refusePage(res, decision);
      return;
    }
    const attempt = await attemptOrRefuse(req, res, user);
    if (!attempt) return;
    const parsed = CodeForm.safeParse(req.body);
    if (!parsed.success || !(await factors.useRecoveryCode(user.id, parsed.data.code))) {
      await recordOutcome(req, user, 'failure', { method: 'recovery-code' });
      const enrolledFactors = await factors.confirmedFactors(user.id);
      res
        .status(401)
        .type('html')
        .send(
          challengePage(
            enrolledFactors.some((f) => f.kind === 'totp'),
            enrolledFactors.some((f) => f.kind === 'webauthn'),
            {
              ja: '回復コードが正しくないか、すでに使われています。',
              en: 'The recovery code is wrong or was already used.',
            },
          ),
        );
      return;
    }
    await attempt.succeeded();
    // The lost factor stays until the new one is enrolled: abandoning recovery half-way locks nobody out,
    // and lets nobody enrol with the password alone.
    await recordFirst(audit, [
      {
        type: 'second-factor-recovery',
        outcome: 'success',
        ...auditActor(user, req),
      },
    ]);
    moveTo(req, decision.next);
    res.redirect(303, '/auth/second-factor');
  });

  router.post('/auth/second-factor/webauthn/registration-options', async (req, res) => {
    const { user, decision } = await step(req, 'passkey-registration-options');
    if (!decision.allow) throw refusedJson(decision);
    const challenge = await challenges.issue('passkey-registration', {
      userId: user.id,
      sessionId: req.sessionID,
    });
    const options = await generateRegistrationOptions({
      rpName: '在宅療養ワークスペース',
      rpID,
      userName: user.id,
      userDisplayName: user.displayName,
      challenge: isoBase64URL.toBuffer(challenge),
      attestationType: 'none',
      // An authenticator that already holds a passkey of this user (one being replaced) makes a new one.
      excludeCredentials: (await factors.webAuthnCredentials(user.id)).map((c) => ({ id: c.credentialId })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    res.json(options);
  });

  router.post('/auth/second-factor/webauthn/registration', json, async (req, res) => {
    const body = PasskeyResponse.safeParse(req.body);
    if (!body.success) {
      throw new HttpError(400, 'パスキーの応答を読み取れません。', 'The passkey response cannot be read.');
    }
    const { user, state, decision } = await step(req, 'passkey-registration', signedChallenge(body.data));
    if (!decision.allow) throw refusedJson(decision);
    const attempt = await attemptOrRefuse(req, res, user, true);
    if (!attempt) return;
    let verification;
    try {
      // The challenge was fresh, issued for this registration, this user and this session (decide said so).
      verification = await verifyRegistrationResponse({
        response: body.data as unknown as RegistrationResponseJSON,
        expectedChallenge: signedChallenge(body.data)!,
        expectedOrigin: config.publicOrigin,
        expectedRPID: rpID,
      });
    } catch {
      verification = undefined;
    }
    if (!verification?.verified || !verification.registrationInfo) {
      await recordOutcome(req, user, 'failure', { method: 'webauthn-enrolment' });
      throw new HttpError(400, 'パスキーを登録できませんでした。', 'The passkey could not be registered.');
    }
    const { credential } = verification.registrationInfo;
    let codes: string[];
    try {
      codes = await factors.enrol(
        user.id,
        {
          kind: 'webauthn',
          credential: {
            credentialId: credential.id,
            publicKey: credential.publicKey,
            counter: credential.counter,
            transports: credential.transports ?? [],
          },
        },
        { replaceOthers: state.name === 'recovering' },
      );
    } catch (error) {
      if (!(error instanceof PasskeyAlreadyRegisteredError)) throw error;
      await recordOutcome(req, user, 'failure', {
        method: 'webauthn-enrolment',
        reason: 'already registered',
      });
      throw new HttpError(
        409,
        'このパスキーはすでに登録されています。',
        'This passkey is already registered.',
      );
    }
    await attempt.succeeded();
    await enrolled(req, res, user, state, 'webauthn', decision.next, codes);
  });

  router.post('/auth/second-factor/webauthn/authentication-options', async (req, res) => {
    const { user, decision } = await step(req, 'passkey-sign-in-options');
    if (!decision.allow) throw refusedJson(decision);
    const credentials = await factors.webAuthnCredentials(user.id);
    const challenge = await challenges.issue('passkey-sign-in', {
      userId: user.id,
      sessionId: req.sessionID,
    });
    const options = await generateAuthenticationOptions({
      rpID,
      challenge: isoBase64URL.toBuffer(challenge),
      allowCredentials: credentials.map((c) => ({ id: c.credentialId })),
      userVerification: 'preferred',
    });
    res.json(options);
  });

  router.post('/auth/second-factor/webauthn/authentication', json, async (req, res) => {
    const body = PasskeyResponse.safeParse(req.body);
    if (!body.success) {
      throw new HttpError(400, 'パスキーの応答を読み取れません。', 'The passkey response cannot be read.');
    }
    const { user, decision } = await step(req, 'passkey-sign-in', signedChallenge(body.data));
    if (!decision.allow) throw refusedJson(decision);
    const attempt = await attemptOrRefuse(req, res, user, true);
    if (!attempt) return;
    const response = body.data as unknown as AuthenticationResponseJSON;
    const credential = (await factors.webAuthnCredentials(user.id)).find(
      (c) => c.credentialId === response.id,
    );
    let verified = false;
    if (credential) {
      try {
        const result = await verifyAuthenticationResponse({
          response,
          expectedChallenge: signedChallenge(body.data)!,
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
      await recordOutcome(req, user, 'failure', { method: 'webauthn' });
      throw new HttpError(401, 'パスキーを確認できませんでした。', 'The passkey could not be verified.');
    }
    await attempt.succeeded();
    await recordOutcome(req, user, 'success', { method: 'webauthn' });
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

function enrolmentCodePage(isReset: boolean, error?: Bilingual): string {
  const why: Bilingual = isReset
    ? {
        ja: '管理者が2段階目の認証をリセットしました。新しく登録するには、所属組織の管理者から受け取った登録コードを入力してください。',
        en: 'An administrator reset your second factor. To enrol a new one, enter the enrolment code your organisation’s administrator gave you.',
      }
    : {
        ja: '医療情報を扱うため、パスワードとは別の種類の認証（認証アプリまたはパスキー）が必要です。登録するには、所属組織の管理者から受け取った登録コードを入力してください。',
        en: 'Patient data needs a second factor of another kind than the password (an authenticator app or a passkey). To enrol one, enter the enrolment code your organisation’s administrator gave you.',
      };
  return authPage(
    '登録コードの入力',
    html`${error && bilingualParagraphs(error, 'error')} ${bilingualParagraphs(why)}
      <form method="post" action="/auth/second-factor/enrolment-code">
        <label
          >登録コード（Enrolment code）
          <input
            name="code"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck="false"
            required
            autofocus
        /></label>
        <button type="submit">確認</button>
      </form>
      ${bilingualParagraphs({
        ja: '登録コードがない場合は、所属組織の管理者にお問い合わせください。',
        en: 'If you have no enrolment code, please ask your organisation’s administrator.',
      })}`,
  );
}

function challengePage(hasTotp: boolean, hasPasskey: boolean, error?: Bilingual): string {
  return authPage(
    '本人確認（2段階目）',
    html`${error && bilingualParagraphs(error, 'error')}
      ${hasPasskey && html`<p><button type="button" id="passkey-sign-in">パスキーで確認</button></p>`}
      ${
        hasTotp &&
        html`<form method="post" action="/auth/second-factor/totp">
          <label
            >認証アプリの6桁のコード
            <input
              name="code"
              inputmode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9]{6}"
              required
              autofocus
          /></label>
          <button type="submit">確認</button>
        </form>`
      }
      <details>
        <summary>端末をなくした場合</summary>
        <form method="post" action="/auth/second-factor/recovery">
          <label>回復コード <input name="code" autocomplete="off" required /></label>
          <button type="submit">回復コードを使う</button>
        </form>
      </details>
      <p id="passkey-error" class="error" role="alert" hidden></p>`,
    ['/client/second-factor.js'],
  );
}

function enrolPage(qrSvg: Html, secret: string, challenge: string, isRecovering: boolean): string {
  return authPage(
    '2段階目の認証を登録',
    html`<p>
        ${
          isRecovering
            ? '回復コードを確認しました。新しい認証アプリかパスキーを登録すると、以前の認証要素は使えなくなります。'
            : '医療情報を扱うため、パスワードとは別の種類の認証（スマートフォンの認証アプリ、またはパスキー）が必要です。'
        }
      </p>
      <h2>認証アプリ</h2>
      <div class="qr">${qrSvg}</div>
      <p>読み取れない場合はこのキーを入力してください：<code>${secret}</code></p>
      <form method="post" action="/auth/second-factor/totp/enrol">
        <input type="hidden" name="challenge" value="${challenge}" />
        <label
          >表示された6桁のコード
          <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required
        /></label>
        <button type="submit">登録</button>
      </form>
      <h2>パスキー</h2>
      <p><button type="button" id="passkey-register">この端末のパスキーを登録</button></p>
      <p id="passkey-error" class="error" role="alert" hidden></p>`,
    ['/client/second-factor.js'],
  );
}
